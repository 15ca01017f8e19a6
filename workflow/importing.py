"""The JSONL import (spec section 8): check every line, then replay and write the cases.

`parse_import_lines` reads the lines into an `ImportCase` per case reference, the first
bad line raising; `write_cases` replays each case's whole history with its new events
and writes cases, events, deadlines and people in bulk, a batch of cases at a time.
Both work inside the caller's transaction and never commit: `service.import_events`
owns the transaction, all or nothing.

A file written by `ehc export events --with-corrections` also carries each event's
`sequence` and, on a voided event, its void (`voided`: reason, by, at, replaced_by);
such cases open new, with the same numbers, voids and effective history
(docs/import-export.md). Plain files take none of these paths' extra queries.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from workflow import accounts, bulk, teams
from workflow import people as letter_people
from workflow.case_writes import (
    CASE_FIELDS,
    bump,
    case_field,
    check_not_future,
    check_reference,
    check_text,
    fields_json,
    replay,
    stored_to_event,
)
from workflow.clock import Clock
from workflow.corrections import MAX_REASON, effective, last_sequences
from workflow.deadline_store import deadline_rows
from workflow.errors import ConcurrentUpdate, InvalidEvent, InvalidInput, WorkflowError
from workflow.law.calendar import WorkingDays
from workflow.law.deadlines import Evaluation, Settings
from workflow.law.events import Event, parse_event
from workflow.models import Case, EventVoid, StoredDeadline, StoredEvent
from workflow.projection import Projection
from workflow.timeliness import FACTS, F, Span, case_spans, fact_rows, moments

PEOPLE = "people"  # optional import key: the people on a case (workflow.people.FIELDS)
# Keys of a file with corrections: the event's number in its case, and its void.
SEQUENCE = "sequence"
VOIDED = "voided"
VOID_KEYS = frozenset({"reason", "by", "at", "replaced_by"})
# The keys of a line that are not the event's own.
_LINE_KEYS = ("case", *CASE_FIELDS, PEOPLE, SEQUENCE, VOIDED)

MAX_NAME = 100  # the `event_voids.voided_by` column
# Cases replayed and written together by an import (bounds its memory).
IMPORT_BATCH = 5000
# Cases replayed, then handed to the writer together, within a batch.
WRITE_RUN = 500


@dataclass(frozen=True)
class ImportVoid:
    """A void read from a file with corrections, on the line of the event it voids."""

    line: int
    reason: str
    by: str
    at: datetime
    replaced_by: int | None


@dataclass
class ImportCase:
    """One case's lines: its events with their line numbers, its case fields and people.

    From a file with corrections (`numbered`), `voids` holds each voided event's void by
    the event's sequence; the case's effective history is its events without those.
    """

    ref: str
    events: list[tuple[int, Event]] = field(default_factory=list)  # (line number, event)
    fields: dict[str, Any] = field(default_factory=dict)
    people: dict[str, Any] = field(default_factory=dict)
    numbered: bool = False  # its lines carry their `sequence`
    voids: dict[int, ImportVoid] = field(default_factory=dict)
    field_lines: dict[str, int] = field(default_factory=dict)  # where each case field was set

    def effective(self, events: list[Event]) -> list[Event]:
        """`events` (this case's, in line order) without the voided ones."""
        if not self.voids:
            return events
        return [e for e in events if e.index not in self.voids]


def parse_import_lines(
    lines: Iterable[str], *, today: date, first_line: int = 1
) -> dict[str, ImportCase]:
    """Check every line of a JSONL import; the first bad one raises, naming its line.

    `first_line`: the number of the first of `lines` in its file (a part of a file).
    """
    cases: dict[str, ImportCase] = {}
    checked: dict[str, str] = {}  # each reference as given, checked once (a case has many lines)
    for number, line in enumerate(lines, start=first_line):
        if not line or line.isspace():  # a blank line (without copying each line)
            continue
        where = f"Line {number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as e:
            raise InvalidEvent(f"{where}: not valid JSON ({e.msg})") from None
        if not isinstance(raw, dict):
            raise InvalidEvent(f"{where}: must be a JSON object")
        given = raw.get("case")
        ref = checked.get(given) if isinstance(given, str) else None
        if ref is None:
            try:
                # The full syntax is checked when the case is new (`_import_batch`).
                ref = check_reference(given, new=False)
            except InvalidInput as e:
                raise InvalidInput(f"{where}: {e}", field=e.field) from None
            if isinstance(given, str):
                checked[given] = ref
        entry = cases.get(ref)
        if entry is None:
            entry = cases[ref] = ImportCase(ref, numbered=SEQUENCE in raw)
        # Numbered as the case's next event: what a new case stores (see `_import_batch`).
        index = len(entry.events) + 1
        if entry.numbered or SEQUENCE in raw or VOIDED in raw:
            _check_sequence(entry, raw, index, f"{where} (case {ref})")
        event = parse_event(
            raw,
            index=index,
            where=where,
            extra_fields=_LINE_KEYS,
        )
        check_not_future(event, today=today, where=where)
        entry.events.append((number, event))
        if VOIDED in raw:
            entry.voids[index] = _parse_void(raw[VOIDED], number, today, f"{where} (case {ref})")
        for name in CASE_FIELDS:
            if name in raw:  # the last value seen wins
                entry.fields[name] = case_field(name, raw[name], where=where)
                entry.field_lines[name] = number
        if PEOPLE in raw:
            _parse_people(entry, raw[PEOPLE], today, f"{where} (case {ref})")
    for entry in cases.values():
        if entry.voids:
            _check_replacements(entry)
    return cases


def _check_sequence(entry: ImportCase, raw: dict[str, Any], index: int, where: str) -> None:
    """A file with corrections numbers every event of a case 1, 2, 3 ... in line order."""
    if VOIDED in raw and SEQUENCE not in raw:
        raise InvalidInput(f"{where}: a voided event must have its sequence", field=SEQUENCE)
    if SEQUENCE not in raw or not entry.numbered:
        raise InvalidInput(
            f"{where}: either every line of a case has its sequence or none does "
            "(an export with corrections numbers them all)",
            field=SEQUENCE,
        )
    sequence = raw[SEQUENCE]
    if isinstance(sequence, bool) or not isinstance(sequence, int):
        raise InvalidInput(f"{where}: sequence must be a whole number", field=SEQUENCE)
    if sequence != index:
        raise InvalidInput(
            f"{where}: sequence {sequence} is out of order: the case's events must be "
            f"numbered 1, 2, 3 ... in the order of their lines, so this one is {index}",
            field=SEQUENCE,
        )


def _parse_void(details: Any, line: int, today: date, where: str) -> ImportVoid:
    """The `voided` object of a line: why, who, when, and the replacement's sequence."""
    if not isinstance(details, dict):
        raise InvalidInput(
            f"{where}: voided must be a JSON object with the reason, by, at and replaced_by",
            field=VOIDED,
        )
    unknown = sorted(str(k) for k in details if k not in VOID_KEYS)
    if unknown:
        raise InvalidInput(
            f"{where}: voided has an unknown field {', '.join(unknown)}; it takes reason, "
            "by, at and replaced_by",
            field=VOIDED,
        )
    reason, by, at = details.get("reason"), details.get("by"), details.get("at")
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput(f"{where}: enter the reason the event was voided", field="reason")
    reason = check_text(reason, label="Reason", field="reason", where=where, lines=True).strip()
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            f"{where}: the reason must be {MAX_REASON} characters or fewer", field="reason"
        )
    if not isinstance(by, str) or not by.strip():
        raise InvalidInput(f"{where}: enter who voided the event (by)", field="by")
    by = check_text(by, label="By", field="by", where=where).strip()
    if len(by) > MAX_NAME:
        raise InvalidInput(f"{where}: by must be {MAX_NAME} characters or fewer", field="by")
    when = _parse_moment(at, where)
    if when.date() > today:
        raise InvalidInput(f"{where}: the void's time ({at}) is in the future", field="at")
    replaced_by = details.get("replaced_by")
    if replaced_by is not None and (
        isinstance(replaced_by, bool) or not isinstance(replaced_by, int) or replaced_by < 1
    ):
        raise InvalidInput(
            f"{where}: replaced_by must be the sequence of the corrected event, or null",
            field="replaced_by",
        )
    return ImportVoid(line=line, reason=reason, by=by, at=when, replaced_by=replaced_by)


def _parse_moment(value: Any, where: str) -> datetime:
    """An ISO 8601 time with its offset (`2026-11-20T09:00:00+00:00`), in UTC."""
    message = f"{where}: at must be the time the event was voided, in ISO 8601 with its offset"
    if not isinstance(value, str) or not value.isascii():
        raise InvalidInput(message, field="at")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(message, field="at") from None
    if moment.tzinfo is None:
        raise InvalidInput(f"{message} (for example +00:00)", field="at")
    return moment.astimezone(UTC)


def _check_replacements(entry: ImportCase) -> None:
    """Each correction's replacement: a later event of the case, of the same type, once."""
    events = {event.index: event for _line, event in entry.events}
    claimed: dict[int, int] = {}
    for sequence, void in entry.voids.items():
        if void.replaced_by is None:
            continue
        where = f"Line {void.line} (case {entry.ref})"
        voided, replacement = events[sequence], events.get(void.replaced_by)
        if replacement is None:
            raise InvalidInput(
                f"{where}: event {sequence} is replaced by event {void.replaced_by}, "
                "which is not in the file",
                field="replaced_by",
            )
        if void.replaced_by <= sequence:
            raise InvalidInput(
                f"{where}: event {sequence} cannot be replaced by event {void.replaced_by}: "
                "a corrected event is recorded after the one it corrects",
                field="replaced_by",
            )
        if replacement.type is not voided.type:
            raise InvalidInput(
                f"{where}: event {sequence} ({voided.type}) cannot be replaced by event "
                f"{void.replaced_by} ({replacement.type}): a correction keeps the type",
                field="replaced_by",
            )
        if void.replaced_by in claimed:
            raise InvalidInput(
                f"{where}: event {void.replaced_by} already replaces event "
                f"{claimed[void.replaced_by]}; a corrected event replaces one event",
                field="replaced_by",
            )
        claimed[void.replaced_by] = sequence


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
    create_missing: bool = False,
) -> Written:
    """Replay and write the parsed cases; returns how many it opened and the teams and
    officer accounts it made (`create_missing`, see `resolve_assignments`; without it an
    unknown team or officer is refused naming its line). Nothing is committed.

    Cases go in batches, all in the caller's transaction: memory stays bounded on a
    national import while a bad line anywhere still imports nothing. A refused event
    raises a `WorkflowError` naming its line. With `project_events` the projections see
    the new events (they make their letters).
    """
    made = resolve_assignments(
        session=session, cases=cases, create_missing=create_missing, clock=clock
    )
    created = 0
    for batch in bulk.chunks(cases, IMPORT_BATCH):
        ids: dict[str, int] = {}  # the batch's case ids, as they become known
        try:
            created += _import_batch(
                session, batch, actor, clock, settings, working_days, projections,
                project_events, ids,
            )  # fmt: skip
        except bulk.RowRefused as refused:
            raise _refused(refused, batch, ids) from None
    session.flush()
    return Written(created, made)


@dataclass
class CreatedPeople:
    """What `--create-missing` made: teams, and officer accounts that cannot sign in."""

    teams: list[str] = field(default_factory=list)
    officers: list[str] = field(default_factory=list)  # "Name (email)"


def resolve_assignments(
    *,
    session: Session,
    cases: list[ImportCase],
    create_missing: bool,
    clock: Clock,
    made: CreatedPeople | None = None,
    found: dict[tuple[str, str, str | None], str] | None = None,
) -> CreatedPeople:
    """Each case's team and officer as stored (`workflow.teams`): the team's and the
    account's own spelling. An unknown one raises `InvalidInput` naming its line, unless
    `create_missing`, which makes the team, or an officer account that cannot sign in
    until an administrator activates it (`accounts.add_pending_officer`). Nothing is
    committed: a later bad line takes them back with the rest of the import.

    `made` and `found` carry on from an earlier call, for a file resolved in parts."""
    made = CreatedPeople() if made is None else made
    found = {} if found is None else found  # each name is looked up once
    for entry in cases:
        for name in ("team", "officer"):
            given = entry.fields.get(name)
            if given is None:
                continue
            team = entry.fields.get("team") if name == "officer" else None
            key = (name, teams.team_key(given), team)
            if key not in found:
                where = f"Line {entry.field_lines[name]} (case {entry.ref})"
                found[key] = _resolve_or_create(
                    session, name, given, team, where, made, clock, create_missing
                )
            entry.fields[name] = found[key]
    return made


def _resolve_or_create(
    session: Session,
    name: str,
    given: str,
    team: str | None,
    where: str,
    made: CreatedPeople,
    clock: Clock,
    create_missing: bool,
) -> str:
    try:
        if name == "team":
            return teams.resolve_team(session, given, where=where)
        resolved = teams.resolve_officer(session, given, team, where=where)
        assert resolved is not None
        return resolved
    except InvalidInput:
        if not create_missing:
            raise
    if name == "team":
        new_team = teams.insert_team(session, given, now=clock())
        made.teams.append(new_team.name)
        return new_team.name
    user, new = accounts.add_pending_officer(session=session, given=given, team=team, now=clock())
    if new:
        made.officers.append(f"{user.name} ({user.email})")
    return user.name


@dataclass(frozen=True)
class Written:
    cases_created: int
    made: CreatedPeople


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
    ids: dict[str, int],
) -> int:
    """Replay and write one batch of imported cases; returns how many it opened.

    `ids` is filled with the batch's case ids (reference -> id) as they become known.
    """
    now = clock()
    existing = lock_cases(session, [entry.ref for entry in batch])
    existing_ids = [c.id for c in existing.values() if c.id is not None]
    stored_by_case = _stored_events_by_case(session, existing_ids)
    last = last_sequences(session, existing_ids)  # voided events keep their numbers
    # Ids up front, so each run of cases can be written while the next is replayed.
    fresh = [entry.ref for entry in batch if entry.ref not in existing]
    taken = bulk.new_ids(session, Case.__table__, len(fresh))  # type: ignore[attr-defined]
    ids.update(zip(fresh, taken, strict=True))
    ids.update({ref: case.id for ref, case in existing.items() if case.id is not None})
    touched = [ids[ref] for ref in existing]
    for chunk in bulk.chunks(touched, 500):  # their deadlines and facts are rewritten below
        session.execute(sa.delete(StoredDeadline).where(col(StoredDeadline.case_id).in_(chunk)))
        session.execute(sa.delete(FACTS).where(F.case_id.in_(chunk)))
    plans: list[_Plan] = []
    spans: dict[str, list[Span]] = {}  # the scorecard's timeliness facts, by reference
    with bulk.Writer(session) as writer:  # the session is the writer's until the block ends
        for run in bulk.chunks(batch, WRITE_RUN):
            planned = [
                _plan(
                    entry, existing.get(entry.ref), stored_by_case, last, settings, working_days,
                    spans,
                )
                for entry in run
            ]  # fmt: skip
            plans.extend(planned)
            _write_run(writer, planned, ids, now, actor, spans)
    for entry, case, _events, evaluation in plans:
        if case is not None:
            bump(
                session,
                case,
                seen_version=case.version,
                now=now,
                state=evaluation.state,
                **entry.fields,
            )
    _import_voids(session, [entry for entry, *_ in plans if entry.voids], ids)
    _import_people(session, plans, ids, now, actor, clock, projections)
    if project_events:
        _project_imported(session, plans, ids, settings, clock, actor, projections)
    return len(fresh)


def _plan(
    entry: ImportCase,
    case: Case | None,
    stored_by_case: dict[int, list[StoredEvent]],
    last: dict[int, int],
    settings: Settings,
    working_days: WorkingDays | None,
    spans: dict[str, list[Span]],
) -> _Plan:
    """Check one imported case and replay its whole history with its new events (and put
    its timeliness spans in `spans`)."""
    if case is None:  # opened by the import: the full reference syntax
        try:
            check_reference(entry.ref)
        except InvalidInput as e:
            raise InvalidInput(f"Line {entry.events[0][0]}: {e}", field=e.field) from None
    elif entry.numbered:
        # Its numbers and voids are the case's whole history: they cannot follow others.
        raise InvalidInput(
            f"Line {entry.events[0][0]}: case {entry.ref} is already in the database. "
            "Events with their sequence (an export with corrections) only open new cases",
            field=SEQUENCE,
        )
    stored = stored_by_case.get(case.id, []) if case and case.id is not None else []
    next_sequence = (last[case.id] if case and case.id is not None else 0) + 1
    new_events = [e for _line, e in entry.events]
    if next_sequence != 1:  # after the stored events, in order
        new_events = [
            Event(e.type, e.date, e.fields, e.note, e.actor, index=next_sequence + i)
            for i, e in enumerate(new_events)
        ]
    effective = entry.effective(new_events)  # a voided event takes no part
    history = [stored_to_event(row) for row in stored] + effective
    try:
        evaluation = replay(
            entry.ref, history, new=effective, settings=settings, working_days=working_days
        )
    except WorkflowError as err:
        raise _name_line(err, entry, new_events) from None
    spans[entry.ref] = case_spans(moments(history))
    return entry, case, new_events, evaluation


def _write_run(
    writer: bulk.Writer,
    plans: list[_Plan],
    ids: dict[str, int],
    now: datetime,
    actor: str,
    spans: dict[str, list[Span]],
) -> None:
    """Hand a run of replayed cases' rows to the writer: new cases, events, deadlines and
    timeliness facts."""
    # New cases go in with their replayed state, at version 1 (one change: the import).
    new_cases = [
        case_row(ids[entry.ref], entry, evaluation.state, now)
        for entry, case, _events, evaluation in plans
        if case is None
    ]
    new_rows: list[dict[str, Any]] = []
    deadline_rows_all: list[dict[str, Any]] = []
    for entry, _case, new_events, evaluation in plans:
        case_id = ids[entry.ref]
        new_rows.extend(event_rows(case_id, new_events, now=now, actor=actor))
        deadline_rows_all.extend(deadline_rows(case_id, evaluation))
    writer.insert(Case.__table__, new_cases)  # type: ignore[attr-defined]
    writer.insert(StoredEvent.__table__, new_rows)  # type: ignore[attr-defined]
    writer.insert(StoredDeadline.__table__, deadline_rows_all)  # type: ignore[attr-defined]
    facts = [row for entry, *_ in plans for row in fact_rows(ids[entry.ref], spans[entry.ref])]
    writer.insert(FACTS, facts)


def case_row(case_id: int, entry: ImportCase, state: str, now: datetime) -> dict[str, Any]:
    """The row of a case the import opens: in its replayed state, at version 1 (one
    change: the import)."""
    return {
        "id": case_id,
        "reference": entry.ref,
        "state": state,
        "version": 1,
        "created_at": now,
        "updated_at": now,
        **{name: entry.fields.get(name) for name in CASE_FIELDS},
    }


def event_rows(
    case_id: int, events: list[Event], *, now: datetime, actor: str
) -> list[dict[str, Any]]:
    """The stored rows of a case's imported events, recorded `now` by `actor`."""
    return [
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
        for e in events
    ]


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


def _import_voids(session: Session, entries: list[ImportCase], ids: dict[str, int]) -> None:
    """The voids of a file with corrections, on the events just inserted.

    In the order they were made (their time, then the voided event's number), so the
    case's corrections list in the same order as where it was exported from.
    """
    if not entries:
        return
    case_ids = [ids[entry.ref] for entry in entries]
    event_ids: dict[tuple[int, int], int] = {}
    for chunk in bulk.chunks(case_ids, 500):
        rows = session.execute(
            sa.select(
                col(StoredEvent.case_id), col(StoredEvent.sequence), col(StoredEvent.id)
            ).where(col(StoredEvent.case_id).in_(chunk))
        )
        event_ids.update({(case_id, sequence): id_ for case_id, sequence, id_ in rows.all()})
    voids = sorted(
        (
            (void.at, sequence, ids[entry.ref], void)
            for entry in entries
            for sequence, void in entry.voids.items()
        ),
        key=lambda item: (item[0], item[2], item[1]),
    )
    rows_out = [
        {
            "case_id": case_id,
            "event_id": event_ids[(case_id, sequence)],
            "reason": void.reason,
            "voided_at": void.at,
            "voided_by": void.by,
            "replaced_by": void.replaced_by,
        }
        for _at, sequence, case_id, void in voids
    ]
    bulk.insert_rows(session, EventVoid.__table__, rows_out)  # type: ignore[attr-defined]


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
        new_events = entry.effective(new_events)  # voided events make no letters
        if not new_events:
            continue
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


def _refused(
    refused: bulk.RowRefused, batch: list[ImportCase], ids: dict[str, int]
) -> WorkflowError:
    """A row the database refused, as the line of the file it came from.

    The row says its case (a case row its reference, the others their case id) and an
    event row its sequence; deadlines, people and the like name the case's first line.
    """
    row = refused.row or {}
    by_id = {case_id: ref for ref, case_id in ids.items()}
    ref = row.get("reference") or by_id.get(row.get("case_id", -1))
    entry = next((e for e in batch if e.ref == ref), None)
    if entry is None:  # the database did not say which row (a key checked at the end)
        return unplaced_refusal(refused, [e.ref for e in batch])
    # A new case's events are numbered as its lines (1, 2, 3 ...); else its first line.
    line = entry.events[0][0]
    if refused.table == StoredEvent.__tablename__ and entry.events[0][1].index == 1:
        line = next((n for n, e in entry.events if e.index == row.get("sequence")), line)
    return refusal_error(refused, entry.ref, line)


def unplaced_refusal(refused: bulk.RowRefused, refs: list[str]) -> WorkflowError:
    """A refusal the database did not place on a row, naming the first cases written."""
    named = ", ".join(refs[:3]) + (" ..." if len(refs) > 3 else "")
    return InvalidInput(
        f"The database refused the import (cases {named}: {refused}). Nothing was imported"
    )


def refusal_error(refused: bulk.RowRefused, ref: str, line: int) -> WorkflowError:
    """What the database refused of case `ref`, as the error naming `line` of the file."""
    where = f"Line {line} (case {ref})"
    column = refused.column or "a value"
    if refused.kind == bulk.DUPLICATE and refused.table == Case.__tablename__:
        err: WorkflowError = ConcurrentUpdate(ref)
        err.args = (
            f"{where}: the case was opened by someone else while this file was being "
            "imported. Nothing was imported: look at the case, then import the file again",
        )
        return err
    if refused.kind == bulk.DUPLICATE:
        err = ConcurrentUpdate(ref)
        err.args = (
            f"{where}: someone else recorded on the case while this file was being "
            "imported. Nothing was imported: look at the case, then import the file again",
        )
        return err
    if refused.kind == bulk.TOO_LONG:
        limit = f"{refused.limit} characters or fewer" if refused.limit else "shorter"
        return InvalidInput(
            f"{where}: {column} must be {limit}. Nothing was imported", field=refused.column
        )
    if refused.kind == bulk.MISSING:
        return InvalidInput(f"{where}: enter {column}. Nothing was imported", field=refused.column)
    return InvalidInput(
        f"{where}: the database refused {column} ({refused.table}, error {refused.code}). "
        "Nothing was imported",
        field=refused.column,
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


def lock_cases(session: Session, refs: list[str]) -> dict[str, Case]:
    """The stored cases of these references, locked for the import's transaction."""
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
