"""Rows the database itself refuses during an import's bulk writes (COPY on PostgreSQL,
executemany on SQLite): nothing is written and the message names the line, on both.

The import checks every line before it writes, so these refusals come from what it
cannot check: another transaction opening the same case between the import's look-up
and its write (only PostgreSQL lets two writers race; SQLite's writers take turns, so
there the look-up is made to miss the case). Also: the COPY path stores awkward text,
JSON, NULLs and times exactly as the ORM would, and refuses too-long text on both.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session, select

from tests.workflow.factories import ASSESSMENT, import_all, record_all
from workflow import bulk, importing
from workflow.db import make_engine, new_session
from workflow.errors import ConcurrentUpdate
from workflow.models import Case, CasePeople, StoredEvent

REQUEST = {"type": "request_received", "date": "2024-01-08", "source": "parent"}
ASSESS = {"type": "decision_to_assess", "date": "2024-02-12"}


def _counts(engine: Engine) -> tuple[int, ...]:
    with engine.connect() as conn:
        return tuple(
            int(conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one())
            for t in ("cases", "events", "deadlines", "case_people")
        )


def _file(refs: list[str]) -> list[str]:
    """Two lines per case, in case order: line 2k+1 opens the k-th case."""
    return [json.dumps({"case": ref, **event}) for ref in refs for event in (REQUEST, ASSESS)]


def test_a_case_the_look_up_missed_is_refused_by_the_database_naming_its_line(
    session: Session, engine: Engine, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_all(session=session, case_ref="C3", events=ASSESSMENT[:2], clock=clock)
    before = _counts(engine)
    look_up = importing.lock_cases

    def missing_c3(session: Session, refs: list[str]) -> dict[str, Case]:
        return {ref: case for ref, case in look_up(session, refs).items() if ref != "C3"}

    monkeypatch.setattr(importing, "lock_cases", missing_c3)
    with pytest.raises(ConcurrentUpdate) as caught:
        import_all(session=session, lines=_file(["C1", "C2", "C3", "C4"]), clock=clock)
    message = str(caught.value)
    assert message.startswith("Line 5 (case C3): the case was opened by someone else"), message
    assert "Nothing was imported" in message
    assert _counts(engine) == before


def test_a_case_another_import_opens_meanwhile_fails_the_copy_naming_its_line(
    postgres_url: str, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real race on PostgreSQL: another transaction commits case C2 after this import
    looked for it and before it writes; the COPY of the cases hits the unique reference."""
    engine = make_engine(postgres_url)
    other = make_engine(postgres_url)
    look_up = importing.lock_cases

    def then_another_opens_c2(session: Session, refs: list[str]) -> dict[str, Case]:
        found = look_up(session, refs)
        with new_session(other) as rival:
            record_all(session=rival, case_ref="C2", events=ASSESSMENT[:1], clock=clock)
        return found

    try:
        with new_session(engine) as session:
            monkeypatch.setattr(importing, "lock_cases", then_another_opens_c2)
            with pytest.raises(ConcurrentUpdate) as caught:
                import_all(session=session, lines=_file(["C1", "C2", "C3"]), clock=clock)
            monkeypatch.undo()
            assert str(caught.value).startswith("Line 3 (case C2): the case was opened")
            # Only the rival's case is there, and this session works on.
            assert session.exec(select(Case.reference)).all() == ["C2"]
        assert _counts(engine)[:2] == (1, 1)
    finally:
        engine.dispose()
        other.dispose()


def test_a_refused_event_row_names_its_own_line() -> None:
    """Not its case's first line: the row's sequence says which event it was."""
    batch = list(importing.parse_import_lines(_file(["C1", "C2"]), today=date(2026, 1, 1)))
    cases = list(importing.parse_import_lines(_file(["C1", "C2"]), today=date(2026, 1, 1)).values())
    assert batch == ["C1", "C2"]
    row = {"case_id": 8, "sequence": 2}
    refused = bulk.RowRefused("events", kind=bulk.TOO_LONG, index=3, row=row, column="note")
    err = importing._refused(refused, cases, {"C1": 7, "C2": 8})  # noqa: SLF001
    assert str(err) == "Line 4 (case C2): note must be shorter. Nothing was imported"
    deadline = bulk.RowRefused("deadlines", kind=bulk.MISSING, row={"case_id": 8}, column="due")
    err = importing._refused(deadline, cases, {"C1": 7, "C2": 8})  # noqa: SLF001
    assert str(err) == "Line 3 (case C2): enter due. Nothing was imported"


AWKWARD = [
    "tab\there",
    "new\nline and\r\nreturn",
    "back\\slash \\N and \\t",
    "quote \" and ' both",
    "Zoë Ñandú 李 😀",
    "\\",
    "",
]


def test_copy_stores_text_json_nulls_and_times_as_given(session: Session) -> None:
    moment = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # the hour the clocks go forward
    bulk.insert_rows(
        session,
        Case.__table__,  # type: ignore[attr-defined]
        [
            {"reference": "C1", "state": "new", "version": 1, "created_at": moment,
             "updated_at": moment, "team": None, "date_of_birth": date(2015, 2, 28)},
        ],
    )  # fmt: skip
    case_id = session.exec(select(Case.id)).one()
    fields: list[dict[str, Any]] = [
        {"advice": text, "nested": {"list": [1, None, True], "text": text}} for text in AWKWARD
    ]
    rows = [
        {
            "case_id": case_id,
            "sequence": n,
            "type": "advice_requested",
            "date": date(2024, 2, 29),
            "fields": fields[n - 1],
            "note": text,
            "actor": None if n % 2 else text,
            "recorded_at": moment,
            "recorded_by": "loader",
        }
        for n, text in enumerate(AWKWARD, start=1)
    ]
    bulk.insert_rows(session, StoredEvent.__table__, rows)  # type: ignore[attr-defined]
    bulk.insert_rows(
        session,
        CasePeople.__table__,  # type: ignore[attr-defined]
        [{"case_id": case_id, "parent_address": AWKWARD[1], "large_print": True,
          "parent_copy": None, "updated_at": moment, "updated_by": None}],
    )  # fmt: skip
    session.commit()
    stored = session.exec(select(StoredEvent).order_by(StoredEvent.sequence)).all()
    assert [(e.note, e.actor, e.fields) for e in stored] == [
        (r["note"], r["actor"], r["fields"]) for r in rows
    ]
    assert {e.recorded_at for e in stored} == {moment} and {e.date for e in stored} == {
        date(2024, 2, 29)
    }
    people = session.exec(select(CasePeople)).one()
    assert (people.parent_address, people.large_print, people.parent_copy) == (
        AWKWARD[1],
        True,
        None,
    )
    case = session.exec(select(Case)).one()
    assert (case.created_at, case.date_of_birth, case.team) == (moment, date(2015, 2, 28), None)


@pytest.mark.parametrize("place", [0, 3, 9])
def test_too_long_text_is_refused_before_the_database_on_both(
    session: Session, engine: Engine, place: int
) -> None:
    make: Callable[[int], dict[str, Any]] = lambda n: {  # noqa: E731
        "reference": f"C{n}",
        "state": "new",
        "version": 1,
        "created_at": datetime(2026, 1, 1, tzinfo=UTC),
        "updated_at": datetime(2026, 1, 1, tzinfo=UTC),
        "officer": "x" * (101 if n == place else 100),
    }
    rows = [make(n) for n in range(10)]
    with pytest.raises(bulk.RowRefused) as caught:
        bulk.insert_rows(session, Case.__table__, rows)  # type: ignore[attr-defined]
    refused = caught.value
    assert (refused.kind, refused.index, refused.column, refused.limit) == (
        bulk.TOO_LONG,
        place,
        "officer",
        100,
    )
    assert refused.row is rows[place]
    assert "x" * 20 not in str(refused)  # the message holds no values
    session.rollback()
    assert _counts(engine)[0] == 0


@pytest.mark.parametrize("place", [0, 4])
def test_a_duplicate_row_is_refused_with_its_place_on_both(
    session: Session, engine: Engine, place: int
) -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        {"reference": f"C{n}", "state": "new", "version": 1, "created_at": moment,
         "updated_at": moment}
        for n in range(6)
    ]  # fmt: skip
    rows[place]["reference"] = "C5"
    with pytest.raises(bulk.RowRefused) as caught:
        bulk.insert_rows(session, Case.__table__, rows)  # type: ignore[attr-defined]
    refused = caught.value
    assert (refused.kind, refused.index, refused.table) == (bulk.DUPLICATE, 5, "cases")
    assert refused.row is rows[5]
    session.rollback()
    assert _counts(engine)[0] == 0
