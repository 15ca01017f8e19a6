"""What recording an event would do, worked out without saving it (the web app's
"Check your answers" page).

It reads the case through `service.get_case` (the effective events only), replays the
history with the new event exactly as `service.record_event` does, and compares the two
evaluations (`workflow.law.changes.compare`). It writes nothing, takes no lock and
raises what the save would raise: `ConcurrentUpdate` for a stale version, the same
`WorkflowError` for an event the case or the law refuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from workflow import service
from workflow.case_writes import (
    END_OF_TIME,
    check_not_future,
    check_reference,
    replay,
    stored_to_event,
)
from workflow.clock import Clock, today_in_england
from workflow.errors import ConcurrentUpdate
from workflow.law.calendar import WorkingDays
from workflow.law.changes import Changes, compare
from workflow.law.deadlines import Evaluation, Settings
from workflow.law.events import Event, parse_event
from workflow.models import Case


@dataclass(frozen=True)
class Preview:
    case: Case
    event: Event  # as it would be stored
    before: Evaluation
    after: Evaluation
    changes: Changes


def preview_event(
    *,
    session: Session,
    case_ref: str,
    event: Mapping[str, Any] | Event,
    clock: Clock,
    expected_version: int | None = None,
    settings: Settings | None = None,
    working_days: WorkingDays | None = None,
) -> Preview:
    """What recording `event` on an existing case would change, saving nothing."""
    case_ref = check_reference(case_ref, new=False)
    settings = settings or Settings()
    parsed = event if isinstance(event, Event) else parse_event(event, where=f"Case {case_ref}")
    check_not_future(parsed, today=today_in_england(clock), where=f"Case {case_ref}")
    view = service.get_case(
        session=session,
        case_ref=case_ref,
        as_of=END_OF_TIME,  # as the save replays: every recorded event, whatever its date
        settings=settings,
        working_days=working_days,
    )
    if expected_version is not None and expected_version != view.case.version:
        raise ConcurrentUpdate(case_ref)
    history = [stored_to_event(row) for row in view.events]
    # Numbered after every effective event, so same-day events keep the save's order.
    sequence = max((row.sequence for row in view.events), default=0) + 1
    new = Event(
        type=parsed.type,
        date=parsed.date,
        fields=parsed.fields,
        note=parsed.note,
        actor=parsed.actor,
        index=sequence,
    )
    after = replay(
        case_ref, [*history, new], new=[new], settings=settings, working_days=working_days
    )
    return Preview(
        case=view.case,
        event=new,
        before=view.evaluation,
        after=after,
        changes=compare(view.evaluation, after),
    )
