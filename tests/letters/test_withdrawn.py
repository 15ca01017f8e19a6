"""Letters of a voided event are withdrawn: kept as they were, no longer standing (issue 18).

On SQLite and PostgreSQL: the withdrawal rows are append-only, and a withdrawn letter
cannot be completed, changed or deleted, even one still awaiting details.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session

from letters import service as letter_service
from letters.models import AWAITING, READY, WITHDRAWN
from tests.letters.test_store import PEOPLE, update
from tests.wiring import council, projections
from tests.workflow.factories import ev, record_all
from workflow import service
from workflow.errors import InvalidInput

Clock = Callable[[], datetime]

TO_ADVICE = [
    ev("request_received", "2024-01-08", source="parent"),
    ev("decision_to_assess", "2024-02-12"),
    ev("advice_requested", "2024-02-13", advice="psychological"),
]


def docs(session: Session, ref: str = "L1") -> list[tuple[str, str, str, str | None]]:
    return [
        (d["type"], d["status"], d["stored_status"], d["withdrawn_at"])
        for d in letter_service.list_letter_docs(session=session, case_ref=ref)
    ]


def change(session: Session, clock: Clock, what: str, **kw: Any) -> service.Voided:
    run = service.void_event if what == "void" else service.correct_event
    return run(
        session=session,
        case_ref="L1",
        clock=clock,
        projections=projections(),
        actor="officer.a",
        reason="Wrong date",
        **kw,
    )


def test_a_correction_withdraws_the_old_letter_and_the_new_event_makes_its_own(
    session: Session, clock: Clock
) -> None:
    update(session, clock, **PEOPLE)
    record_all(session=session, case_ref="L1", events=TO_ADVICE, clock=clock)
    result = change(session, clock, "correct", sequence=3, date="2024-02-14")
    when = clock().isoformat()
    assert docs(session) == [
        ("acknowledgement_of_request", READY, READY, None),
        ("decision_to_assess", READY, READY, None),
        ("request_for_advice", WITHDRAWN, READY, when),
        ("request_for_advice", READY, READY, None),
    ]
    letters = letter_service.list_letters(session=session, case_ref="L1")
    assert letters[3].event_id == (result.replacement.id if result.replacement else None)
    assert "14 February 2024" in (
        letter_service.get_letter(session=session, letter_id=letters[3].id or 0).text or ""
    )
    (withdrawn,) = letter_service.withdrawn_letters(session=session, case_ref="L1")
    assert withdrawn.letter.id == letters[2].id
    assert withdrawn.withdrawal.void_id == result.void.id
    # Ready, but no copy was downloaded or printed: nothing says it went out (see
    # tests/letters/test_correction_letter.py for one that was).
    assert (withdrawn.downloads, withdrawn.may_have_gone_out) == ((), False)


def test_a_withdrawn_letter_that_was_waiting_waits_for_nothing(
    session: Session, engine: Engine, clock: Clock
) -> None:
    record_all(session=session, case_ref="L1", events=TO_ADVICE[:1], clock=clock)
    change(session, clock, "void", sequence=1)
    assert docs(session) == [
        ("acknowledgement_of_request", WITHDRAWN, AWAITING, clock().isoformat())
    ]
    (doc,) = letter_service.list_letter_docs(session=session, case_ref="L1")
    assert doc["missing"] == []  # withdrawn: not waiting for anything
    (withdrawn,) = letter_service.withdrawn_letters(session=session, case_ref="L1")
    assert not withdrawn.may_have_gone_out

    update(session, clock, **PEOPLE)  # the details come in: the withdrawn letter stays as it was
    letter = letter_service.get_letter(session=session, letter_id=withdrawn.letter.id or 0)
    assert (letter.status, letter.html) == (AWAITING, None)
    with pytest.raises(InvalidInput, match="was withdrawn"):
        letter_service.complete_letter(
            session=session,
            letter_id=letter.id or 0,
            details={"reasons": "x"},
            actor="t",
            clock=clock,
            council=council(),
        )
    with pytest.raises(sa.exc.DatabaseError, match="withdrawn letter cannot be changed"):
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM letters"))


def test_letters_of_other_events_stand(session: Session, clock: Clock) -> None:
    update(session, clock, **PEOPLE)
    record_all(session=session, case_ref="L1", events=TO_ADVICE, clock=clock)
    change(session, clock, "void", sequence=3)
    assert [d[1] for d in docs(session)] == [READY, READY, WITHDRAWN]
    assert letter_service.withdrawn_letters(session=session, case_ref="L1")[0].letter.type == (
        "request_for_advice"
    )


def _console(engine: Engine, sql: str) -> None:
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


@pytest.mark.parametrize(
    "sql, message",
    [
        ("UPDATE letter_withdrawals SET withdrawn_at = withdrawn_at", "append-only"),
        ("DELETE FROM letter_withdrawals", "append-only"),
        ("UPDATE letters SET missing = NULL", "withdrawn letter cannot be changed"),
        ("replace-withdrawal", "append-only"),
        ("replace-letter", "withdrawn letter cannot be changed"),
    ],
)
def test_the_database_keeps_withdrawals_and_withdrawn_letters(
    session: Session, engine: Engine, clock: Clock, sql: str, message: str
) -> None:
    record_all(session=session, case_ref="L1", events=TO_ADVICE[:1], clock=clock)
    change(session, clock, "void", sequence=1)
    sqlite = engine.dialect.name == "sqlite"
    if sql == "replace-withdrawal":
        columns = "id, case_id, letter_id, void_id, withdrawn_at"
        sql = (
            f"INSERT OR REPLACE INTO letter_withdrawals ({columns}) SELECT {columns} "
            "FROM letter_withdrawals"
            if sqlite
            else f"INSERT INTO letter_withdrawals ({columns}) SELECT {columns} FROM "
            "letter_withdrawals ON CONFLICT (id) DO UPDATE SET withdrawn_at = now()"
        )
    elif sql == "replace-letter":
        columns = (
            "id, case_id, type, template, template_version, recipient, is_copy, status, "
            "context, dedupe_key, created_at"
        )
        sql = (
            f"INSERT OR REPLACE INTO letters ({columns}) SELECT {columns} FROM letters"
            if sqlite
            else f"INSERT INTO letters ({columns}) SELECT {columns} FROM letters "
            "ON CONFLICT (id) DO UPDATE SET status = 'ready'"
        )
    with pytest.raises((sqlite3.DatabaseError, psycopg.DatabaseError), match=message):
        _console(engine, sql)
    assert docs(session)[0][1:3] == (WITHDRAWN, AWAITING)
