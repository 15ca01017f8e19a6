"""The only writer: every change to a case goes through these functions.

Each public function takes keyword-only arguments, owns its transaction and
commits once: it locks the case, checks its version, replays the whole
history with the new events through the state machine and the clock, appends
the events, rewrites the case's state and deadlines, and commits. Web, CLI,
import and scheduler all call these; none of them writes rows itself.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select

from workflow import bulk
from workflow import people as letter_people
from workflow.clock import Clock, today_in_england
from workflow.errors import (
    CaseNotFound,
    ConcurrentUpdate,
    InvalidEvent,
    InvalidInput,
    WorkflowError,
)
from workflow.law.calendar import WorkingDays
from workflow.law.deadlines import Evaluation, Settings, evaluate
from workflow.law.events import Event, parse_event
from workflow.models import Case, CasePeople, StoredDeadline, StoredEvent
from workflow.projection import Projection

CASE_FIELDS = ("team", "officer", "date_of_birth")
PEOPLE = "people"  # optional import key: the people on a case (workflow.people.FIELDS)
MAX_REFERENCE = 64
_WHITESPACE = re.compile(r"\s")
# Replaying the whole recorded history: nothing recorded is later than this.
END_OF_TIME = date(9999, 12, 31)
# Cases replayed and written together by an import (bounds its memory).
IMPORT_BATCH = 5000


@dataclass(frozen=True)
class Recorded:
    case: Case
    event: StoredEvent
    evaluation: Evaluation


@dataclass(frozen=True)
class ImportSummary:
    events: int
    cases_created: int
    cases_updated: int


@dataclass
class CaseView:
    case: Case
    events: list[StoredEvent]
    evaluation: Evaluation
    warnings: list[str] = field(default_factory=list)


# -- reading and checking ------------------------------------------------------


def check_reference(case_ref: Any) -> str:
    if not isinstance(case_ref, str) or not case_ref.strip():
        raise InvalidInput("Enter the case reference")
    ref = case_ref.strip()
    if len(ref) > MAX_REFERENCE or _WHITESPACE.search(ref):
        raise InvalidInput(
            f"Case reference '{ref[:80]}' must be at most {MAX_REFERENCE} characters, no spaces"
        )
    return ref


def _check_not_future(event: Event, today: date, where: str) -> None:
    if event.date > today:
        raise InvalidEvent(
            f"{where} ({event.type}): the date {event.date.isoformat()} is in the future; "
            "enter a date that is today or in the past"
        )


def _case_field(name: str, value: Any, where: str) -> Any:
    if value is None or value == "":
        return None
    if name == "date_of_birth":
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise InvalidInput(
                f"{where}: date_of_birth '{value}' is not a real date in the form YYYY-MM-DD"
            ) from None
    if not isinstance(value, str) or len(value) > 100:
        raise InvalidInput(f"{where}: {name} must be text of at most 100 characters")
    return value.strip()


def _stored_to_event(row: StoredEvent) -> Event:
    raw = {"type": row.type, "date": row.date.isoformat(), **row.fields}
    if row.note is not None:
        raw["note"] = row.note
    if row.actor is not None:
        raw["actor"] = row.actor
    return parse_event(raw, index=row.sequence, where=f"Stored event {row.sequence}")


def _fields_json(event: Event) -> dict[str, Any]:
    """The event's own fields as stored (dates as YYYY-MM-DD), as `Event.to_json` writes them."""
    return {
        name: value.isoformat() if isinstance(value, date) else value
        for name, value in event.fields.items()
    }


def _lock_case(session: Session, case_ref: str) -> Case | None:
    """Read the case, holding its row lock on PostgreSQL until commit.

    On SQLite the whole database is locked from BEGIN IMMEDIATE (see `db`).
    """
    return session.exec(select(Case).where(Case.reference == case_ref).with_for_update()).first()


def _case_for_change(
    session: Session, case_ref: str, expected_version: int | None, now: datetime
) -> tuple[Case, int]:
    """Lock the case (opening a new one if the reference is new); return it and its version.

    Raises `ConcurrentUpdate` when the caller read an older version than the stored one.
    """
    case = _lock_case(session, case_ref)
    if case is None:
        if expected_version not in (None, 0):
            raise CaseNotFound(case_ref)
        case = Case(reference=case_ref, state="new", version=0, created_at=now, updated_at=now)
        session.add(case)
        session.flush()
    if expected_version is not None and expected_version != case.version:
        raise ConcurrentUpdate(case_ref)
    return case, case.version


# Built once: every case page and every write asks them, and building a select
# costs about as much as running it.
_CASE_BY_REFERENCE = select(Case).where(col(Case.reference) == sa.bindparam("reference"))
_EVENTS_OF_CASE = (
    select(StoredEvent)
    .where(col(StoredEvent.case_id) == sa.bindparam("case_id"))
    .order_by(col(StoredEvent.sequence))
)


def _events_of(session: Session, case_id: int) -> list[StoredEvent]:
    return list(session.exec(_EVENTS_OF_CASE, params={"case_id": case_id}))


def _replay(
    case_ref: str,
    events: list[Event],
    new: Iterable[Event],
    settings: Settings,
    working_days: WorkingDays | None,
) -> Evaluation:
    """Replay the whole history; name the new event when it, or what it broke, is refused."""
    new_ids = {id(e) for e in new}
    try:
        return evaluate(case_ref, events, END_OF_TIME, settings, working_days)
    except WorkflowError as err:
        refused = err.event
        if refused is not None and id(refused) not in new_ids and isinstance(refused, Event):
            raise _history_broken(case_ref, refused, err) from None
        raise


def _history_broken(case_ref: str, refused: Event, err: WorkflowError) -> WorkflowError:
    broken = InvalidEvent(
        f"Case {case_ref}: the new event would make its history invalid, because the "
        f"recorded {refused.describe()} could then not happen: {err}"
    )
    broken.event = refused
    return broken


def _write_deadlines(session: Session, case_id: int, evaluation: Evaluation) -> None:
    """Make the case's stored deadlines those of `evaluation`, writing only what changed.

    A new event usually adds a deadline or meets one; rewriting every row of the case
    cost more than the rest of recording it (deadline ids are not kept: migration 0003).
    """
    table = StoredDeadline.__table__  # type: ignore[attr-defined]
    rows = deadline_rows(case_id, evaluation)
    names = [c.name for c in table.c if c.name not in ("id", "case_id")]
    stored = session.execute(
        sa.select(table.c.id, *(table.c[name] for name in names)).where(table.c.case_id == case_id)
    ).all()
    by_position = {row.position: row for row in stored}
    if len(by_position) != len(stored):  # not one row per position: rewrite them all
        session.execute(sa.delete(table).where(table.c.case_id == case_id))
        bulk.insert_rows(session, table, rows)
        return
    changed: list[dict[str, Any]] = []
    added: list[dict[str, Any]] = []
    for row in rows:
        old = by_position.pop(row["position"], None)
        if old is None:
            added.append(row)
        elif any(getattr(old, name) != row[name] for name in names):
            changed.append({"_id": old.id, **row})
    if by_position:
        gone = [row.id for row in by_position.values()]
        session.execute(sa.delete(table).where(table.c.id.in_(gone)))
    if changed:
        # One executemany; the SET clause comes from the rows' keys.
        session.execute(sa.update(table).where(table.c.id == sa.bindparam("_id")), changed)
    bulk.insert_rows(session, table, added)


def deadline_rows(case_id: int, evaluation: Evaluation) -> list[dict[str, Any]]:
    return [
        {
            "case_id": case_id,
            "position": d.position,
            "kind": d.kind,
            "advice": d.advice,
            "ref": d.ref,
            "regulation": d.regulation,
            "party": d.party,
            "created_on": d.created_on,
            "starts": d.starts,
            "due": d.due,
            "met_on": d.met_on,
            "cancelled_on": d.cancelled_on,
            "can_lapse": d.can_lapse,
            "exception": d.exception,
            "exception_on": d.exception_on,
        }
        for d in evaluation.deadlines
    ]


def _bump(session: Session, case: Case, seen_version: int, now: datetime, **values: Any) -> None:
    """Move the case to its next version, refusing if someone else got there first."""
    result = session.execute(
        sa.update(Case)
        .where(col(Case.id) == case.id, col(Case.version) == seen_version)
        .values(version=seen_version + 1, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ConcurrentUpdate(case.reference)
    case.version = seen_version + 1
    case.updated_at = now
    for name, value in values.items():
        setattr(case, name, value)


def _commit(session: Session, case_ref: str) -> None:
    try:
        session.commit()
    except (IntegrityError, OperationalError) as e:
        session.rollback()
        raise ConcurrentUpdate(case_ref) from e


# -- writing -------------------------------------------------------------------


def record_event(
    *,
    session: Session,
    case_ref: str,
    event: Mapping[str, Any] | Event,
    actor: str,
    clock: Clock,
    projections: Sequence[Projection],
    expected_version: int | None = None,
    settings: Settings | None = None,
    working_days: WorkingDays | None = None,
    case_fields: Mapping[str, Any] | None = None,
) -> Recorded:
    """Record one event on a case (opening the case with its first event).

    `expected_version` is the version the caller read: if the case has moved
    on since, nothing is saved and `ConcurrentUpdate` is raised. `projections`
    (its letters: `bootstrap.projections()`) run in the same transaction.
    """
    case_ref = check_reference(case_ref)
    settings = settings or Settings()
    now = clock()
    parsed = event if isinstance(event, Event) else parse_event(event, where=f"Case {case_ref}")
    _check_not_future(parsed, today_in_england(clock), f"Case {case_ref}")
    extra = {
        name: _case_field(name, value, f"Case {case_ref}")
        for name, value in (case_fields or {}).items()
        if name in CASE_FIELDS
    }
    try:
        case, seen = _case_for_change(session, case_ref, expected_version, now)
        assert case.id is not None
        stored = _events_of(session, case.id)
        sequence = (stored[-1].sequence if stored else 0) + 1
        new = Event(
            type=parsed.type,
            date=parsed.date,
            fields=parsed.fields,
            note=parsed.note,
            actor=parsed.actor,
            index=sequence,
        )
        history = [_stored_to_event(row) for row in stored] + [new]
        evaluation = _replay(case_ref, history, [new], settings, working_days)
        row = StoredEvent(
            case_id=case.id,
            sequence=sequence,
            type=new.type.value,
            date=new.date,
            fields=_fields_json(new),
            note=new.note,
            actor=new.actor,
            recorded_at=now,
            recorded_by=actor,
        )
        session.add(row)
        _bump(session, case, seen, now, state=evaluation.state, **extra)
        _write_deadlines(session, case.id, evaluation)
        session.flush()
        # What the event derives above (its letters), in its transaction.
        for projection in projections:
            projection.events_recorded(
                session=session,
                case=case,
                recorded=[(row, new)],
                evaluation=evaluation,
                settings=settings,
                clock=clock,
                actor=actor,
            )
    except WorkflowError:
        session.rollback()
        raise
    except IntegrityError as e:  # another session opened the same case at the same moment
        session.rollback()
        raise ConcurrentUpdate(case_ref) from e
    _commit(session, case_ref)
    return Recorded(case=case, event=row, evaluation=evaluation)


@dataclass
class _ImportCase:
    ref: str
    events: list[tuple[int, Event]] = field(default_factory=list)  # (line number, event)
    fields: dict[str, Any] = field(default_factory=dict)
    people: dict[str, Any] = field(default_factory=dict)


def parse_import_lines(lines: Iterable[str], today: date) -> dict[str, _ImportCase]:
    """Check every line of a JSONL import; the first bad one raises, naming its line."""
    cases: dict[str, _ImportCase] = {}
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
            ref = check_reference(raw.get("case"))
        except InvalidInput as e:
            raise InvalidInput(f"{where}: {e}") from None
        entry = cases.get(ref) or cases.setdefault(ref, _ImportCase(ref))
        # Numbered as the case's next event: what a new case stores (see `_import_batch`).
        event = parse_event(
            raw,
            index=len(entry.events) + 1,
            where=where,
            extra_fields=("case", *CASE_FIELDS, PEOPLE),
        )
        _check_not_future(event, today, where)
        entry.events.append((number, event))
        for name in CASE_FIELDS:
            if name in raw:  # the last value seen wins
                entry.fields[name] = _case_field(name, raw[name], where)
        if PEOPLE in raw:
            _parse_people(entry, raw[PEOPLE], today, f"{where} (case {ref})")
    return cases


def _parse_people(entry: _ImportCase, details: Any, today: date, where: str) -> None:
    """The optional `people` object of an import line; later lines win field by field."""
    if not isinstance(details, dict):
        raise InvalidInput(f"{where}: people must be a JSON object of the case's details")
    parsed = letter_people.parse_details(details, today, where)
    if "date_of_birth" in parsed:  # it lives on the case row
        entry.fields["date_of_birth"] = parsed.pop("date_of_birth")
    entry.people.update(parsed)


def import_events(
    *,
    session: Session,
    lines: Iterable[str],
    actor: str,
    clock: Clock,
    projections: Sequence[Projection],
    settings: Settings | None = None,
    working_days: WorkingDays | None = None,
    project_events: bool = False,
) -> ImportSummary:
    """Import a JSONL file of events, all or nothing (spec section 8).

    With `project_events`, the projections see the imported events too (they make
    their letters); by default an import of past events makes none. People imported
    onto existing cases are always passed on (waiting letters are completed).

    A bad line (unknown type, invalid date, missing field, or an event the
    state machine refuses given the case's whole history) imports nothing and
    raises a `WorkflowError` naming the line.
    """
    settings = settings or Settings()
    incoming = parse_import_lines(lines, today_in_england(clock))
    if not incoming:
        return ImportSummary(0, 0, 0)
    created = 0
    try:
        # Cases in batches, all in one transaction: memory stays bounded on a national
        # import while a bad line anywhere still imports nothing.
        for batch in _chunks(list(incoming.values()), IMPORT_BATCH):
            created += _import_batch(
                session, batch, actor, clock, settings, working_days, projections, project_events
            )
        session.flush()
    except WorkflowError:
        session.rollback()
        raise
    except IntegrityError as e:
        session.rollback()
        raise ConcurrentUpdate(", ".join(sorted(incoming))[:200]) from e
    _commit(session, "in the import")
    return ImportSummary(
        events=sum(len(e.events) for e in incoming.values()),
        cases_created=created,
        cases_updated=len(incoming) - created,
    )


_Plan = tuple[_ImportCase, Case | None, list[Event], Evaluation]


def _import_batch(
    session: Session,
    batch: list[_ImportCase],
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
    stored_by_case = _stored_events_by_case(session, [c.id for c in existing.values()])
    plans: list[_Plan] = []
    for entry in batch:
        case = existing.get(entry.ref)
        stored = stored_by_case.get(case.id, []) if case and case.id is not None else []
        next_sequence = (stored[-1].sequence if stored else 0) + 1
        new_events = [e for _line, e in entry.events]
        if next_sequence != 1:  # after the stored events, in order
            new_events = [
                Event(e.type, e.date, e.fields, e.note, e.actor, index=next_sequence + i)
                for i, e in enumerate(new_events)
            ]
        history = [_stored_to_event(row) for row in stored] + new_events
        try:
            evaluation = _replay(entry.ref, history, new_events, settings, working_days)
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
            _bump(session, case, case.version, now, state=evaluation.state, **entry.fields)

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
                "fields": _fields_json(e),
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
    for chunk in _chunks(touched, 500):
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


def _name_line(err: WorkflowError, entry: _ImportCase, new_events: list[Event]) -> WorkflowError:
    refused = err.event
    line = None
    for (number, _original), event in zip(entry.events, new_events, strict=True):
        if event is refused:
            line = number
    if line is None:  # a stored event was refused: blame the case's first new line
        line = entry.events[0][0]
    err.args = (f"Line {line}: {err}",)
    return err


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _lock_cases(session: Session, refs: list[str]) -> dict[str, Case]:
    found: dict[str, Case] = {}
    for chunk in _chunks(refs, 500):
        statement = select(Case).where(col(Case.reference).in_(chunk)).with_for_update()
        found.update({c.reference: c for c in session.exec(statement)})
    return found


def _stored_events_by_case(
    session: Session, case_ids: list[int | None]
) -> dict[int, list[StoredEvent]]:
    out: dict[int, list[StoredEvent]] = {}
    ids = [i for i in case_ids if i is not None]
    for chunk in _chunks(ids, 500):
        statement = (
            select(StoredEvent)
            .where(col(StoredEvent.case_id).in_(chunk))
            .order_by(col(StoredEvent.case_id), col(StoredEvent.sequence))
        )
        for row in session.exec(statement):
            out.setdefault(row.case_id, []).append(row)
    return out


def _case_ids(session: Session, refs: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for chunk in _chunks(refs, 500):
        rows = session.execute(
            sa.select(col(Case.reference), col(Case.id)).where(col(Case.reference).in_(chunk))
        )
        ids.update({ref: case_id for ref, case_id in rows.all()})  # noqa: C416
    return ids


# Cases read, replayed and rewritten at a time by `refresh_all_deadlines`.
REFRESH_CASES_PER_PASS = 2_000


def refresh_all_deadlines(
    *,
    session: Session,
    clock: Clock,
    settings: Settings | None = None,
    working_days: WorkingDays | None = None,
) -> int:
    """Recompute every case's stored deadlines (after a settings change). Returns the count.

    One transaction: every case is locked first, then read, replayed and rewritten
    a few thousand at a time, so memory does not grow with the number of cases.
    Events are read as plain rows, not ORM objects (faster, and nothing is kept in the
    session's identity map); docs/performance.md has the before and after.
    """
    settings = settings or Settings()
    cases = list(
        session.execute(
            sa.select(col(Case.id), col(Case.reference)).order_by(col(Case.id)).with_for_update()
        )
    )
    session.execute(sa.delete(StoredDeadline))
    for chunk in _chunks(cases, REFRESH_CASES_PER_PASS):
        histories: dict[int, list[Event]] = {case_id: [] for case_id, _ref in chunk}
        # The chunk is a run of consecutive ids, so one range reads all its events.
        statement = (
            sa.select(
                col(StoredEvent.case_id),
                col(StoredEvent.sequence),
                col(StoredEvent.type),
                col(StoredEvent.date),
                col(StoredEvent.fields),
                col(StoredEvent.note),
                col(StoredEvent.actor),
            )
            .where(col(StoredEvent.case_id).between(chunk[0][0], chunk[-1][0]))
            .order_by(col(StoredEvent.case_id), col(StoredEvent.sequence))
        )
        for row in session.execute(statement):
            # A row has the fields `_stored_to_event` reads from a StoredEvent.
            histories[row.case_id].append(_stored_to_event(row))  # type: ignore[arg-type]
        rows: list[dict[str, Any]] = []
        for case_id, ref in chunk:
            evaluation = evaluate(ref, histories[case_id], END_OF_TIME, settings, working_days)
            rows.extend(deadline_rows(case_id, evaluation))
        if rows:
            session.execute(sa.insert(StoredDeadline), rows)
    _commit(session, "all cases")
    return len(cases)


def update_case(
    *,
    session: Session,
    case_ref: str,
    details: Mapping[str, Any],
    actor: str,
    clock: Clock,
    projections: Sequence[Projection],
    expected_version: int | None = None,
) -> Case:
    """Set the people on a case (names, addresses, date of birth, preferences).

    A new reference opens the case, before its first event, so details can
    come first. The projections see the change in the same transaction (letters
    waiting for these details are rendered now).
    """
    case_ref = check_reference(case_ref)
    now = clock()
    parsed = letter_people.parse_details(details, today_in_england(clock), f"Case {case_ref}")
    try:
        case, seen = _case_for_change(session, case_ref, expected_version, now)
        assert case.id is not None
        on_case = {"date_of_birth": parsed["date_of_birth"]} if "date_of_birth" in parsed else {}
        _bump(session, case, seen, now, **on_case)
        letter_people.write_people(session, case.id, parsed, now, actor)
        session.flush()
        for projection in projections:
            projection.details_changed(session=session, case=case, clock=clock)
    except WorkflowError:
        session.rollback()
        raise
    except IntegrityError as e:  # another session opened the same case at the same moment
        session.rollback()
        raise ConcurrentUpdate(case_ref) from e
    _commit(session, case_ref)
    return case


# -- reading ---------------------------------------------------------------------


def _end_read(session: Session) -> None:
    """End a read-only transaction, keeping loaded rows usable (no expiry on commit)."""
    session.commit()


def get_case(
    *,
    session: Session,
    case_ref: str,
    as_of: date,
    settings: Settings | None = None,
    working_days: WorkingDays | None = None,
) -> CaseView:
    """A case with its events in processing order and its deadlines as of a day."""
    reference = check_reference(case_ref)
    case = session.exec(_CASE_BY_REFERENCE, params={"reference": reference}).first()
    if case is None:
        raise CaseNotFound(case_ref)
    assert case.id is not None
    stored = _events_of(session, case.id)
    events = [_stored_to_event(r) for r in stored]
    evaluation = evaluate(case.reference, events, as_of, settings or Settings(), working_days)
    by_sequence = {r.sequence: r for r in stored}
    ordered = [by_sequence[e.index] for e in sorted(events, key=lambda e: e.sort_key)]
    _end_read(session)
    return CaseView(case=case, events=ordered, evaluation=evaluation, warnings=evaluation.warnings)


def export_events(*, session: Session) -> Iterator[dict[str, Any]]:
    """Every case's events as import lines (spec section 8), in recording order.

    Case fields (team, officer, date_of_birth) and the people ride on each case's first line.
    """
    cases = {c.id: c for c in session.exec(select(Case).order_by(col(Case.reference)))}
    people = {
        row.case_id: {
            name: getattr(row, name)
            for name in letter_people.FIELDS
            if name != "date_of_birth" and getattr(row, name) is not None
        }
        for row in session.exec(select(CasePeople))
    }
    order = {case_id: i for i, case_id in enumerate(cases)}
    rows = sorted(
        session.exec(select(StoredEvent)),
        key=lambda r: (order[r.case_id], r.sequence),
    )
    seen: set[int] = set()
    for row in rows:
        case = cases[row.case_id]
        line: dict[str, Any] = {
            "case": case.reference,
            "type": row.type,
            "date": row.date.isoformat(),
        }
        line.update(row.fields)
        if row.note is not None:
            line["note"] = row.note
        if row.actor is not None:
            line["actor"] = row.actor
        if row.case_id not in seen:
            seen.add(row.case_id)
            for name in CASE_FIELDS:
                value = getattr(case, name)
                if value is not None:
                    line[name] = value.isoformat() if isinstance(value, date) else value
            if people.get(row.case_id):
                line[PEOPLE] = people[row.case_id]
        yield line
    _end_read(session)


def cases_by_state(*, session: Session) -> Counter[str]:
    rows = session.execute(sa.select(col(Case.state), sa.func.count()).group_by(col(Case.state)))
    counts = Counter({state: n for state, n in rows.all()})  # noqa: C416
    _end_read(session)
    return counts
