"""The JSONL import (spec section 8): check every line, then replay and write the cases.

`parse_import_lines` reads the lines into an `ImportCase` per case reference, the first
bad line raising; `write_cases` replays each case's whole history with its new events
and writes cases, events, deadlines and people in bulk, a batch of cases at a time.
Both work inside the caller's transaction and never commit: `service.import_events`
owns the transaction, all or nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from workflow import bulk
from workflow import people as letter_people
from workflow.case_writes import (
    CASE_FIELDS,
    bump,
    case_field,
    check_not_future,
    check_reference,
    fields_json,
    replay,
    stored_to_event,
)
from workflow.clock import Clock
from workflow.corrections import effective, last_sequences
from workflow.deadline_store import deadline_rows
from workflow.errors import InvalidEvent, InvalidInput, WorkflowError
from workflow.law.calendar import WorkingDays
from workflow.law.deadlines import Evaluation, Settings
from workflow.law.events import Event, parse_event
from workflow.models import Case, StoredDeadline, StoredEvent
from workflow.projection import Projection

PEOPLE = "people"  # optional import key: the people on a case (workflow.people.FIELDS)
# Cases replayed and written together by an import (bounds its memory).
IMPORT_BATCH = 5000


@dataclass
class ImportCase:
    """One case's lines: its events with their line numbers, its case fields and people."""

    ref: str
    events: list[tuple[int, Event]] = field(default_factory=list)  # (line number, event)
    fields: dict[str, Any] = field(default_factory=dict)
    people: dict[str, Any] = field(default_factory=dict)


def parse_import_lines(lines: Iterable[str], *, today: date) -> dict[str, ImportCase]:
    """Check every line of a JSONL import; the first bad one raises, naming its line."""
    cases: dict[str, ImportCase] = {}
    for number, line in enumerate(lines, start=1):
        where = f"Line {number}"
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as e:
            raise InvalidEvent(f"{where}: not valid JSON ({e.msg})") from None
        if not isinstance(raw, dict):
            raise InvalidEvent(f"{where}: must be a JSON object")
        try:
            # The full syntax is checked when the case is new (`_import_batch`).
            ref = check_reference(raw.get("case"), new=False)
        except InvalidInput as e:
            raise InvalidInput(f"{where}: {e}", field=e.field) from None
        entry = cases.get(ref) or cases.setdefault(ref, ImportCase(ref))
        # Numbered as the case's next event: what a new case stores (see `_import_batch`).
        event = parse_event(
            raw,
            index=len(entry.events) + 1,
            where=where,
            extra_fields=("case", *CASE_FIELDS, PEOPLE),
        )
        check_not_future(event, today=today, where=where)
        entry.events.append((number, event))
        for name in CASE_FIELDS:
            if name in raw:  # the last value seen wins
                entry.fields[name] = case_field(name, raw[name], where=where)
        if PEOPLE in raw:
            _parse_people(entry, raw[PEOPLE], today, f"{where} (case {ref})")
    return cases


def _parse_people(entry: ImportCase, details: Any, today: date, where: str) -> None:
    """The optional `people` object of an import line; later lines win field by field."""
    if not isinstance(details, dict):
        raise InvalidInput(f"{where}: people must be a JSON object of the case's details")
    parsed = letter_people.parse_details(details, today, where)
    if "date_of_birth" in parsed:  # it lives on the case row
        entry.fields["date_of_birth"] = parsed.pop("date_of_birth")
    entry.people.update(parsed)


def write_cases(
    *,
    session: Session,
    cases: list[ImportCase],
    actor: str,
    clock: Clock,
    settings: Settings,
    working_days: WorkingDays | None,
    projections: Sequence[Projection],
    project_events: bool,
) -> int:
    """Replay and write the parsed cases; returns how many it opened. Nothing is committed.

    Cases go in batches, all in the caller's transaction: memory stays bounded on a
    national import while a bad line anywhere still imports nothing. A refused event
    raises a `WorkflowError` naming its line. With `project_events` the projections see
    the new events (they make their letters).
    """
    created = 0
    for batch in bulk.chunks(cases, IMPORT_BATCH):
        created += _import_batch(
            session, batch, actor, clock, settings, working_days, projections, project_events
        )
    session.flush()
    return created


_Plan = tuple[ImportCase, Case | None, list[Event], Evaluation]


def _import_batch(
    session: Session,
    batch: list[ImportCase],
    actor: str,
    clock: Clock,
    settings: Settings,
    working_days: WorkingDays | None,
    projections: Sequence[Projection],
    project_events: bool,
) -> int:
    """Replay and write one batch of imported cases; returns how many it opened."""
    now = clock()
    existing = _lock_cases(session, [entry.ref for entry in batch])
    existing_ids = [c.id for c in existing.values() if c.id is not None]
    stored_by_case = _stored_events_by_case(session, existing_ids)
    last = last_sequences(session, existing_ids)  # voided events keep their numbers
    plans: list[_Plan] = []
    for entry in batch:
        case = existing.get(entry.ref)
        if case is None:  # opened by the import: the full reference syntax
            try:
                check_reference(entry.ref)
            except InvalidInput as e:
                raise InvalidInput(f"Line {entry.events[0][0]}: {e}", field=e.field) from None
        stored = stored_by_case.get(case.id, []) if case and case.id is not None else []
        next_sequence = (last[case.id] if case and case.id is not None else 0) + 1
        new_events = [e for _line, e in entry.events]
        if next_sequence != 1:  # after the stored events, in order
            new_events = [
                Event(e.type, e.date, e.fields, e.note, e.actor, index=next_sequence + i)
                for i, e in enumerate(new_events)
            ]
        history = [stored_to_event(row) for row in stored] + new_events
        try:
            evaluation = replay(
                entry.ref, history, new=new_events, settings=settings, working_days=working_days
            )
        except WorkflowError as err:
            raise _name_line(err, entry, new_events) from None
        plans.append((entry, case, new_events, evaluation))

    # New cases go in with their replayed state, at version 1 (one change: the import).
    new_cases: list[dict[str, Any]] = [
        {
            "reference": entry.ref,
            "state": evaluation.state,
            "version": 1,
            "created_at": now,
            "updated_at": now,
            **{name: entry.fields.get(name) for name in CASE_FIELDS},
        }
        for entry, case, _events, evaluation in plans
        if case is None
    ]
    bulk.insert_rows(session, Case.__table__, new_cases)  # type: ignore[attr-defined]
    ids = _case_ids(session, [row["reference"] for row in new_cases])
    for entry, case, _events, evaluation in plans:
        if case is not None:
            assert case.id is not None
            ids[entry.ref] = case.id
            bump(
                session,
                case,
                seen_version=case.version,
                now=now,
                state=evaluation.state,
                **entry.fields,
            )

    event_rows: list[dict[str, Any]] = []
    deadline_rows_all: list[dict[str, Any]] = []
    for entry, _case, new_events, evaluation in plans:
        case_id = ids[entry.ref]
        event_rows.extend(
            {
                "case_id": case_id,
                "sequence": e.index,
                "type": e.type.value,
                "date": e.date,
                "fields": fields_json(e),
                "note": e.note,
                "actor": e.actor,
                "recorded_at": now,
                "recorded_by": actor,
            }
            for e in new_events
        )
        deadline_rows_all.extend(deadline_rows(case_id, evaluation))
    bulk.insert_rows(session, StoredEvent.__table__, event_rows)  # type: ignore[attr-defined]
    touched = [ids[entry.ref] for entry, case, *_ in plans if case is not None]
    for chunk in bulk.chunks(touched, 500):
        session.execute(sa.delete(StoredDeadline).where(col(StoredDeadline.case_id).in_(chunk)))
    bulk.insert_rows(session, StoredDeadline.__table__, deadline_rows_all)  # type: ignore[attr-defined]
    _import_people(session, plans, ids, now, actor, clock, projections)
    if project_events:
        _project_imported(session, plans, ids, settings, clock, actor, projections)
    return len(new_cases)


def _import_people(
    session: Session,
    plans: list[_Plan],
    ids: dict[str, int],
    now: datetime,
    actor: str,
    clock: Clock,
    projections: Sequence[Projection],
) -> None:
    """People of new cases in one insert; existing cases are updated as `update_case` does."""
    fresh = {ids[entry.ref]: entry.people for entry, case, *_ in plans if case is None}
    letter_people.insert_people(session, {k: v for k, v in fresh.items() if v}, now, actor)
    for entry, case, *_ in plans:
        if case is not None and entry.people:
            letter_people.write_people(session, ids[entry.ref], entry.people, now, actor)
            session.flush()
            for projection in projections:
                projection.details_changed(session=session, case=case, clock=clock)


def _project_imported(
    session: Session,
    plans: list[_Plan],
    ids: dict[str, int],
    settings: Settings,
    clock: Clock,
    actor: str,
    projections: Sequence[Projection],
) -> None:
    for entry, _case, new_events, evaluation in plans:
        case = session.get(Case, ids[entry.ref])
        assert case is not None
        first = new_events[0].index
        rows = {
            r.sequence: r
            for r in session.exec(
                select(StoredEvent).where(
                    StoredEvent.case_id == case.id, col(StoredEvent.sequence) >= first
                )
            )
        }
        for projection in projections:
            projection.events_recorded(
                session=session,
                case=case,
                recorded=[(rows[e.index], e) for e in new_events],
                evaluation=evaluation,
                settings=settings,
                clock=clock,
                actor=actor,
            )


def _name_line(err: WorkflowError, entry: ImportCase, new_events: list[Event]) -> WorkflowError:
    refused = err.event
    line = None
    for (number, _original), event in zip(entry.events, new_events, strict=True):
        if event is refused:
            line = number
    if line is None:  # a stored event was refused: blame the case's first new line
        line = entry.events[0][0]
    err.args = (f"Line {line}: {err}",)
    return err


def _lock_cases(session: Session, refs: list[str]) -> dict[str, Case]:
    found: dict[str, Case] = {}
    for chunk in bulk.chunks(refs, 500):
        statement = select(Case).where(col(Case.reference).in_(chunk)).with_for_update()
        found.update({c.reference: c for c in session.exec(statement)})
    return found


def _stored_events_by_case(session: Session, ids: list[int]) -> dict[int, list[StoredEvent]]:
    """The effective (not voided) events of these cases, in recording order."""
    out: dict[int, list[StoredEvent]] = {}
    for chunk in bulk.chunks(ids, 500):
        statement = (
            select(StoredEvent)
            .where(col(StoredEvent.case_id).in_(chunk), effective())
            .order_by(col(StoredEvent.case_id), col(StoredEvent.sequence))
        )
        for row in session.exec(statement):
            out.setdefault(row.case_id, []).append(row)
    return out


def _case_ids(session: Session, refs: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for chunk in bulk.chunks(refs, 500):
        rows = session.execute(
            sa.select(col(Case.reference), col(Case.id)).where(col(Case.reference).in_(chunk))
        )
        ids.update({ref: case_id for ref, case_id in rows.all()})  # noqa: C416
    return ids
