"""The kept breach queue: read once by concurrent viewers, read again after a commit that
changed a case or its deadlines, and only then (migration 0016's queue version)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from scheduler.breaches import Filters
from tests.wiring import projections
from web import queue_cache
from workflow import teams
from workflow.db import make_engine, new_session
from workflow.deadline_store import queue_version
from workflow.service import record_event


@pytest.fixture
def db(new_db_url: Callable[[], str], clock: Callable[[], datetime]) -> Iterator[Engine]:
    engine = make_engine(new_db_url())
    with new_session(engine) as session:
        teams.add_team(session=session, name="North", actor="test", clock=clock)
    yield engine
    engine.dispose()  # a failure must not leave connections for later tests to trip on


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[date]:
    """Each time the queue itself is read (slowly: concurrent viewers arrive meanwhile)."""
    seen: list[date] = []

    def slow_queue(**kw: Any) -> list[Any]:
        seen.append(kw["as_of"])
        time.sleep(0.2)
        return []

    monkeypatch.setattr(queue_cache, "breach_queue", slow_queue)
    return seen


def _view(engine: Engine) -> None:
    with new_session(engine, read_only=True) as session:
        queue_cache.breach_queue_kept(
            session=session, engine=engine, as_of=date(2026, 11, 20), filters=Filters()
        )


def _version(engine: Engine) -> int:
    with new_session(engine, read_only=True) as session:
        return queue_version(session)


def _open_case(engine: Engine, clock: Callable[[], datetime], ref: str) -> None:
    with new_session(engine) as session:
        record_event(
            projections=projections(),
            session=session,
            case_ref=ref,
            event={"type": "request_received", "date": "2026-06-01", "source": "parent"},
            actor="test",
            clock=clock,
            case_fields={"team": "North"},
        )


def test_concurrent_viewers_read_the_queue_once_and_a_recorded_event_reads_it_again(
    db: Engine, reads: list[date], clock: Callable[[], datetime]
) -> None:
    viewers = [threading.Thread(target=_view, args=(db,)) for _ in range(8)]
    for t in viewers:
        t.start()
    for t in viewers:
        t.join()
    _view(db)
    assert len(reads) == 1
    _open_case(db, clock, "QC001")
    _view(db)
    _view(db)
    assert len(reads) == 2


def test_writes_elsewhere_keep_the_queue(
    db: Engine, reads: list[date], clock: Callable[[], datetime]
) -> None:
    """The read audit writes a row at every case page; other tables change too."""
    _open_case(db, clock, "QC001")
    _view(db)
    with db.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO case_reads (case_id, read_at, reader, role, what, how)"
                " SELECT id, :at, 'manager@council.example', 'manager', 'case page', 'web'"
                " FROM cases"
            ),
            {"at": clock()},
        )
        conn.execute(sa.text("CREATE TABLE anything (x INTEGER)"))
        conn.execute(sa.text("INSERT INTO anything VALUES (1)"))
    _view(db)
    assert len(reads) == 1


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE cases SET officer = 'Someone else'",
        "DELETE FROM deadlines WHERE kind = 'decision_to_assess'",
        "UPDATE deadlines SET due = due",
    ],
)
def test_any_change_to_cases_or_deadlines_moves_the_version(
    db: Engine, clock: Callable[[], datetime], change: str
) -> None:
    _open_case(db, clock, "QC001")
    before = _version(db)
    with db.begin() as conn:
        assert conn.execute(sa.text(change)).rowcount == 1
    assert _version(db) > before


def test_a_write_still_in_progress_is_not_kept_when_it_commits(
    db: Engine, reads: list[date], clock: Callable[[], datetime]
) -> None:
    """A queue read while another connection's change is uncommitted is read again once
    that change commits, though nothing else has happened since."""
    _open_case(db, clock, "QC001")
    with db.connect() as writer:
        writer.execute(sa.text("UPDATE cases SET officer = 'Someone else'"))  # not committed
        if db.dialect.name == "sqlite":  # one writer at a time: the viewers read before it
            writer.rollback()
            writer.execute(sa.text("UPDATE cases SET officer = 'Someone else'"))
        _view(db)
        _view(db)
        assert len(reads) == 1
        writer.commit()
    _view(db)
    assert len(reads) == 2


def test_postgres_writers_do_not_wait_on_each_other_for_the_version(
    new_postgres_url: Callable[[], str], clock: Callable[[], datetime]
) -> None:
    """The version's row is locked only while a transaction commits: a long import's open
    transaction does not hold up an officer's event, and it moves once a transaction."""
    engine = make_engine(new_postgres_url())
    try:
        with new_session(engine) as session:
            teams.add_team(session=session, name="North", actor="test", clock=clock)
        _open_case(engine, clock, "QC001")
        _open_case(engine, clock, "QC002")
        before = _version(engine)
        with engine.connect() as long_one, engine.connect() as officer:
            for _ in range(3):  # several statements, one transaction
                long_one.execute(
                    sa.text("UPDATE cases SET officer = 'A' WHERE reference = 'QC001'")
                )
            officer.execute(sa.text("SET lock_timeout = '2s'"))
            officer.execute(
                sa.text(
                    "UPDATE deadlines SET due = due"
                    " WHERE case_id = (SELECT id FROM cases WHERE reference = 'QC002')"
                )
            )
            officer.commit()  # would fail with a lock timeout if the version's row were held
            assert _version(engine) == before + 1
            long_one.commit()
        assert _version(engine) == before + 2
        with engine.connect() as conn:
            marks = conn.execute(sa.text("SELECT count(*) FROM queue_changes")).scalar_one()
        assert marks == 0  # each transaction's mark goes as it commits
    finally:
        engine.dispose()
