"""Recording an event rewrites only the stored deadlines that changed, and leaves them
equal to the clock's, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from tests.workflow.factories import ASSESSMENT, ev, record_all
from workflow import service
from workflow.case_writes import END_OF_TIME, stored_to_event
from workflow.deadline_store import deadline_rows
from workflow.law.deadlines import Settings, evaluate
from workflow.models import StoredDeadline

Clock = Callable[[], datetime]
TABLE = StoredDeadline.__table__  # type: ignore[attr-defined]


def stored(session: Session, case_id: int) -> dict[int, tuple[int, dict[str, Any]]]:
    """position -> (row id, the row's columns but its id)."""
    rows = session.execute(
        sa.select(TABLE).where(TABLE.c.case_id == case_id).order_by(TABLE.c.position)
    ).mappings()
    out = {r["position"]: (r["id"], {k: v for k, v in r.items() if k != "id"}) for r in rows}
    session.commit()
    return out


def expected(session: Session, ref: str) -> dict[int, dict[str, Any]]:
    view = service.get_case(session=session, case_ref=ref, as_of=END_OF_TIME)
    assert view.case.id is not None
    events = [stored_to_event(row) for row in view.events]
    evaluation = evaluate(ref, events, END_OF_TIME, Settings())
    return {row["position"]: row for row in deadline_rows(view.case.id, evaluation)}


def test_each_event_leaves_the_clocks_deadlines_and_keeps_unchanged_rows(
    session: Session, clock: Clock
) -> None:
    steps = [
        *ASSESSMENT[:3],  # request, decision to assess, psychological advice asked 13 Feb
        ev("advice_requested", "2024-03-01", advice="health"),
        ev("exception_recorded", "2024-03-04", reason="missed_appointment",
           applies_to="advice", advice="health"),
        ev("advice_received", "2024-02-20", advice="psychological"),  # back-dated
        *ASSESSMENT[4:],  # draft and final plans
    ]  # fmt: skip
    case_id = None
    before: dict[int, tuple[int, dict[str, Any]]] = {}
    kept = 0
    for step in steps:
        recorded = record_all(session=session, case_ref="D1", events=[step], clock=clock)
        case_id = recorded.case.id
        assert case_id is not None
        now = stored(session, case_id)
        assert {p: row for p, (_id, row) in now.items()} == expected(session, "D1")
        for position, (row_id, row) in now.items():
            if position in before and before[position][1] == row:
                assert row_id == before[position][0]  # unchanged: not rewritten
                kept += 1
        before = now
    assert kept > 0
    assert case_id is not None and len(before) >= 5
