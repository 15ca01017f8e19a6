"""Factories for tests: raw events and recorded cases, keyword-only."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlmodel import Session

from tests.council import council_for_lines
from tests.wiring import projections
from workflow import service


def ev(event_type: str, on: str, **fields: Any) -> dict[str, Any]:
    return {"type": event_type, "date": on, **fields}


def record_all(
    *,
    session: Session,
    case_ref: str,
    events: list[dict[str, Any]],
    clock: Callable[[], datetime],
    actor: str = "tester",
) -> service.Recorded:
    result = None
    for event in events:
        result = service.record_event(
            projections=projections(),
            session=session,
            case_ref=case_ref,
            event=event,
            actor=actor,
            clock=clock,
        )
    assert result is not None
    return result


def import_all(
    *,
    session: Session,
    lines: Iterable[str],
    clock: Callable[[], datetime],
    actor: str = "loader",
) -> service.ImportSummary:
    """Import lines through the service, as `ehc import events` does (no letters), into
    a council that has the teams and officers the lines name (`tests.council`)."""
    lines = council_for_lines(session, clock, lines)
    return service.import_events(
        projections=projections(), session=session, lines=lines, actor=actor, clock=clock
    )


ASSESSMENT = [
    ev("request_received", "2024-01-08", source="school"),
    ev("decision_to_assess", "2024-02-12"),
    ev("advice_requested", "2024-02-13", advice="psychological"),
    ev("advice_received", "2024-03-20", advice="psychological"),
    ev("draft_plan_issued", "2024-04-22"),
    ev("final_plan_issued", "2024-05-20"),
]
