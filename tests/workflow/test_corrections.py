"""Voiding and correcting a recorded event (issue 18), on SQLite and PostgreSQL.

Nothing is deleted or changed in place: the event stays, marked voided, and the case
becomes what its corrected history makes it. Refusals write nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from tests.wiring import projections
from tests.workflow.factories import ASSESSMENT, ev, import_all, record_all
from workflow import service
from workflow.errors import (
    CaseNotFound,
    ConcurrentUpdate,
    Conflict,
    InvalidEvent,
    InvalidInput,
    WorkflowError,
)
from workflow.models import EventVoid, StoredDeadline, StoredEvent

Clock = Callable[[], datetime]
AS_OF = date(2026, 11, 20)


def void(session: Session, clock: Clock, ref: str = "V1", **kw: Any) -> service.Voided:
    args: dict[str, Any] = {"reason": "Recorded on the wrong case", "actor": "officer.a", **kw}
    return service.void_event(
        session=session, case_ref=ref, clock=clock, projections=projections(), **args
    )


def correct(session: Session, clock: Clock, ref: str = "V1", **kw: Any) -> service.Voided:
    args: dict[str, Any] = {"reason": "Typed the wrong date", "actor": "officer.a", **kw}
    return service.correct_event(
        session=session, case_ref=ref, clock=clock, projections=projections(), **args
    )


def deadlines(session: Session, ref: str) -> list[tuple[Any, ...]]:
    """A case's stored deadline rows, without ids."""
    view = service.get_case(session=session, case_ref=ref, as_of=AS_OF)
    rows = session.exec(
        select(StoredDeadline)
        .where(StoredDeadline.case_id == view.case.id)
        .order_by(col(StoredDeadline.position))
    )
    return [
        tuple(v for k, v in row.model_dump().items() if k not in ("id", "case_id")) for row in rows
    ]


def same_as_fresh(session: Session, clock: Clock, ref: str, fresh: str) -> None:
    """`ref` is what a case that recorded its effective events in the first place is."""
    view = service.get_case(session=session, case_ref=ref, as_of=AS_OF)
    events = [
        {"type": e.type, "date": e.date.isoformat(), **e.fields}
        for e in sorted(view.events, key=lambda e: (e.date, e.sequence))
    ]
    record_all(session=session, case_ref=fresh, events=events, clock=clock)
    other = service.get_case(session=session, case_ref=fresh, as_of=AS_OF)
    assert view.case.state == other.case.state
    assert view.evaluation.deadlines == other.evaluation.deadlines
    assert view.evaluation.windows == other.evaluation.windows
    assert deadlines(session, ref) == deadlines(session, fresh)


def versions(session: Session, ref: str = "V1") -> tuple[int, int, int]:
    """The case's version, and how many events and voids the database holds."""
    session.expire_all()
    view = service.get_case(session=session, case_ref=ref, as_of=AS_OF)
    events = session.execute(sa.select(sa.func.count()).select_from(StoredEvent)).scalar_one()
    voids = session.execute(sa.select(sa.func.count()).select_from(EventVoid)).scalar_one()
    session.commit()
    return view.case.version, events, voids


# -- voiding -------------------------------------------------------------------------


def test_a_void_keeps_the_event_and_takes_it_out_of_the_history(
    session: Session, clock: Clock
) -> None:
    record_all(session=session, case_ref="V1", events=ASSESSMENT[:3], clock=clock)
    result = void(session, clock, sequence=3, reason="  Requested by mistake \n")
    assert (result.voided.sequence, result.replacement, result.case.version) == (3, None, 4)
    assert result.void.reason == "Requested by mistake"

    view = service.get_case(session=session, case_ref="V1", as_of=AS_OF)
    assert [e.sequence for e in view.events] == [1, 2]
    assert view.case.state == "assessing"
    assert not any(d.kind == "advice" for d in view.evaluation.deadlines)
    (c,) = view.corrections
    assert (c.sequence, c.type, c.date, c.fields) == (
        3,
        "advice_requested",
        date(2024, 2, 13),
        {"advice": "psychological"},
    )
    assert (c.reason, c.voided_by, c.voided_at, c.replaced_by) == (
        "Requested by mistake",
        "officer.a",
        clock(),
        None,
    )
    assert c.to_json()["voided_at"] == "2026-11-20T12:00:00+00:00"
    assert versions(session) == (4, 3, 1)  # the event row is still there
    same_as_fresh(session, clock, "V1", "F1")


def test_the_next_event_after_a_void_takes_the_next_number(session: Session, clock: Clock) -> None:
    record_all(session=session, case_ref="V1", events=ASSESSMENT[:3], clock=clock)
    void(session, clock, sequence=3)
    recorded = record_all(session=session, case_ref="V1", events=[ASSESSMENT[2]], clock=clock)
    assert recorded.event.sequence == 4
    import_all(
        session=session,
        lines=['{"case": "V1", "type": "advice_received", "date": "2024-03-20", '
               '"advice": "psychological"}'],
        clock=clock,
    )  # fmt: skip
    view = service.get_case(session=session, case_ref="V1", as_of=AS_OF)
    assert [e.sequence for e in view.events] == [1, 2, 4, 5]


def test_voiding_the_only_event_leaves_a_new_case(session: Session, clock: Clock) -> None:
    record_all(session=session, case_ref="V1", events=ASSESSMENT[:1], clock=clock)
    result = void(session, clock, sequence=1)
    assert result.case.state == "new"
    assert deadlines(session, "V1") == []


def test_a_void_that_later_events_depend_on_is_refused_naming_them_all(
    session: Session, clock: Clock
) -> None:
    record_all(session=session, case_ref="V1", events=ASSESSMENT[:4], clock=clock)
    before = versions(session)
    with pytest.raises(InvalidEvent) as refused:
        void(session, clock, sequence=2)
    message = str(refused.value)
    assert message.startswith(
        "Case V1: event 2 (“Decision to assess” on 12 February 2024) cannot be voided, "
        "because these recorded events could then not happen: "
        "event 3 (“Advice requested” on 13 February 2024), "
        "event 4 (“Advice received” on 20 March 2024)."
    )
    assert versions(session) == before


def test_an_export_has_only_the_effective_events(session: Session, clock: Clock) -> None:
    record_all(session=session, case_ref="V1", events=ASSESSMENT[:3], clock=clock)
    correct(session, clock, sequence=3, date="2024-02-14")
    lines = list(service.export_events(session=session))
    assert [(line["type"], line["date"]) for line in lines] == [
        ("request_received", "2024-01-08"),
        ("decision_to_assess", "2024-02-12"),
        ("advice_requested", "2024-02-14"),
    ]


def test_refresh_replays_only_the_effective_events(session: Session, clock: Clock) -> None:
    record_all(session=session, case_ref="V1", events=ASSESSMENT[:3], clock=clock)
    void(session, clock, sequence=3)
    before = deadlines(session, "V1")
    assert service.refresh_all_deadlines(session=session, clock=clock) == 1
    assert deadlines(session, "V1") == before


# -- correcting ----------------------------------------------------------------------


def test_a_correction_voids_and_records_the_corrected_event_in_one_change(
    session: Session, clock: Clock
) -> None:
    record_all(session=session, case_ref="V1", events=ASSESSMENT[:4], clock=clock)
    result = correct(session, clock, sequence=3, date=date(2024, 2, 20))
    assert result.replacement is not None
    assert (result.replacement.sequence, result.replacement.type) == (5, "advice_requested")
    assert result.replacement.date == date(2024, 2, 20)
    assert result.replacement.fields == {"advice": "psychological"}
    assert (result.void.replaced_by, result.case.version) == (5, 5)

    view = service.get_case(session=session, case_ref="V1", as_of=AS_OF)
    assert [e.sequence for e in view.events] == [1, 2, 5, 4]  # in date order
    assert [(c.sequence, c.replaced_by) for c in view.corrections] == [(3, 5)]
    assert versions(session) == (5, 5, 1)


def test_a_corrected_history_is_what_recording_it_first_would_have_made(
    session: Session, clock: Clock
) -> None:
    record_all(session=session, case_ref="V1", events=ASSESSMENT, clock=clock)
    correct(session, clock, sequence=1, date="2024-01-02", fields={"source": "parent"})
    correct(session, clock, sequence=5, date="2024-04-15")
    same_as_fresh(session, clock, "V1", "F1")


def test_a_correction_that_breaks_the_history_is_refused(session: Session, clock: Clock) -> None:
    record_all(session=session, case_ref="V1", events=ASSESSMENT[:4], clock=clock)
    before = versions(session)
    with pytest.raises(InvalidEvent, match="cannot be corrected like this") as refused:
        correct(session, clock, sequence=1, date="2024-02-14")  # after the decision
    assert "event 2 (“Decision to assess” on 12 February 2024)" in str(refused.value)
    assert versions(session) == before


def test_a_clearing_a_field_and_a_note_are_corrections(session: Session, clock: Clock) -> None:
    record_all(
        session=session,
        case_ref="V1",
        events=[*ASSESSMENT[:2], ev("advice_requested", "2024-02-13", advice="health", ref="H")],
        clock=clock,
    )
    result = correct(session, clock, sequence=3, fields={"ref": ""})
    assert result.replacement is not None and result.replacement.fields == {"advice": "health"}
    result = correct(session, clock, sequence=4, fields={"note": "Clinic letter"})
    assert result.replacement is not None and result.replacement.note == "Clinic letter"


@pytest.mark.parametrize(
    "change, error, message",
    [
        ({}, InvalidInput, "the correction changes nothing"),
        ({"date": "2024-02-12"}, InvalidInput, "the correction changes nothing"),
        ({"fields": {"type": "decision_not_to_assess"}}, InvalidEvent, "cannot change the event"),
        ({"date": "2026-11-21"}, InvalidEvent, "is in the future"),
        ({"fields": {"colour": "red"}}, InvalidEvent, "unknown field colour"),
        ({"fields": {"advice": "astrology"}}, InvalidEvent, "advice"),
    ],
)  # fmt: skip
def test_bad_corrections_are_refused_and_write_nothing(
    session: Session, clock: Clock, change: dict[str, Any], error: type, message: str
) -> None:
    record_all(session=session, case_ref="V1", events=ASSESSMENT[:3], clock=clock)
    before = versions(session)
    sequence = 3 if "advice" in str(change) else 2
    with pytest.raises(error, match=message):
        correct(session, clock, sequence=sequence, **change)
    assert versions(session) == before


# -- refusals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kw, error, message, field",
    [
        ({"sequence": 9}, InvalidInput, "Case V1 has no event 9", "sequence"),
        ({"sequence": 0}, InvalidInput, "by its number", "sequence"),
        ({"sequence": 2, "reason": ""}, InvalidInput, "Enter the reason for voiding the", "reason"),
        ({"sequence": 2, "reason": "  "}, InvalidInput, "Enter the reason for voiding", "reason"),
        ({"sequence": 2, "reason": "bad\x07"}, InvalidInput, "Reason must not contain", "reason"),
        ({"sequence": 2, "reason": "x" * 2001}, InvalidInput, "2000 characters or fewer", "reason"),
        ({"sequence": 2, "expected_version": 1}, ConcurrentUpdate, "changed by someone else", None),
    ],
)  # fmt: skip
def test_refused_voids_write_nothing(
    session: Session,
    clock: Clock,
    kw: dict[str, Any],
    error: type[WorkflowError],
    message: str,
    field: str | None,
) -> None:
    record_all(session=session, case_ref="V1", events=ASSESSMENT[:2], clock=clock)
    before = versions(session)
    with pytest.raises(error, match=message) as refused:
        void(session, clock, **kw)
    assert refused.value.field == field
    assert versions(session) == before


def test_a_stale_version_is_a_409(session: Session, clock: Clock) -> None:
    record_all(session=session, case_ref="V1", events=ASSESSMENT[:3], clock=clock)
    with pytest.raises(ConcurrentUpdate) as refused:
        correct(session, clock, sequence=3, date="2024-02-14", expected_version=2)
    assert refused.value.http_status == 409
    assert void(session, clock, sequence=3, expected_version=3).case.version == 4


def test_an_event_is_voided_once(session: Session, clock: Clock) -> None:
    record_all(session=session, case_ref="V1", events=ASSESSMENT[:3], clock=clock)
    correct(session, clock, sequence=3, date="2024-02-14")
    before = versions(session)
    already = (
        r"event 3 \(“Advice requested” on 13 February 2024\) was already voided by officer.a on "
    )
    with pytest.raises(Conflict, match=already + "20 November 2026, replaced by event 4"):
        void(session, clock, sequence=3)
    with pytest.raises(Conflict, match=already):
        correct(session, clock, sequence=3, date="2024-02-15")
    assert versions(session) == before


def test_an_unknown_case_is_not_found(session: Session, clock: Clock) -> None:
    with pytest.raises(CaseNotFound):
        void(session, clock, ref="NOPE", sequence=1)


# -- the database keeps the voids -----------------------------------------------------


def console(engine: Engine, sql: str) -> None:
    """One statement as a console user runs it (SQLite: foreign keys and recursive
    triggers off), committed."""
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


def _replace(engine: Engine, table: str, columns: str, changed: str, value: str) -> str:
    rewritten = columns.replace(f"{changed},", f"{value},", 1)
    if engine.dialect.name == "sqlite":
        return f"INSERT OR REPLACE INTO {table} ({columns}) SELECT {rewritten} FROM {table}"
    return (
        f"INSERT INTO {table} ({columns}) SELECT {rewritten} FROM {table} "
        f"ON CONFLICT (id) DO UPDATE SET {changed} = EXCLUDED.{changed}"
    )


VOID_COLUMNS = "id, case_id, event_id, reason, voided_at, voided_by, replaced_by"
WITHDRAWAL_COLUMNS = "id, case_id, letter_id, void_id, withdrawn_at"


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE event_voids SET reason = 'nothing happened'",
        "DELETE FROM event_voids",
        "replace",
        "TRUNCATE event_voids, letter_withdrawals",
    ],
)
def test_the_database_refuses_to_change_a_void(
    session: Session, engine: Engine, clock: Clock, sql: str
) -> None:
    record_all(session=session, case_ref="V1", events=ASSESSMENT[:3], clock=clock)
    void(session, clock, sequence=3)
    if sql == "replace":
        sql = _replace(engine, "event_voids", VOID_COLUMNS, "reason", "'rewritten'")
    if sql.startswith("TRUNCATE") and engine.dialect.name == "sqlite":
        sql = "DELETE FROM event_voids WHERE id > 0"
    with pytest.raises(CONSOLE_ERRORS, match="append-only"):
        console(engine, sql)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT reason FROM event_voids")).scalars().all()
    assert rows == ["Recorded on the wrong case"]


def test_a_console_cannot_void_an_event_twice_by_replacing(
    session: Session, engine: Engine, clock: Clock
) -> None:
    record_all(session=session, case_ref="V1", events=ASSESSMENT[:3], clock=clock)
    void(session, clock, sequence=3)
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has no INSERT OR REPLACE; the unique event_id refuses it")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        console(
            engine,
            "INSERT OR REPLACE INTO event_voids (case_id, event_id, reason, voided_at, voided_by) "
            "SELECT case_id, event_id, 'again', voided_at, voided_by FROM event_voids",
        )


def test_voids_are_utc_aware(session: Session, clock: Clock) -> None:
    record_all(session=session, case_ref="V1", events=ASSESSMENT[:3], clock=clock)
    void(session, clock, sequence=3)
    session.expire_all()
    row = session.exec(select(EventVoid)).one()
    assert row.voided_at == datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    assert row.voided_at.utcoffset() is not None
