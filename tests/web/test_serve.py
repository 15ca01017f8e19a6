"""`ehc serve` as a person runs it: several worker processes behind one port.

The workers share nothing but the database, so a sign-in form fetched from one
worker and posted to another must work, and so must every page after it.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn
from sqlmodel import select
from typer.testing import CliRunner

from cli.app import app as ehc_app
from cli.serve import default_workers
from tests.council import add_council
from workflow import accounts
from workflow.account_models import SignInFailure
from workflow.db import make_engine, new_session

EHC = Path(sys.executable).parent / "ehc"
EMAIL = "officer.serve@council.example"
PASSWORD = "a-long-enough-password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _workers(pid: int) -> list[int]:
    """The server's worker processes (not multiprocessing's resource tracker)."""
    workers = []
    for child in _children(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if b"spawn_main" in command:
            workers.append(child)
    return workers


def _wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise AssertionError("ehc serve did not answer /health within 60 seconds")


def _sign_in_and_open_home(base: str) -> str:
    browser = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    with browser.open(f"{base}/sign-in", timeout=30) as page:
        token = CSRF.search(page.read().decode())
    assert token, "no CSRF token on the sign-in page"
    form = {"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"}
    with browser.open(f"{base}/sign-in", urllib.parse.urlencode(form).encode(), 30) as home:
        assert home.status == 200 and home.url == f"{base}/"
        return home.read().decode()


def test_several_workers_answer_on_one_port_and_share_sign_in(db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    add_council(engine, lambda: datetime.now(UTC), team_names=["North"])
    with new_session(engine) as session:
        accounts.add_user(
            session=session,
            email=EMAIL,
            name="Serve Officer",
            role="officer",
            team="North",
            password=PASSWORD,
            actor="test",
            clock=lambda: datetime.now(UTC),
        )
    engine.dispose()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(EHC), "serve", "--port", str(port), "--workers", "2", "--no-scheduler"],
        env={**os.environ, "EHC_DATABASE_URL": db_url},
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_up(base, server)
        workers = _workers(server.pid)
        assert len(workers) == 2
        # Each sign-in is three requests on new connections, spread over the workers.
        for _ in range(6):
            assert "My cases" in _sign_in_and_open_home(base)
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=60)[0].decode()
    assert server.returncode == 0, output
    assert "with 2 worker processes" in output
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers), "a worker outlived ehc serve"


def test_one_worker_per_core_up_to_four_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for cores, expected in ((None, 1), (1, 1), (2, 2), (4, 4), (32, 4)):
        monkeypatch.setattr(os, "cpu_count", lambda cores=cores: cores)
        assert default_workers() == expected


@pytest.mark.parametrize(
    "arguments, env, expected",
    [
        ([], {}, {"proxy_headers": False, "forwarded_allow_ips": None}),
        (
            ["--behind-proxy"],
            {},
            {"proxy_headers": True, "forwarded_allow_ips": "127.0.0.1"},
        ),
        (
            ["--behind-proxy"],
            {"EHC_FORWARDED_ALLOW_IPS": "10.0.0.5,10.0.0.6"},
            {"proxy_headers": True, "forwarded_allow_ips": "10.0.0.5,10.0.0.6"},
        ),
    ],
)
def test_behind_a_proxy_only_the_configured_proxies_are_trusted(
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
    arguments: list[str],
    env: dict[str, str],
    expected: dict[str, object],
) -> None:
    monkeypatch.delenv("EHC_FORWARDED_ALLOW_IPS", raising=False)
    ran: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *_a, **kw: ran.update(kw))
    result = CliRunner().invoke(
        ehc_app,
        ["serve", "--workers", "1", "--no-scheduler", *arguments],
        env={"EHC_DATABASE_URL": sqlite_url, **env},
    )
    assert result.exit_code == 0, result.output
    assert {name: ran[name] for name in expected} == expected


def _serve(db_url: str, tmp_path: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(EHC), "serve", "--port", str(port), "--workers", "1", "--no-scheduler",
         "--behind-proxy"],
        env={**os.environ, "EHC_DATABASE_URL": db_url, **env},
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    _wait_until_up(base, server)
    return server, base


def _wrong_passwords(base: str, forwarded_for: list[str]) -> list[int]:
    """One wrong password per forwarded address, each for a new email (so only the
    per-client limit can refuse them): the status of each answer."""
    browser = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    with browser.open(f"{base}/sign-in", timeout=30) as page:
        token = CSRF.search(page.read().decode())
    assert token, "no CSRF token on the sign-in page"
    statuses = []
    for n, address in enumerate(forwarded_for):
        form = {"email": f"guess{n}@council.example", "password": "wrong guess",
                "csrf_token": token.group(1)}  # fmt: skip
        request = urllib.request.Request(
            f"{base}/sign-in",
            urllib.parse.urlencode(form).encode(),
            headers={"X-Forwarded-For": address},
        )
        try:
            with browser.open(request, timeout=30) as answer:
                statuses.append(answer.status)
        except urllib.error.HTTPError as refused:
            statuses.append(refused.code)
    return statuses


@pytest.mark.parametrize(
    "trusted, forwarded, stored",
    [
        # The proxy (this test, at 127.0.0.1) is trusted but forwards made-up addresses:
        # they are not addresses, so they count together, as one unknown client.
        ("127.0.0.1", "i-am-not-an-ip-{n}", {accounts.UNKNOWN_CLIENT}),
        # A client that is not a configured proxy: its X-Forwarded-For is ignored.
        ("192.0.2.250", "203.0.113.{n}", {"127.0.0.1"}),
    ],
)
def test_spoofed_forwarded_addresses_do_not_escape_the_per_client_limit(
    db_url: str, tmp_path: Path, trusted: str, forwarded: str, stored: set[str]
) -> None:
    """Issue 17 item 8: 25 wrong passwords with spoofed addresses all got 401."""
    server, base = _serve(db_url, tmp_path, {"EHC_FORWARDED_ALLOW_IPS": trusted})
    try:
        statuses = _wrong_passwords(base, [forwarded.format(n=n) for n in range(25)])
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=60)[0].decode()
    # One worker runs in the process, and uvicorn ends it with the signal it stopped on.
    assert server.returncode in (0, -signal.SIGTERM), output
    limit = accounts.MAX_FAILURES_PER_CLIENT
    assert statuses == [401] * limit + [429] * (25 - limit)
    engine = make_engine(db_url)
    with new_session(engine) as session:
        clients = {row.client for row in session.exec(select(SignInFailure))}
    engine.dispose()
    assert clients == stored
