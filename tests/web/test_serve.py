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

from cli.serve import default_workers
from workflow import accounts
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
