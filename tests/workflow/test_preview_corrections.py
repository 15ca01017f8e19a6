"""`workflow.preview.preview_void` and `preview_correction` on SQLite and PostgreSQL: what
voiding or correcting an event would do is what doing it then does, nothing is written,
and they refuse what the save refuses, in the same words."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session

from tests.wiring import projections
from tests.workflow.factories import ASSESSMENT, record_all
from workflow import service
from workflow.errors import ConcurrentUpdate, Conflict, InvalidInput, WorkflowError
from workflow.law.changes import compare
from workflow.preview import preview_correction, preview_void

Clock = Callable[[], datetime]
TABLES = ("cases", "events", "event_voids", "deadlines", "letters", "letter_withdrawals")
END = date(9999, 12, 31)


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t: int(conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in TABLES
        }


def _save(session: Session, clock: Clock, voiding: bool, **kw: Any) -> service.Voided:
    write = service.void_event if voiding else service.correct_event
    return write(
        session=session,
        case_ref="C1",
        reason="Typed the wrong date",
        actor="officer.a",
        clock=clock,
        projections=projections(),
        **kw,
    )


@pytest.mark.parametrize(
    "recorded, change",
    [
        (3, {"sequence": 1, "date": "2024-01-15"}),  # the request later: every clock moves
        (2, {"sequence": 2, "date": "2024-02-20"}),  # the decision 6 days late, not on time
        (3, {"sequence": 3, "fields": {"advice": "health"}}),  # another kind of advice
        (3, {"sequence": 3}),  # void the advice request: its clock is removed
        (5, {"sequence": 5}),  # void the draft plan: its window is removed
    ],
)
def test_the_preview_is_what_the_save_then_does(
    session: Session, engine: Engine, clock: Clock, recorded: int, change: dict[str, Any]
) -> None:
    record_all(session=session, case_ref="C1", events=ASSESSMENT[:recorded], clock=clock)
    voiding = "date" not in change and "fields" not in change
    stored = _counts(engine)
    if voiding:
        preview = preview_void(session=session, case_ref="C1", expected_version=recorded, **change)
    else:
        preview = preview_correction(
            session=session, case_ref="C1", clock=clock, expected_version=recorded, **change
        )
    assert _counts(engine) == stored  # nothing written
    assert preview.original.sequence == change["sequence"]
    before = service.get_case(session=session, case_ref="C1", as_of=END)
    result = _save(session, clock, voiding, expected_version=recorded, **change)
    assert preview.changes == compare(before.evaluation, result.evaluation)
    assert preview.after == result.evaluation
    assert not preview.changes.nothing
    if voiding:
        assert preview.replacement is None
    else:
        assert preview.replacement is not None and result.replacement is not None
        assert preview.replacement.index == result.replacement.sequence
        assert preview.replacement.date == result.replacement.date


def test_a_corrected_request_date_moves_its_clocks(session: Session, clock: Clock) -> None:
    record_all(session=session, case_ref="C1", events=ASSESSMENT[:1], clock=clock)
    preview = preview_correction(
        session=session, case_ref="C1", sequence=1, clock=clock, date=date(2024, 1, 15)
    )
    moved = preview.changes.of("moved")
    assert [(x.deadline.kind, x.before.due, x.deadline.due) for x in moved if x.before] == [
        ("decision_to_assess", date(2024, 2, 19), date(2024, 2, 26)),  # Mon -> Mon, 6 weeks
    ]
    assert preview.replacement is not None and preview.replacement.index == 2


def test_the_preview_refuses_what_the_save_refuses(
    session: Session, engine: Engine, clock: Clock
) -> None:
    record_all(session=session, case_ref="C1", events=ASSESSMENT[:3], clock=clock)
    stored = _counts(engine)
    with pytest.raises(WorkflowError) as previewed:
        preview_void(session=session, case_ref="C1", sequence=2)
    with pytest.raises(WorkflowError) as saved:
        _save(session, clock, True, sequence=2)
    assert str(previewed.value) == str(saved.value)
    assert "event 3 (“Advice requested”" in str(previewed.value)

    with pytest.raises(InvalidInput, match="changes nothing"):
        preview_correction(
            session=session, case_ref="C1", sequence=1, clock=clock, date="2024-01-08"
        )
    with pytest.raises(InvalidInput, match="has no event 9"):
        preview_void(session=session, case_ref="C1", sequence=9)
    with pytest.raises(ConcurrentUpdate):
        preview_void(session=session, case_ref="C1", sequence=3, expected_version=2)
    assert _counts(engine) == stored

    _save(session, clock, True, sequence=3)
    with pytest.raises(Conflict, match="already voided"):
        preview_correction(
            session=session, case_ref="C1", sequence=3, clock=clock, fields={"advice": "health"}
        )
