"""The audit trail cannot be rewritten: the database refuses to change or delete events,
or a case with its history, also from a console (issue 17 item 7)."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine
from sqlmodel import Session

from tests.workflow.factories import ASSESSMENT, record_all
from workflow import migrate
from workflow.db import make_engine, new_session


def test_stored_events_cannot_be_updated(session: Session, engine: Engine, clock) -> None:
    record_all(session=session, case_ref="S1", events=ASSESSMENT[:2], clock=clock)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE events SET date = '2024-01-01'"))
    with engine.connect() as conn:
        dates = conn.execute(sa.text("SELECT date FROM events ORDER BY sequence")).scalars()
        assert [str(d) for d in dates] == ["2024-01-08", "2024-02-12"]


def test_stored_events_cannot_be_deleted(session: Session, engine: Engine, clock) -> None:
    record_all(session=session, case_ref="S1", events=ASSESSMENT[:2], clock=clock)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM events"))
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM events")).scalar() == 2


def test_timestamps_are_utc_aware(session: Session, clock) -> None:
    result = record_all(session=session, case_ref="S1", events=ASSESSMENT[:1], clock=clock)
    session.expire_all()
    from workflow.models import StoredEvent

    row = session.get(StoredEvent, result.event.id)
    assert row is not None
    assert row.recorded_at == clock()
    assert row.recorded_at.utcoffset() is not None


# -- from a database console ----------------------------------------------------------
# A console connects on its own: on SQLite with foreign keys off and recursive triggers off
# (so REPLACE deletes without firing delete triggers), on PostgreSQL as any client does.

KEPT = "cases with events or letters are kept"


def console(engine: Engine, sql: str) -> None:
    """Run one statement as a console user would, committing it."""
    if engine.dialect.name == "sqlite":
        conn = sqlite3.connect(str(engine.url.database), isolation_level=None)
        try:
            conn.execute(sql)
        finally:
            conn.close()
        return
    raw = engine.raw_connection()
    try:
        raw.cursor().execute(sql)
        raw.commit()
    finally:
        raw.rollback()
        raw.close()


CONSOLE_ERRORS = (sqlite3.DatabaseError, psycopg.DatabaseError)


def counts(engine: Engine) -> tuple[int, int, list[str]]:
    with engine.connect() as conn:
        cases = conn.execute(sa.text("SELECT count(*) FROM cases")).scalar_one()
        events = conn.execute(sa.text("SELECT count(*) FROM events")).scalar_one()
        dates = conn.execute(sa.text("SELECT date FROM events ORDER BY sequence")).scalars()
        return cases, events, [str(d) for d in dates]


def test_a_console_cannot_replace_an_event(session: Session, engine: Engine, clock) -> None:
    record_all(session=session, case_ref="S1", events=ASSESSMENT[:2], clock=clock)
    columns = "id, case_id, sequence, type, date, fields, note, actor, recorded_at, recorded_by"
    if engine.dialect.name == "sqlite":
        rewritten = columns.replace("date,", "'2024-01-01',")
        sql = f"INSERT OR REPLACE INTO events ({columns}) SELECT {rewritten} FROM events"
    else:
        rewritten = columns.replace("date,", "DATE '2024-01-01',")
        sql = (
            f"INSERT INTO events ({columns}) SELECT {rewritten} FROM events "
            "ON CONFLICT (id) DO UPDATE SET date = EXCLUDED.date"
        )
    with pytest.raises(CONSOLE_ERRORS, match="append-only"):
        console(engine, sql)
    assert counts(engine) == (1, 2, ["2024-01-08", "2024-02-12"])


def test_a_console_cannot_delete_a_case_with_history(
    session: Session, engine: Engine, clock
) -> None:
    record_all(session=session, case_ref="S1", events=ASSESSMENT[:2], clock=clock)
    with pytest.raises(CONSOLE_ERRORS, match=KEPT):
        console(engine, "DELETE FROM cases")
    assert counts(engine) == (1, 2, ["2024-01-08", "2024-02-12"])


def test_a_case_without_history_can_still_be_deleted(engine: Engine) -> None:
    # The guard is for history: a bare case row (no events, no letters) is not protected.
    console(
        engine,
        "INSERT INTO cases (reference, state, version, created_at, updated_at) "
        "VALUES ('BARE1', 'new', 0, '2026-11-20 12:00:00', '2026-11-20 12:00:00')",
    )
    console(engine, "DELETE FROM cases WHERE reference = 'BARE1'")
    assert counts(engine) == (0, 0, [])


def test_sqlite_console_replace_cannot_remove_a_case_with_history(sqlite_url: str, clock) -> None:
    engine = make_engine(sqlite_url)
    try:
        with new_session(engine) as session:
            record_all(session=session, case_ref="S1", events=ASSESSMENT[:2], clock=clock)
            record_all(session=session, case_ref="S2", events=ASSESSMENT[:1], clock=clock)
        with pytest.raises(sqlite3.IntegrityError, match=KEPT):
            console(
                engine,
                "INSERT OR REPLACE INTO cases (id, reference, state, version, created_at, "
                "updated_at) SELECT id, reference, 'new', 0, created_at, updated_at FROM cases",
            )
        with pytest.raises(sqlite3.IntegrityError, match=KEPT):
            console(engine, "UPDATE OR REPLACE cases SET reference = 'S1' WHERE reference = 'S2'")
        with pytest.raises(sqlite3.IntegrityError, match=KEPT):
            console(engine, "UPDATE cases SET id = 99 WHERE reference = 'S1'")
        with engine.connect() as conn:
            refs = conn.execute(sa.text("SELECT reference, state FROM cases ORDER BY id")).all()
            events = conn.execute(sa.text("SELECT count(*) FROM events")).scalar_one()
        assert [tuple(r) for r in refs] == [("S1", "assessing"), ("S2", "requested")]
        assert events == 3
    finally:
        engine.dispose()


def guards(engine: Engine) -> int:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            sql = (
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                "AND (name LIKE 'cases_keep_history%' OR name LIKE '%_replace')"
            )
        else:
            sql = "SELECT count(*) FROM pg_trigger WHERE tgname = 'cases_keep_history_row'"
        return int(conn.execute(sa.text(sql)).scalar_one())


def test_the_guards_come_off_with_a_downgrade_and_back_with_an_upgrade(engine: Engine) -> None:
    expected = 5 if engine.dialect.name == "sqlite" else 1
    assert guards(engine) == expected
    config = migrate.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0004")
    assert (migrate.current(engine), guards(engine)) == ("0004", 0)
    migrate.upgrade(engine)
    # The head: the guards and what came after.
    assert (migrate.current(engine), guards(engine)) == (migrate.head(), expected)
