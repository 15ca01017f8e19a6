"""One active scheduler: real `ehc scheduler` processes, the leader killed with SIGKILL.

Each test starts real processes against a fresh database (SQLite: the lock file;
PostgreSQL: the advisory lock), with a short standby poll so it runs in seconds.
Every wait is bounded; every child is killed in `finally`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from workflow.db import make_engine

EHC = Path(sys.executable).parent / "ehc"
POLL_SECONDS = 0.5
WAIT_SECONDS = 30.0  # generous bound for a loaded CI machine; takeover is ~1 poll
HOST = socket.gethostname()


class Scheduler:
    """One `ehc scheduler` child process and its log file."""

    def __init__(self, url: str, log: Path) -> None:
        self.log = log
        env = {
            **os.environ,
            "EHC_DATABASE_URL": url,
            "EHC_SCHEDULER_STANDBY_POLL_SECONDS": str(POLL_SECONDS),
            "EHC_SWEEP_AT": "00:00",  # past today's sweep time: a new leader catches up
        }
        env.pop("EHC_SMTP_HOST", None)
        self.out = log.open("wb")
        self.proc = subprocess.Popen(
            [str(EHC), "scheduler"], env=env, stdout=self.out, stderr=subprocess.STDOUT
        )
        self.name = f"{HOST}:{self.proc.pid}"

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, needle: str, timeout: float = WAIT_SECONDS) -> float:
        """Seconds until `needle` appears in the log; fails (with the log) on timeout."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if needle in self.text():
                return time.monotonic() - start
            if self.proc.poll() is not None:
                pytest.fail(f"{self.name} exited {self.proc.returncode}:\n{self.text()}")
            time.sleep(0.1)
        pytest.fail(f"{self.name} never logged {needle!r} in {timeout} s:\n{self.text()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(timeout=10)
        finally:
            self.out.close()


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[[str], Scheduler]]:
    started: list[Scheduler] = []

    def start(url: str) -> Scheduler:
        s = Scheduler(url, tmp_path / f"scheduler-{len(started)}.log")
        started.append(s)
        return s

    try:
        yield start
    finally:
        for s in started:
            s.stop()


def scalar(url: str, sql: str) -> object:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql)).scalar()
    finally:
        engine.dispose()


def test_a_standby_takes_over_when_the_leader_is_killed(
    db_url: str, spawn: Callable[[str], Scheduler]
) -> None:
    a = spawn(db_url)
    a.wait_for(f"Active: {a.name} is the active scheduler")
    a.wait_for("Scheduler started")
    a.wait_for("Sweep as of")  # the new leader's catch-up sweep for today
    b = spawn(db_url)
    b.wait_for(f"Standby: another scheduler is active; {b.name} waits")
    time.sleep(4 * POLL_SECONDS)  # b keeps trying, and keeps failing, while a lives
    assert "Active:" not in b.text()
    assert scalar(db_url, "SELECT count(*) FROM apscheduler_jobs WHERE id = 'daily_sweep'") == 1
    if make_url(db_url).get_backend_name() == "sqlite":
        lock = Path(f"{make_url(db_url).database}.scheduler.lock")
        assert lock.read_text().strip() == a.name
    else:
        held = scalar(
            db_url,
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity s ON s.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND s.application_name = 'ehc-scheduler' "
            "AND s.datname = current_database()",
        )
        assert held == 1

    a.proc.send_signal(signal.SIGKILL)
    a.proc.wait(timeout=10)
    took = b.wait_for(f"Active: {b.name} is the active scheduler")
    assert took < 60  # the bound; with this poll it is about a second
    b.wait_for("Scheduler started")

    # The old leader comes back (systemd restarts it): it waits as a standby.
    c = spawn(db_url)
    c.wait_for(f"Standby: another scheduler is active; {c.name} waits")
    # SIGTERM (systemctl stop): b stops cleanly and hands over at once.
    b.proc.send_signal(signal.SIGTERM)
    assert b.proc.wait(timeout=WAIT_SECONDS) == 0
    assert f"Scheduler {b.name} stopped" in b.text()
    c.wait_for(f"Active: {c.name} is the active scheduler")
    # Only leaders swept, and today's sweep ran once however many took over.
    assert scalar(db_url, "SELECT count(DISTINCT as_of) FROM sweep_runs") == 1
    assert scalar(db_url, "SELECT min(runner) || max(runner) FROM sweep_runs") == a.name * 2


def test_the_scheduler_refuses_an_in_memory_database(tmp_path: Path) -> None:
    env = {**os.environ, "EHC_DATABASE_URL": "sqlite://"}
    done = subprocess.run(
        [str(EHC), "scheduler"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "needs a database file or PostgreSQL" in done.stderr
