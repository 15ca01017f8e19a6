"""What recording, voiding or correcting an event would do, worked out without saving it
(the web app's "Check your answers" pages).

It reads the case through `service.get_case` (the effective events only), replays the
history with the new event exactly as `service.record_event` does (or without the voided
event, and with its correction, as `service.void_event` and `service.correct_event` do),
and compares the two evaluations (`workflow.law.changes.compare`). It writes nothing,
takes no lock and raises what the save would raise: `ConcurrentUpdate` for a stale version, the same
`WorkflowError` for an event the case or the law refuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
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
from workflow.corrections import (
    corrected_event,
    depended_on,
    event_to_void,
    last_sequences,
    refused_without,
)
from workflow.errors import ConcurrentUpdate
from workflow.law.calendar import WorkingDays
from workflow.law.changes import Changes, compare
from workflow.law.deadlines import Evaluation, Settings
from workflow.law.events import Event, parse_event
from workflow.models import Case, StoredEvent

# The save's own steps, so a preview refuses what the save refuses in the same words
# (private to the service, which this module mirrors; they write nothing).


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


# -- voiding and correcting ----------------------------------------------------------


@dataclass(frozen=True)
class CorrectionPreview:
    """What voiding an event, or correcting it, would change."""

    case: Case
    original: StoredEvent  # the event as recorded, which the change voids
    replacement: Event | None  # the corrected event as it would be stored; None: a void
    before: Evaluation
    after: Evaluation
    changes: Changes


def preview_void(
    *,
    session: Session,
    case_ref: str,
    sequence: int,
    expected_version: int | None = None,
    settings: Settings | None = None,
    working_days: WorkingDays | None = None,
) -> CorrectionPreview:
    """What `service.void_event` would change, saving nothing (and raising what it raises,
    the refusal naming every later event that depends on this one included)."""
    return _preview_change(
        session=session,
        case_ref=case_ref,
        sequence=sequence,
        change=None,
        today=None,
        expected_version=expected_version,
        settings=settings,
        working_days=working_days,
    )


def preview_correction(
    *,
    session: Session,
    case_ref: str,
    sequence: int,
    clock: Clock,
    date: date | str | None = None,
    fields: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    settings: Settings | None = None,
    working_days: WorkingDays | None = None,
) -> CorrectionPreview:
    """What `service.correct_event` with the same arguments would change, saving nothing."""
    change = {**(fields or {})}
    if date is not None:
        change["date"] = date
    return _preview_change(
        session=session,
        case_ref=case_ref,
        sequence=sequence,
        change=change,
        today=today_in_england(clock),
        expected_version=expected_version,
        settings=settings,
        working_days=working_days,
    )


def _preview_change(
    *,
    session: Session,
    case_ref: str,
    sequence: int,
    change: dict[str, Any] | None,
    today: date | None,
    expected_version: int | None,
    settings: Settings | None,
    working_days: WorkingDays | None,
) -> CorrectionPreview:
    """The save's steps (`service._void_or_correct`) up to its first write.

    The event to void, the corrected event and the refusal naming the dependent events
    come from the service's own helpers, so the preview refuses exactly what the save
    refuses, in the same words.
    """
    case_ref = check_reference(case_ref, new=False)
    settings = settings or Settings()
    view = service.get_case(
        session=session,
        case_ref=case_ref,
        as_of=END_OF_TIME,  # as the save replays: every effective event, whatever its date
        settings=settings,
        working_days=working_days,
    )
    if expected_version is not None and expected_version != view.case.version:
        raise ConcurrentUpdate(case_ref)
    case = view.case
    assert case.id is not None
    try:
        target = event_to_void(session, case, sequence)
        replacement = None
        if change is not None:
            assert today is not None
            index = last_sequences(session, [case.id])[case.id] + 1
            replacement = corrected_event(
                stored_to_event(target), change, index=index, case_ref=case_ref, today=today
            )
    finally:
        session.commit()  # end the read: the preview holds no transaction open
    history = [stored_to_event(row) for row in view.events if row.id != target.id]
    if replacement is not None:
        history.append(replacement)
    after, refused = refused_without(
        case_ref, history, replacement=replacement, settings=settings, working_days=working_days
    )
    if after is None:
        original = stored_to_event(target)
        raise depended_on(case_ref, original, refused, voiding=change is None)
    return CorrectionPreview(
        case=case,
        original=target,
        replacement=replacement,
        before=view.evaluation,
        after=after,
        changes=compare(view.evaluation, after),
    )
