"""A first run (issue 19, item 8): `ehc` outside a project directory creates nothing
and says which database it would use; `make run` prints the demo sign-ins last, once
the server answers, on the port asked for."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EHC = str(Path(sys.executable).parent / "ehc")


def run(*args: str, cwd: Path, db: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "EHC_DATABASE_URL"}
    if db:
        env["EHC_DATABASE_URL"] = db
    return subprocess.run(
        [EHC, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120
    )


@pytest.mark.parametrize(
    "args",
    [
        ["summary"],
        ["breaches"],
        ["kpi"],
        ["case", "show", "ABC1"],
        ["users", "list"],
        ["sweep"],
        ["serve", "--no-scheduler", "--port", "1"],
    ],
    ids=lambda a: "-".join(a[:2]),
)
def test_outside_a_project_ehc_says_which_database_and_creates_none(
    tmp_path: Path, args: list[str]
) -> None:
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "No database here: EHC_DATABASE_URL is not set" in result.stderr
    assert str(tmp_path / "ehc.db") in result.stderr
    assert "set EHC_DATABASE_URL" in result.stderr
    assert list(tmp_path.iterdir()) == [], "it left a file behind"


def test_db_upgrade_creates_the_database_and_then_commands_use_it(tmp_path: Path) -> None:
    made = run("db", "upgrade", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "ehc.db").exists()
    summary = run("summary", cwd=tmp_path)
    assert summary.returncode == 0, summary.stderr
    assert summary.stdout.startswith("0 cases")


def test_a_configured_database_is_used_as_given(tmp_path: Path, db_url: str) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run("summary", cwd=elsewhere, db=db_url)
    assert result.returncode == 0, result.stderr
    assert list(elsewhere.iterdir()) == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_prints_the_demo_sign_ins_last_once_it_answers(tmp_path: Path) -> None:
    assert run("db", "upgrade", cwd=tmp_path).returncode == 0
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "EHC_DATABASE_URL"}
    args = ["serve", "--port", str(port), "--workers", "1", "--no-scheduler", "--demo-users"]
    with subprocess.Popen(
        [EHC, *args], cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True, bufsize=1
    ) as server:
        try:
            assert server.stdout is not None
            lines: list[str] = []
            deadline = time.monotonic() + 60
            while not any(line.startswith("Open http://") for line in lines):
                assert time.monotonic() < deadline and server.poll() is None, lines
                lines.append(server.stdout.readline())
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/sign-in", timeout=10) as page:
                assert page.status == 200  # already answering when the sign-ins appeared
        finally:
            server.terminate()
            server.wait(timeout=20)
    text = "".join(lines)
    assert text.index("Serving on") < text.index("Demo users (sign in with")
    for role in ("officer", "manager", "viewer", "admin"):
        assert f"{role}@demo.example" in text
    assert f"Open http://127.0.0.1:{port} and sign in" in lines[-1]


@pytest.mark.skipif(shutil.which("make") is None, reason="GNU make is not installed")
@pytest.mark.parametrize("target", ["run", "serve"])
def test_make_run_and_serve_take_a_port(target: str) -> None:
    steps = subprocess.run(
        ["make", "-n", target, "PORT=8010"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    [serve] = [line for line in steps.stdout.splitlines() if "ehc serve" in line]
    assert "--port 8010" in serve
    if target == "run":
        assert serve.endswith("--demo-users"), "the sign-ins are printed by serve, last"


def test_version(tmp_path: Path) -> None:
    """`ehc --version` works anywhere, with no database: the installed package's version."""
    from importlib.metadata import version

    done = run("--version", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == f"ehc {version('ehc-engine')}\n"
