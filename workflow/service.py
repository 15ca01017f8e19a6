"""The only writer: every change to a case goes through these functions.

Each public function takes keyword-only arguments, owns its transaction and
commits once: it locks the case, checks its version, replays the whole
history with the new events through the state machine and the clock, appends
the events, rewrites the case's state and deadlines, and commits. Web, CLI,
import and scheduler all call these; none of them writes rows itself. The
pieces they share with the import and the reassignment are in
`workflow.case_writes`; the import's pipeline is `workflow.importing`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from workflow import bulk, deadline_refresh, import_workers, importing
from workflow import people as letter_people
from workflow.case_writes import (
    CASE_FIELDS,
    bump,
    case_field,
    check_not_future,
    check_reference,
    commit,
    event_row,
    lock_case,
    refusals_roll_back,
    replay,
    resolve_assignment,
    stored_to_event,
)
from workflow.clock import Clock, today_in_england
from workflow.corrections import (
    Correction,
    check_reason,
    corrected_event,
    corrections_of,
    depended_on,
    effective,
    event_to_void,
    last_sequences,
    refused_without,
)
from workflow.deadline_store import version_moved_once, write_deadlines
from workflow.errors import (
    CaseNotFound,
    ConcurrentUpdate,
    InvalidInput,
)
from workflow.law.calendar import WorkingDays
from workflow.law.deadlines import Evaluation, Settings, evaluate
from workflow.law.events import Event, parse_event
from workflow.models import Case, CasePeople, EventVoid, StoredDeadline, StoredEvent
from workflow.projection import Projection
from workflow.timeliness import FACTS, write_facts


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
    # With `create_missing`: the teams and the (inactive) officer accounts it made.
    teams_created: tuple[str, ...] = ()
    officers_created: tuple[str, ...] = ()


@dataclass(frozen=True)
class Voided:
    """A void (and, for a correction, the corrected event that replaced the voided one)."""

    case: Case
    void: EventVoid
    voided: StoredEvent
    replacement: StoredEvent | None
    evaluation: Evaluation


@dataclass
class CaseView:
    case: Case
    events: list[StoredEvent]  # the effective events: voided ones are in `corrections`
    evaluation: Evaluation
    warnings: list[str] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)


# -- reading and checking ------------------------------------------------------


def _case_for_change(
    session: Session, case_ref: str, expected_version: int | None, now: datetime
) -> tuple[Case, int]:
    """Lock the case (opening a new one if the reference is new); return it and its version.

    Raises `ConcurrentUpdate` when the caller read an older version than the stored one.
    """
    case = lock_case(session, case_ref)
    if case is None:
        if expected_version not in (None, 0):
            raise CaseNotFound(case_ref)
        check_reference(case_ref)  # a new case: the full reference syntax
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
    .where(col(StoredEvent.case_id) == sa.bindparam("case_id"), effective())
    .order_by(col(StoredEvent.sequence))
)


def _events_of(session: Session, case_id: int) -> list[StoredEvent]:
    """The case's effective events (not voided), in recording order."""
    return list(session.exec(_EVENTS_OF_CASE, params={"case_id": case_id}))


def _next_sequence(session: Session, case_id: int) -> int:
    """The next event's sequence: after every event of the case, voided ones included."""
    return last_sequences(session, [case_id])[case_id] + 1


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
    letter_details: Mapping[str, Any] | None = None,
) -> Recorded:
    """Record one event on a case (opening the case with its first event).

    `letter_details` (such as `reasons`, the reasons for a decision written for the
    family) go, unread here, to the projections with the event, so its letters are made
    with them in the same transaction. They are never taken from the event's note.

    `expected_version` is the version the caller read: if the case has moved
    on since, nothing is saved and `ConcurrentUpdate` is raised. `projections`
    (its letters: `bootstrap.projections()`) run in the same transaction.
    """
    case_ref = check_reference(case_ref, new=False)
    settings = settings or Settings()
    now = clock()
    parsed = event if isinstance(event, Event) else parse_event(event, where=f"Case {case_ref}")
    check_not_future(parsed, today=today_in_england(clock), where=f"Case {case_ref}")
    extra = {
        name: case_field(name, value, where=f"Case {case_ref}")
        for name, value in (case_fields or {}).items()
        if name in CASE_FIELDS
    }
    with refusals_roll_back(session, case_ref=case_ref):
        case, seen = _case_for_change(session, case_ref, expected_version, now)
        assert case.id is not None
        extra = resolve_assignment(session, extra, where=f"Case {case_ref}", case_team=case.team)
        stored = _events_of(session, case.id)
        sequence = _next_sequence(session, case.id)
        new = Event(
            type=parsed.type,
            date=parsed.date,
            fields=parsed.fields,
            note=parsed.note,
            actor=parsed.actor,
            index=sequence,
        )
        history = [stored_to_event(row) for row in stored] + [new]
        evaluation = replay(
            case_ref, history, new=[new], settings=settings, working_days=working_days
        )
        row = event_row(case.id, new, now=now, actor=actor)
        session.add(row)
        bump(session, case, seen_version=seen, now=now, state=evaluation.state, **extra)
        write_deadlines(session, case_id=case.id, evaluation=evaluation)
        write_facts(session, case_id=case.id, history=history, changed=[new.type])
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
                letter_details=letter_details,
            )
    commit(session, case_ref=case_ref)
    return Recorded(case=case, event=row, evaluation=evaluation)


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
    create_missing: bool = False,
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
    lines = list(lines)
    url = session.get_bind().engine.url
    workers = 0 if project_events else import_workers.worker_count(url, len(lines))
    # A large file's rows move the queue version once (on SQLite, not once a row).
    many = len(lines) >= import_workers.PARALLEL_FROM
    if workers:
        with (
            refusals_roll_back(session, case_ref="in the import"),
            version_moved_once(session),
        ):
            imported = import_workers.write_cases(
                session=session,
                lines=lines,
                actor=actor,
                clock=clock,
                settings=settings,
                working_days=working_days,
                create_missing=create_missing,
                workers=workers,
            )
        if imported is not None:
            commit(session, case_ref="in the import")
            return ImportSummary(
                events=imported.events,
                cases_created=imported.cases_created,
                cases_updated=0,
                teams_created=tuple(imported.made.teams),
                officers_created=tuple(imported.made.officers),
            )
        session.rollback()  # the file takes the one-process path, which reads it again
    incoming = importing.parse_import_lines(lines, today=today_in_england(clock))
    if not incoming:
        return ImportSummary(0, 0, 0)
    with (
        refusals_roll_back(session, case_ref=", ".join(sorted(incoming))[:200]),
        version_moved_once(session) if many else nullcontext(),
    ):
        written = importing.write_cases(
            session=session,
            cases=list(incoming.values()),
            actor=actor,
            clock=clock,
            settings=settings,
            working_days=working_days,
            projections=projections,
            project_events=project_events,
            create_missing=create_missing,
        )
    commit(session, case_ref="in the import")
    return ImportSummary(
        events=sum(len(e.events) for e in incoming.values()),
        cases_created=written.cases_created,
        cases_updated=len(incoming) - written.cases_created,
        teams_created=tuple(written.made.teams),
        officers_created=tuple(written.made.officers),
    )


# Cases read, replayed and rewritten at a time by `refresh_all_deadlines`.
REFRESH_CASES_PER_PASS = deadline_refresh.CASES_PER_PASS


def refresh_all_deadlines(
    *,
    session: Session,
    clock: Clock,
    settings: Settings | None = None,
    working_days: WorkingDays | None = None,
) -> int:
    """Recompute every case's stored deadlines (after a settings change), and its
    timeliness facts. Returns the count.

    One transaction: every case is locked first, then read, replayed and rewritten a
    pass of cases at a time, so memory does not grow with the number of cases. With
    many cases the replay runs in worker processes while this transaction writes
    (`workflow.deadline_refresh`); docs/performance.md has the before and after.
    """
    settings = settings or Settings()
    cases = [
        (case_id, ref)
        for case_id, ref in session.execute(
            sa.select(col(Case.id), col(Case.reference)).order_by(col(Case.id)).with_for_update()
        )
    ]
    connection = session.connection()
    workers = deadline_refresh.worker_count(connection.engine.url, len(cases))
    with version_moved_once(session):  # every row is rewritten
        session.execute(sa.delete(StoredDeadline))
        session.execute(sa.delete(FACTS))
        for ids, (deadlines, facts) in deadline_refresh.replayed(
            connection, cases, settings, working_days, workers=workers,
            per_pass=REFRESH_CASES_PER_PASS,
        ):  # fmt: skip
            bulk.insert_prepared(session, StoredDeadline.__table__, deadlines, ids)  # type: ignore[attr-defined]
            bulk.insert_prepared(session, FACTS, facts, ids)
    commit(session, case_ref="all cases")
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
    case_ref = check_reference(case_ref, new=False)
    now = clock()
    parsed = letter_people.parse_details(details, today_in_england(clock), f"Case {case_ref}")
    with refusals_roll_back(session, case_ref=case_ref):
        case, seen = _case_for_change(session, case_ref, expected_version, now)
        assert case.id is not None
        on_case = {"date_of_birth": parsed["date_of_birth"]} if "date_of_birth" in parsed else {}
        bump(session, case, seen_version=seen, now=now, **on_case)
        letter_people.write_people(session, case.id, parsed, now, actor)
        session.flush()
        for projection in projections:
            projection.details_changed(session=session, case=case, clock=clock)
    commit(session, case_ref=case_ref)
    return case


# -- voiding and correcting ------------------------------------------------------


def void_event(
    *,
    session: Session,
    case_ref: str,
    sequence: int,
    reason: str,
    actor: str,
    clock: Clock,
    projections: Sequence[Projection],
    expected_version: int | None = None,
    settings: Settings | None = None,
    working_days: WorkingDays | None = None,
) -> Voided:
    """Take a recorded event out of the case's history, giving the reason.

    The event stays stored, marked voided (who, when, why); the case's state and
    deadlines become those of the history without it, and its letters are withdrawn
    (the projections). Refused, naming them all, if later events depend on it.
    """
    return _void_or_correct(
        session=session,
        case_ref=case_ref,
        sequence=sequence,
        reason=reason,
        actor=actor,
        clock=clock,
        projections=projections,
        expected_version=expected_version,
        settings=settings,
        working_days=working_days,
        change=None,
    )


def correct_event(
    *,
    session: Session,
    case_ref: str,
    sequence: int,
    reason: str,
    actor: str,
    clock: Clock,
    projections: Sequence[Projection],
    date: date | str | None = None,
    fields: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    settings: Settings | None = None,
    working_days: WorkingDays | None = None,
) -> Voided:
    """Correct a recorded event's date or fields: void it and record the corrected event
    (same type, the next sequence), in one transaction.

    `fields` sets the event's own fields (None or "" clears an optional one); the result
    is checked as a new event is. Refused if it changes nothing, or if the corrected
    history is invalid (naming every later event that could then not happen).
    """
    change = {**(fields or {})}
    if date is not None:
        change["date"] = date
    return _void_or_correct(
        session=session,
        case_ref=case_ref,
        sequence=sequence,
        reason=reason,
        actor=actor,
        clock=clock,
        projections=projections,
        expected_version=expected_version,
        settings=settings,
        working_days=working_days,
        change=change,
    )


def _void_or_correct(
    *,
    session: Session,
    case_ref: str,
    sequence: int,
    reason: str,
    actor: str,
    clock: Clock,
    projections: Sequence[Projection],
    expected_version: int | None,
    settings: Settings | None,
    working_days: WorkingDays | None,
    change: dict[str, Any] | None,
) -> Voided:
    case_ref = check_reference(case_ref, new=False)
    verb = "voiding" if change is None else "correcting"
    reason = check_reason(reason, case_ref, verb)
    if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 1:
        raise InvalidInput(
            f"Case {case_ref}: the event to correct must be given by its number (1, 2, ...)",
            field="sequence",
        )
    settings = settings or Settings()
    now = clock()
    with refusals_roll_back(session, case_ref=case_ref):
        case = lock_case(session, case_ref)
        if case is None:
            raise CaseNotFound(case_ref)
        if expected_version is not None and expected_version != case.version:
            raise ConcurrentUpdate(case_ref)
        seen = case.version
        assert case.id is not None
        target = event_to_void(session, case, sequence)
        assert target.id is not None
        stored = _events_of(session, case.id)
        original = stored_to_event(target)
        replacement = None
        if change is not None:
            replacement = corrected_event(
                original,
                change,
                index=_next_sequence(session, case.id),
                case_ref=case_ref,
                today=today_in_england(clock),
            )
        history = [stored_to_event(r) for r in stored if r.id != target.id]
        if replacement is not None:
            history.append(replacement)
        evaluation, refused = refused_without(
            case_ref,
            history,
            replacement=replacement,
            settings=settings,
            working_days=working_days,
        )
        if evaluation is None:
            raise depended_on(case_ref, original, refused, voiding=change is None)
        row = None
        if replacement is not None:
            row = event_row(case.id, replacement, now=now, actor=actor)
            session.add(row)
        void = EventVoid(
            case_id=case.id,
            event_id=target.id,
            reason=reason,
            voided_at=now,
            voided_by=actor,
            replaced_by=replacement.index if replacement is not None else None,
        )
        session.add(void)
        bump(session, case, seen_version=seen, now=now, state=evaluation.state)
        write_deadlines(session, case_id=case.id, evaluation=evaluation)
        changed = [original.type] + ([replacement.type] if replacement is not None else [])
        write_facts(session, case_id=case.id, history=history, changed=changed)
        session.flush()
        for projection in projections:
            projection.events_voided(
                session=session, case=case, voided=[(target, void)], clock=clock, actor=actor
            )
            if row is not None and replacement is not None:
                projection.events_recorded(
                    session=session,
                    case=case,
                    recorded=[(row, replacement)],
                    evaluation=evaluation,
                    settings=settings,
                    clock=clock,
                    actor=actor,
                )
    commit(session, case_ref=case_ref)
    return Voided(case=case, void=void, voided=target, replacement=row, evaluation=evaluation)


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
    reference = check_reference(case_ref, new=False)
    case = session.exec(_CASE_BY_REFERENCE, params={"reference": reference}).first()
    if case is None:
        raise CaseNotFound(case_ref)
    assert case.id is not None
    stored = _events_of(session, case.id)
    events = [stored_to_event(r) for r in stored]
    evaluation = evaluate(case.reference, events, as_of, settings or Settings(), working_days)
    by_sequence = {r.sequence: r for r in stored}
    ordered = [by_sequence[e.index] for e in sorted(events, key=lambda e: e.sort_key)]
    corrections = corrections_of(session, case.id)
    _end_read(session)
    return CaseView(
        case=case,
        events=ordered,
        evaluation=evaluation,
        warnings=evaluation.warnings,
        corrections=corrections,
    )


def find_case(*, session: Session, case_ref: str) -> Case | None:
    """The case with this reference, or None: for an edge deciding what it may say."""
    case = session.exec(
        _CASE_BY_REFERENCE, params={"reference": check_reference(case_ref, new=False)}
    ).first()
    _end_read(session)
    return case


def export_events(*, session: Session, with_corrections: bool = False) -> Iterator[dict[str, Any]]:
    """Every case's effective events as import lines (spec section 8), in recording order.

    Re-importing the file gives each case the history its corrections made. With
    `with_corrections`, every event is written, voided ones too, each with its
    `sequence`, and a voided one with its void (`voided`: reason, by, at, replaced_by):
    importing that file into an empty database gives each case its correction history
    as well (docs/import-export.md).

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
    events = select(StoredEvent) if with_corrections else select(StoredEvent).where(effective())
    rows = sorted(session.exec(events), key=lambda r: (order[r.case_id], r.sequence))
    voids = {v.event_id: v for v in session.exec(select(EventVoid))} if with_corrections else {}
    seen: set[int] = set()
    for row in rows:
        case = cases[row.case_id]
        line: dict[str, Any] = {"case": case.reference}
        if with_corrections:
            line[importing.SEQUENCE] = row.sequence
        line.update(type=row.type, date=row.date.isoformat())
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
                line[importing.PEOPLE] = people[row.case_id]
        void = voids.get(row.id) if row.id is not None else None
        if void is not None:
            line[importing.VOIDED] = {
                "reason": void.reason,
                "by": void.voided_by,
                "at": void.voided_at.isoformat(),
                "replaced_by": void.replaced_by,
            }
        yield line
    _end_read(session)


def cases_by_state(*, session: Session) -> Counter[str]:
    rows = session.execute(sa.select(col(Case.state), sa.func.count()).group_by(col(Case.state)))
    counts = Counter({state: n for state, n in rows.all()})  # noqa: C416
    _end_read(session)
    return counts
