"""`refresh_all_deadlines` with its replay in worker processes gives what it gives alone."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from tests.council import council_for_lines
from tests.wiring import projections
from workflow import deadline_refresh, demo, migrate, service
from workflow.db import make_engine, new_session
from workflow.law.deadlines import Settings

LINES = [json.dumps(x) for x in demo.generate(30, end=date(2026, 11, 1), seed=12)]
TABLES = {
    "deadlines": "SELECT case_id, position, kind, advice, ref, created_on, starts, due, met_on, "
    "cancelled_on, can_lapse, exception, exception_on FROM deadlines ORDER BY case_id, position",
    "facts": "SELECT case_id, kind, since, until, request_on, disputed_on FROM timeliness_facts "
    "ORDER BY case_id, since",
}


def _rows(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as conn:
        return {
            name: [tuple(r) for r in conn.execute(sa.text(sql))] for name, sql in TABLES.items()
        }


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


def test_workers_refresh_as_one_process_does(
    new_db_url: Callable[[], str], clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "REFRESH_CASES_PER_PASS", 4)  # eight passes over 30 cases
    monkeypatch.setattr(deadline_refresh, "worker_count", lambda _url, _cases: 2)
    changed = Settings(twenty_week_days=139)
    refreshed = _imported(new_db_url(), clock, Settings())
    expected = _imported(new_db_url(), clock, changed)
    assert _rows(refreshed)["deadlines"] != _rows(expected)["deadlines"]
    with new_session(refreshed) as session:
        assert service.refresh_all_deadlines(session=session, clock=clock, settings=changed) == 30
    assert _rows(refreshed) == _rows(expected)
    refreshed.dispose()
    expected.dispose()


def test_an_in_memory_database_or_a_small_refresh_replays_in_its_own_process() -> None:
    assert deadline_refresh.worker_count(sa.make_url("sqlite://"), 10**6) == 0
    assert deadline_refresh.worker_count(sa.make_url("sqlite:////tmp/x.db"), 100) == 0
