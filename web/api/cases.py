"""`/api/cases`: case lists, a case with its deadlines, events and corrections;
recording, voiding and correcting events.

Officers see and change their own team's cases only (any other case is 404, as if it
did not exist); managers any team's. Every write goes through `workflow.service`
(`record_event`, `void_event`, `correct_event`), which owns the transaction and the
version check.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse
from sqlmodel import Session

from web import auth
from web.api import errors
from web.api.access import CASEWORK, DOCUMENTED
from web.api.models import (
    CaseDetail,
    CaseList,
    CaseListItem,
    CaseSummary,
    CorrectedOut,
    CorrectIn,
    CorrectionOut,
    DeadlineOut,
    Deadlines,
    EventIn,
    EventOut,
    Events,
    NextStepOut,
    RecordedOut,
    VoidedOut,
    VoidIn,
    WarningOut,
)
from web.deps import context, db, reading, refuse_if_stale
from web.read_audit import record_read
from workflow.caseload import find_cases
from workflow.corrections import Correction
from workflow.errors import CaseNotFound, Conflict, InvalidInput, NotFound, WorkflowError
from workflow.law.events import EVENT_FIELDS, EventType
from workflow.law.next_steps import next_steps
from workflow.service import (
    CaseView,
    Voided,
    correct_event,
    get_case,
    record_event,
    void_event,
)
from workflow.teams import team_key

router = APIRouter(dependencies=DOCUMENTED, tags=["cases"])

Who = Annotated[auth.Principal, Depends(CASEWORK)]
Db = Annotated[Session, Depends(db)]
Reference = Annotated[
    str, Path(min_length=1, max_length=64, pattern=r"^\S+$", description="The case reference")
]
AsOf = Annotated[date | None, Query(description="YYYY-MM-DD; default today")]
EventNumber = Annotated[
    int,
    Path(
        ge=1,
        le=2**31 - 1,
        description="The event's `sequence`, as in the case's `events` (or `corrections`)",
    ),
]
IfMatch = Annotated[
    str | None, Header(description="The case version you read (instead of expected_version)")
]
OPENING = (EventType.REQUEST_RECEIVED, EventType.PLAN_TRANSFERRED_IN)
READ = errors.REFUSALS | errors.NOT_FOUND


def _read(request: Request, session: Session, ref: str, as_of: date | None) -> CaseView:
    ctx = context(request)
    return get_case(
        session=session,
        case_ref=ref,
        as_of=as_of or ctx.today(),
        settings=ctx.settings,
        working_days=ctx.working_days,
    )


def _visible(
    request: Request, session: Session, who: auth.Principal, ref: str, as_of: date | None
) -> CaseView:
    """The case as of a day, if the caller may see it; otherwise `CaseNotFound`."""
    view = _read(request, session, ref, as_of)
    if not who.can_see_team(view.case.team):
        raise CaseNotFound(ref)
    return view


@router.get("/api/cases", response_model=CaseList, responses=errors.REFUSALS)
def list_cases(
    request: Request,
    session: Db,
    who: Who,
    team: Annotated[str | None, Query(max_length=100)] = None,
    officer: Annotated[str | None, Query(max_length=100, description="The officer's name")] = None,
    q: Annotated[
        str | None,
        Query(max_length=100, description="Start of a reference, or part of the child's name"),
    ] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> CaseList | JSONResponse:
    """Cases newest activity first, 50 a page; an officer sees their own team's only."""
    if who.user.role == "officer":
        if team is not None and team_key(team) != team_key(who.user.team or ""):
            return CaseList(items=[], total=0, page=1, pages=1)
        team = who.user.team
    try:
        found = find_cases(
            session, as_of=context(request).today(), team=team, officer=officer, search=q, page=page
        )
    except WorkflowError as err:
        return errors.refused(err, ["team", "officer", "q"], where="query")
    return CaseList(
        items=[CaseListItem.of(row) for row in found.rows],
        total=found.total,
        page=found.page,
        pages=found.pages,
    )


@router.get("/api/cases/{ref:path}/deadlines", response_model=Deadlines, responses=READ)
def read_deadlines(
    request: Request, session: Db, who: Who, ref: Reference, as_of: AsOf = None
) -> Deadlines | JSONResponse:
    """The case's statutory deadlines as of a day (default today)."""
    try:
        view = _visible(request, session, who, ref, as_of)
    except WorkflowError as err:
        return errors.refused(err, ["as_of", "reference"], where="query")
    return Deadlines(
        case=view.case.reference,
        as_of=view.evaluation.as_of,
        state=view.evaluation.state,
        deadlines=[DeadlineOut.of(d) for d in view.evaluation.deadlines],
    )


@router.get("/api/cases/{ref:path}/events", response_model=Events, responses=READ)
def read_events(request: Request, session: Db, who: Who, ref: Reference) -> Events | JSONResponse:
    """The case's events in processing order."""
    try:
        view = _visible(request, session, who, ref, None)
    except WorkflowError as err:
        return errors.refused(err, ["reference"], where="path")
    record_read(request, who, view.case.id, "case events (API)")
    return Events(case=view.case.reference, events=[EventOut.of(e) for e in view.events])


# After the routes below a case: /api/cases/{ref:path} takes any path below it.
@router.get("/api/cases/{ref:path}", response_model=CaseDetail, responses=READ)
def read_case(
    request: Request, session: Db, who: Who, ref: Reference, as_of: AsOf = None
) -> CaseDetail | JSONResponse:
    """The case, what happens next, its deadlines as of a day and its events."""
    try:
        view = _visible(request, session, who, ref, as_of)
    except WorkflowError as err:
        return errors.refused(err, ["as_of", "reference"], where="query")
    record_read(request, who, view.case.id, "case (API)")
    return CaseDetail(
        case=CaseSummary.of(view.case),
        as_of=view.evaluation.as_of,
        next_steps=[NextStepOut.of(s) for s in next_steps(view.evaluation, view.evaluation.as_of)],
        deadlines=[DeadlineOut.of(d) for d in view.evaluation.deadlines],
        events=[EventOut.of(e) for e in view.events],
        corrections=[CorrectionOut.of(c) for c in view.corrections],
        warnings=view.warnings,
        law_warnings=[WarningOut.of(w) for w in view.evaluation.law_warnings],
    )


def _expected_version(sent: int | None, if_match: str | None) -> int | None:
    """The version the caller read: `expected_version`, or the If-Match header."""
    header: int | None = None
    if if_match is not None:
        text = if_match.strip().removeprefix("W/").strip('"')
        if not text.isascii() or not text.isdigit() or len(text) > 9:
            raise InvalidInput(
                "If-Match must be the case version you read, a whole number",
                field="expected_version",
            )
        header = int(text)
    if header is not None and sent not in (None, header):
        raise InvalidInput(
            "expected_version and If-Match disagree: send the version you read once",
            field="expected_version",
        )
    return sent if header is None else header


@router.post(
    "/api/cases/{ref:path}/events",
    response_model=RecordedOut,
    status_code=201,
    responses=READ | errors.CONFLICT,
)
def record(
    request: Request,
    session: Db,
    who: Who,
    ref: Reference,
    body: EventIn,
    if_match: IfMatch = None,
) -> RecordedOut | JSONResponse:
    """Record an event; a first event on a new reference opens the case.

    Send the version you read (`expected_version` or If-Match): if someone else
    changed the case since, nothing is saved and the answer is 409.
    """
    ctx = context(request)
    extra = body.model_extra or {}
    raw = {"type": body.type.value, "date": body.date, **extra}
    if body.note is not None:
        raw["note"] = body.note
    fields = ["reference", "date", "note", "team", "officer", "letter_details"]
    fields += [*EVENT_FIELDS[body.type], *extra]
    try:
        expected = _expected_version(body.expected_version, if_match)
        # Reads without the write lock (SQLite), which only the save takes.
        with reading(request) as looked:
            case_fields = _opening(request, looked, who, ref, body)
            if case_fields is not None and expected is None:
                expected = 0  # a new case: someone opening it meanwhile is a conflict
            refuse_if_stale(looked, ref, expected)
        recorded = record_event(
            projections=context(request).projections,
            session=session,
            case_ref=ref,
            event=raw,
            actor=who.actor,
            clock=ctx.clock,
            expected_version=expected,
            settings=ctx.settings,
            working_days=ctx.working_days,
            case_fields=case_fields,
            letter_details=body.letter_details.model_dump(exclude_none=True)
            if body.letter_details
            else None,
        )
        with reading(request) as looked:
            view = _visible(request, looked, who, ref, None)
    except WorkflowError as err:
        return errors.refused(err, fields)
    return RecordedOut(
        case=CaseSummary.of(recorded.case),
        event=EventOut.of(recorded.event),
        deadlines=[DeadlineOut.of(d) for d in view.evaluation.deadlines],
    )


def _opening(
    request: Request, session: Session, who: auth.Principal, ref: str, body: EventIn
) -> dict[str, str | None] | None:
    """The team and officer of a case the event opens; None if the case exists.

    An officer opens cases in their own team (theirs unless they name a colleague).
    Team and officer are not changed by events: a manager reassigns a case. The answers
    never tell an officer that another team's case exists: recording on it is 404 as for
    a reference with no case, and opening it is a 409 that names no case.
    """
    if (
        who.user.role == "officer"
        and body.team is not None
        and team_key(body.team) != team_key(who.user.team or "")
    ):
        # Before looking the reference up, so the answer is the same whether it exists.
        raise InvalidInput(
            f"Case {ref}: you can open cases in your own team only ({who.user.team})",
            field="team",
        )
    try:
        view = _read(request, session, ref, None)
    except CaseNotFound:
        if body.type not in OPENING:
            raise
    else:
        if not who.can_see_team(view.case.team):
            if body.type in OPENING:
                raise Conflict(
                    f"You cannot use the reference {ref} for a new case. "
                    "Enter a different reference",
                    field="reference",
                )
            raise CaseNotFound(ref)
        if body.type in OPENING:
            # Someone opened it first (or long ago): the service refuses the event with 409.
            return None
        if body.team is not None or body.officer is not None:
            raise InvalidInput(
                f"Case {ref} is already open: team and officer are set when a case is "
                "opened, and a manager reassigns it"
            )
        return None
    if who.user.role == "officer":
        # By email: their account, even if a colleague has the same name.
        return {"team": who.user.team, "officer": body.officer or who.user.email}
    return {"team": body.team, "officer": body.officer}


# -- voiding and correcting ------------------------------------------------------------

CHANGE = errors.REFUSALS | errors.NOT_FOUND_EVENT | errors.CONFLICT_CORRECTION


@router.post(
    "/api/cases/{ref:path}/events/{sequence}/void",
    response_model=VoidedOut,
    status_code=200,
    responses=CHANGE,
    summary="Void a recorded event",
)
def void(
    request: Request,
    session: Db,
    who: Who,
    ref: Reference,
    sequence: EventNumber,
    body: VoidIn,
    if_match: IfMatch = None,
) -> VoidedOut | JSONResponse:
    """Take an event out of the case's history, giving the reason.

    The event stays stored, marked voided with who, when and why (the case's
    `corrections`); the case's state and deadlines become those of the history
    without it, and its letters are withdrawn. Refused (422), naming them, if later
    events depend on it. Send the version you read (`expected_version` or If-Match):
    if someone else changed the case since, nothing is saved and the answer is 409.
    """
    ctx = context(request)
    try:
        expected = _expected_version(body.expected_version, if_match)
        with reading(request) as looked:
            _check_event(request, looked, who, ref, sequence)
            refuse_if_stale(looked, ref, expected)
        voided = void_event(
            projections=ctx.projections,
            session=session,
            case_ref=ref,
            sequence=sequence,
            reason=body.reason,
            actor=who.actor,
            clock=ctx.clock,
            expected_version=expected,
            settings=ctx.settings,
            working_days=ctx.working_days,
        )
        with reading(request) as looked:
            view = _visible(request, looked, who, ref, None)
    except WorkflowError as err:
        return errors.refused(err, ["reference", "sequence", "reason", "expected_version"])
    return VoidedOut(
        case=CaseSummary.of(voided.case),
        void=_void_of(voided),
        deadlines=[DeadlineOut.of(d) for d in view.evaluation.deadlines],
    )


@router.post(
    "/api/cases/{ref:path}/events/{sequence}/correct",
    response_model=CorrectedOut,
    status_code=201,
    responses=CHANGE,
    summary="Correct a recorded event's date or fields",
)
def correct(
    request: Request,
    session: Db,
    who: Who,
    ref: Reference,
    sequence: EventNumber,
    body: CorrectIn,
    if_match: IfMatch = None,
) -> CorrectedOut | JSONResponse:
    """Correct an event: it is voided and the corrected event recorded in its place
    (same type, the next sequence), in one change.

    Send only what changes: `date`, `note` or the event's own fields (`null` clears an
    optional one), with the reason. Refused (422) if it changes nothing or if the
    corrected history is invalid (naming the later events that could then not happen);
    409 if the event was already voided or the case changed since the version you read.
    """
    ctx = context(request)
    change: dict[str, Any] = dict(body.model_extra or {})
    if "note" in body.model_fields_set:
        change["note"] = body.note  # null clears it
    fields = ["reference", "sequence", "date", "note", "reason", "expected_version", *change]
    try:
        expected = _expected_version(body.expected_version, if_match)
        with reading(request) as looked:
            event_type = _check_event(request, looked, who, ref, sequence)
            fields.extend(EVENT_FIELDS[event_type])
            refuse_if_stale(looked, ref, expected)
        corrected = correct_event(
            projections=ctx.projections,
            session=session,
            case_ref=ref,
            sequence=sequence,
            date=body.date,
            fields=change,
            reason=body.reason,
            actor=who.actor,
            clock=ctx.clock,
            expected_version=expected,
            settings=ctx.settings,
            working_days=ctx.working_days,
        )
        with reading(request) as looked:
            view = _visible(request, looked, who, ref, None)
    except WorkflowError as err:
        return errors.refused(err, fields)
    assert corrected.replacement is not None
    return CorrectedOut(
        case=CaseSummary.of(corrected.case),
        void=_void_of(corrected),
        event=EventOut.of(corrected.replacement),
        deadlines=[DeadlineOut.of(d) for d in view.evaluation.deadlines],
    )


def _check_event(
    request: Request, session: Session, who: auth.Principal, ref: str, sequence: int
) -> EventType:
    """The type of the case's event `sequence`, voided or not, if the caller may see the case.

    A case the caller cannot see, or a sequence the case never had, is 404 (an event
    already voided is the service's 409). Events are never deleted, so what this read
    finds is still there when the write looks.
    """
    view = _visible(request, session, who, ref, None)
    for event in view.events:
        if event.sequence == sequence:
            return EventType(event.type)
    for correction in view.corrections:
        if correction.sequence == sequence:
            return EventType(correction.type)
    raise NotFound(f"Case {view.case.reference} has no event {sequence}")


def _void_of(result: Voided) -> CorrectionOut:
    event, void = result.voided, result.void
    return CorrectionOut.of(
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
    )
