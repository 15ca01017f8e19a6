"""Voided events: the one definition of a case's effective history, and its corrections.

An event is never deleted or changed: voiding it adds an `EventVoid` row, and from then
on every reader of the event table leaves it out. `effective()` is that condition, in
SQL, for every query over `events` (the service, the import, the chasers, the scorecard);
nothing else writes it. Sequence numbers keep counting across voided events
(`last_sequences`), so a replacement never reuses the number of the event it replaces.

`refused_without` finds, for a history about to lose (or change) an event, every later
event that could then not happen: the service refuses such a void and names them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from workflow import bulk
from workflow.case_writes import END_OF_TIME, check_not_future, check_text
from workflow.errors import Conflict, InvalidEvent, InvalidInput, WorkflowError
from workflow.law.calendar import WorkingDays, govuk_date
from workflow.law.deadlines import Evaluation, Settings, evaluate
from workflow.law.events import Event, parse_event
from workflow.law.machine import quoted
from workflow.models import Case, EventVoid, StoredEvent

EVENTS: sa.Table = StoredEvent.__table__  # type: ignore[attr-defined]
VOIDS: sa.Table = EventVoid.__table__  # type: ignore[attr-defined]


def effective(events: sa.FromClause = EVENTS) -> ColumnElement[bool]:
    """True for an event that has not been voided: add it to every query over `events`.

    `events` is the events table or an alias of it. A NOT EXISTS on the unique
    `event_voids.event_id` index: one index probe per event.
    """
    return ~sa.exists().where(VOIDS.c.event_id == events.c.id)


def last_sequences(session: Session, case_ids: Iterable[int]) -> dict[int, int]:
    """The highest sequence of each case's events, voided ones included (0 if none)."""
    ids = list(case_ids)
    out = dict.fromkeys(ids, 0)
    for chunk in bulk.chunks(ids, 500):
        rows = session.execute(
            sa.select(EVENTS.c.case_id, sa.func.max(EVENTS.c.sequence))
            .where(EVENTS.c.case_id.in_(chunk))
            .group_by(EVENTS.c.case_id)
        )
        out.update({case_id: last for case_id, last in rows.all()})  # noqa: C416
    return out


@dataclass(frozen=True)
class Correction:
    """One void on a case: the event it took out, why, who, when, and its replacement."""

    sequence: int
    type: str
    date: date
    fields: dict[str, Any]
    reason: str
    voided_by: str
    voided_at: datetime
    replaced_by: int | None  # the corrected event's sequence; None for a plain void

    def to_json(self) -> dict[str, Any]:
        return {
            "sequence": self.sequence,
            "type": self.type,
            "date": self.date.isoformat(),
            "fields": self.fields,
            "reason": self.reason,
            "voided_by": self.voided_by,
            "voided_at": self.voided_at.isoformat(),
            "replaced_by": self.replaced_by,
        }


def corrections_of(session: Session, case_id: int) -> list[Correction]:
    """A case's voids and corrections, in the order they were made."""
    rows = session.execute(
        sa.select(EventVoid, StoredEvent)
        .join(StoredEvent, col(StoredEvent.id) == col(EventVoid.event_id))
        .where(col(EventVoid.case_id) == case_id)
        .order_by(col(EventVoid.id))
    )
    return [
        Correction(
            sequence=event.sequence,
            type=event.type,
            date=event.date,
            fields=dict(event.fields),
            reason=void.reason,
            voided_by=void.voided_by,
            voided_at=void.voided_at,
            replaced_by=void.replaced_by,
        )
        for void, event in rows
    ]


def refused_without(
    case_ref: str,
    history: Sequence[Event],
    *,
    replacement: Event | None,
    settings: Settings,
    working_days: WorkingDays | None,
) -> tuple[Evaluation | None, list[Event]]:
    """Replay `history`; while the law refuses an event, take it out and replay again.

    Returns the evaluation of the full history (None if anything was refused) and every
    event refused on the way, in processing order. A refused `replacement` (the
    corrected event itself) or an error not about one event raises as it is: that is
    the correction being wrong, not the history depending on what it changed.
    """
    remaining = list(history)
    refused: list[Event] = []
    while True:
        try:
            evaluation = evaluate(case_ref, remaining, END_OF_TIME, settings, working_days)
        except WorkflowError as err:
            event = err.event
            if not isinstance(event, Event) or event is replacement:
                raise
            if not any(e is event for e in remaining):
                raise
            refused.append(event)
            remaining = [e for e in remaining if e is not event]
            continue
        return (None if refused else evaluation), sorted(refused, key=lambda e: e.sort_key)


# -- checks a void or correction must pass, shared by the service and the preview --------

# The longest reason a void or correction may give.
MAX_REASON = 2000


def check_reason(reason: Any, case_ref: str, verb: str) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput(f"Enter the reason for {verb} the event", field="reason")
    checked = check_text(
        reason, label="Reason", field="reason", where=f"Case {case_ref}", lines=True
    ).strip()
    if len(checked) > MAX_REASON:
        raise InvalidInput(
            f"Case {case_ref}: the reason must be {MAX_REASON} characters or fewer",
            field="reason",
        )
    return checked


def event_to_void(session: Session, case: Case, sequence: int) -> StoredEvent:
    """The case's event with this sequence, refusing an unknown or already voided one."""
    found = session.exec(
        select(StoredEvent, EventVoid)
        .outerjoin(EventVoid, col(EventVoid.event_id) == col(StoredEvent.id))
        .where(StoredEvent.case_id == case.id, StoredEvent.sequence == sequence)
    ).first()
    if found is None:
        raise InvalidInput(f"Case {case.reference} has no event {sequence}", field="sequence")
    row, void = found
    if void is not None:
        replaced = f", replaced by event {void.replaced_by}" if void.replaced_by else ""
        raise Conflict(
            f"Case {case.reference}: event {sequence} "
            f"({quoted(row.type)} on {govuk_date(row.date)}) was already voided by "
            f"{void.voided_by} on {govuk_date(void.voided_at.date())}"
            f"{replaced}; it cannot be voided or corrected again"
        )
    return row


def corrected_event(
    original: Event, change: Mapping[str, Any], *, index: int, case_ref: str, today: date
) -> Event:
    """The corrected event: the original with `change` applied, checked as a new event."""
    where = f"Case {case_ref}: event {original.index}"
    if "type" in change:
        raise InvalidEvent(
            f"{where} ({original.type}): a correction cannot change the event's type; "
            "void the event and record the right one instead",
            field="type",
        )
    raw: dict[str, Any] = original.to_json()
    if original.note is not None:
        raw["note"] = original.note
    if original.actor is not None:
        raw["actor"] = original.actor
    for name, value in change.items():
        if value is None or value == "":
            raw.pop(name, None)
        elif isinstance(value, date):
            raw[name] = value.isoformat()
        else:
            raw[name] = value
    corrected = parse_event(raw, index=index, where=where)
    check_not_future(corrected, today=today, where=where)
    same = (
        corrected.date == original.date
        and dict(corrected.fields) == dict(original.fields)
        and corrected.note == original.note
        and corrected.actor == original.actor
    )
    if same:
        raise InvalidInput(
            f"{where} ({original.describe()}): the correction "
            "changes nothing; enter the date or a field that is wrong",
        )
    return corrected


def depended_on(
    case_ref: str, original: Event, refused: list[Event], *, voiding: bool
) -> WorkflowError:
    later = ", ".join(f"event {e.index} ({e.describe()})" for e in refused)
    what = "voided" if voiding else "corrected like this"
    error = InvalidEvent(
        f"Case {case_ref}: event {original.index} ({original.describe()}) cannot be {what}, "
        f"because these recorded events could then not happen: {later}. "
        "Void or correct those first"
    )
    error.event = original
    return error
