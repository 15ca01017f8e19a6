"""`/ready` (issue 23 item 2): the database at the newest migration, an active scheduler
(recent heartbeat) and a daily sweep within 26 hours; the admins emailed once when the
sweep is overdue, and again only after it has recovered."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session

from scheduler import health, process
from scheduler.tables import SweepRun
from tests.web.conftest import Browser
from web.app import create_app
from web.context import ReadyChecks, WebContext
from workflow.config import Config
from workflow.db import new_session


@dataclass(frozen=True)
class RecordingReady(ReadyChecks):
    """/ready's limits, with the admins' emails kept instead of sent."""

    sent: list[str] = field(default_factory=list)

    def alert_admins(self, session: Session, *, subject: str, body: str) -> None:
        self.sent.append(subject)


def _app(engine: Engine, now: list[datetime], ready: ReadyChecks) -> FastAPI:
    return create_app(WebContext(engine=engine, projections=(), clock=lambda: now[0], ready=ready))


def _sweep(engine: Engine, at: datetime) -> None:
    with new_session(engine) as session:
        session.add(
            SweepRun(
                as_of=at.date(), runner="test", ran_at=at, breaches_logged=0, notifications_queued=0
            )
        )
        session.commit()


def _beat(engine: Engine, at: datetime) -> None:
    with new_session(engine) as session:
        health.beat(session, runner="test", now=at)


def _checks(response: Any) -> dict[str, bool]:
    return {c["name"]: c["ok"] for c in response.json()["checks"]}


def test_ready_when_everything_holds_and_which_check_fails(
    engine: Engine, clock: Callable[[], datetime]
) -> None:
    now = [clock()]
    ready = RecordingReady()
    client = Browser(_app(engine, now, ready), base_url="http://testserver")
    first = client.get("/ready")  # no sign-in needed
    assert first.status_code == 503
    assert _checks(first) == {
        "database": True,
        "migrations": True,
        "scheduler": False,
        "daily_sweep": False,
    }
    assert "never" in first.text
    _beat(engine, now[0] - timedelta(seconds=30))
    _sweep(engine, now[0] - timedelta(hours=3))
    ok = client.get("/ready")
    assert ok.status_code == 200 and ok.json()["status"] == "ready"
    # The scheduler stops: after 5 minutes without a heartbeat it is not ready.
    now[0] += timedelta(minutes=6)
    stopped = client.get("/ready")
    assert stopped.status_code == 503
    assert _checks(stopped)["scheduler"] is False and _checks(stopped)["daily_sweep"] is True


def test_the_admins_are_emailed_once_about_an_overdue_sweep(
    engine: Engine, clock: Callable[[], datetime]
) -> None:
    now = [clock()]
    ready = RecordingReady()
    client = Browser(_app(engine, now, ready), base_url="http://testserver")
    _sweep(engine, now[0] - timedelta(hours=25))
    _beat(engine, now[0])
    assert client.get("/ready").status_code == 200 and ready.sent == []
    now[0] += timedelta(hours=2)  # 27 hours since the sweep
    _beat(engine, now[0])
    for _ in range(3):
        late = client.get("/ready")
        assert late.status_code == 503 and _checks(late)["daily_sweep"] is False
    assert ready.sent == ["EHC service: the daily sweep has not run"]  # once
    _sweep(engine, now[0])  # it runs again: the alert is over
    assert client.get("/ready").status_code == 200
    now[0] += timedelta(hours=27)
    _beat(engine, now[0])
    assert client.get("/ready").status_code == 503
    assert len(ready.sent) == 2  # a new occurrence, a new email


def test_a_database_behind_the_engine_s_migrations_is_not_ready() -> None:
    state = health.Readiness(
        (health.Check("migrations", False, "at 0009, not 0010: run ehc db upgrade"),)
    )
    assert not state.ok and state.to_json()["status"] == "not ready"


def test_ready_goes_red_when_the_real_scheduler_stops(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scheduler process (its leader lock, its jobs) beats every 0.2 s; /ready with a
    1 s limit is green while it runs and red once it has been stopped for longer."""
    monkeypatch.chdir(tmp_path)
    config = Config(
        database_url=sqlite_url,
        scheduler_heartbeat_seconds=0.2,
        scheduler_standby_poll_seconds=1,
        sweep_at="23:59",
        exports_dir=tmp_path / "exports",
    )
    context = WebContext.from_config(config)
    context = WebContext(
        engine=context.engine,
        projections=context.projections,
        ready=RecordingReady(heartbeat_max_seconds=1.0),
    )
    _sweep(context.engine, datetime.now().astimezone())  # only the scheduler is in question
    client = Browser(create_app(context), base_url="http://testserver")
    stop = threading.Event()
    runner = threading.Thread(target=process.run, args=(config,), kwargs={"stop": stop})
    runner.start()
    try:
        deadline = time.monotonic() + 20
        while client.get("/ready").status_code != 200:
            assert time.monotonic() < deadline, client.get("/ready").json()
            time.sleep(0.2)
    finally:
        stop.set()
        runner.join(timeout=20)
    assert not runner.is_alive()
    time.sleep(1.5)
    red = client.get("/ready")
    assert red.status_code == 503 and _checks(red)["scheduler"] is False
