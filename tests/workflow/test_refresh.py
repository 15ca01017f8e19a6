"""`refresh_all_deadlines` rewrites every case's deadlines, a pass of cases at a time."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from tests.council import council_for_lines
from tests.wiring import projections
from workflow import demo, migrate, service
from workflow.db import make_engine, new_session
from workflow.law.deadlines import Settings

COLUMNS = (
    "c.reference, d.position, d.kind, d.advice, d.ref, d.regulation, d.party, d.created_on, "
    "d.starts, d.due, d.met_on, d.cancelled_on, d.can_lapse, d.exception, d.exception_on"
)
LINES = [json.dumps(x) for x in demo.generate(40, end=date(2026, 11, 1), seed=11)]


def _deadlines(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                f"SELECT {COLUMNS} FROM deadlines d JOIN cases c ON c.id = d.case_id "
                "ORDER BY c.reference, d.position"
            )
        )
        return [tuple(row) for row in rows]


def _imported(url: str, clock: Callable[[], datetime], settings: Settings) -> Engine:
    engine = make_engine(url)
    migrate.upgrade(engine)
    with new_session(engine) as session:
        service.import_events(
            projections=projections(),
            session=session,
            lines=council_for_lines(session, clock, LINES),
            actor="loader",
            clock=clock,
            settings=settings,
        )
    return engine


def test_refresh_after_a_settings_change_equals_importing_with_it(
    new_db_url: Callable[[], str], clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "REFRESH_CASES_PER_PASS", 7)  # several passes over 40 cases
    changed = Settings(twenty_week_days=139)
    refreshed = _imported(new_db_url(), clock, Settings())
    expected = _imported(new_db_url(), clock, changed)
    before = _deadlines(refreshed)
    assert before != _deadlines(expected)  # the setting moves some final plan due dates

    with new_session(refreshed) as session:
        count = service.refresh_all_deadlines(session=session, clock=clock, settings=changed)
    assert count == 40
    assert _deadlines(refreshed) == _deadlines(expected)

    with new_session(refreshed) as session:
        service.refresh_all_deadlines(session=session, clock=clock, settings=Settings())
    assert _deadlines(refreshed) == before
    refreshed.dispose()
    expected.dispose()


def _version(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT version FROM queue_version")).scalar_one())


def test_a_refresh_moves_the_queue_version_and_its_triggers_stay(db_url: str, clock) -> None:
    """On SQLite the refresh sets the version's row triggers aside in its transaction."""
    engine = _imported(db_url, clock, Settings())
    version = _version(engine)
    with new_session(engine) as session:
        service.refresh_all_deadlines(session=session, clock=clock, settings=Settings())
    refreshed = _version(engine)
    assert refreshed > version
    with engine.begin() as conn:  # a change after it still moves the version
        conn.execute(sa.text("UPDATE deadlines SET due = due WHERE position = 0"))
    assert _version(engine) > refreshed
    engine.dispose()


def test_a_refresh_that_fails_keeps_the_triggers(
    db_url: str, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = _imported(db_url, clock, Settings())
    before = _deadlines(engine)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the replay failed")

    monkeypatch.setattr(service.deadline_refresh, "replayed", broken)
    with new_session(engine) as session, pytest.raises(RuntimeError):
        service.refresh_all_deadlines(session=session, clock=clock, settings=Settings())
    assert _deadlines(engine) == before
    version = _version(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE deadlines SET due = due WHERE position = 0"))
    assert _version(engine) > version
    engine.dispose()
