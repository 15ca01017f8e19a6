"""Correcting or voiding a recorded event (issue 18), with "Check your answers" first.

Correct: the event's form, filled in with what was recorded, and a required reason; then
a check page with the answers before and after (the changed ones marked), what the
correction will do (`workflow.preview.preview_correction`: deadlines moved, met, started
or removed, windows) and the letters it withdraws and makes; then the save
(`service.correct_event`). Void: a reason, a check page (the event, what voiding it does,
the letters withdrawn), the save (`service.void_event`).

As for recording: every step carries the case version it was read at (409 when the case
moved on, refused before the write queues for the lock); the check steps and the pages
drawn for refusals read in read-only sessions; the law's refusal (naming the later events
that depend on the event) is shown on the form (400). Answers stay in posted forms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from letters import service as letter_service
from letters.catalogue import CATALOGUE
from letters.models import Letter
from letters.store import people_of
from web import auth
from web.date_input import PARTS
from web.deps import context, db, posted_form, reading, refuse_if_stale
from web.event_forms import (
    EVENT_LABELS,
    NOTE,
    WINDOW_LABELS,
    AnswerRow,
    EventAnswers,
    answer_rows,
    fields_for,
    form_values,
    read_event_form,
)
from web.pages.case_events import PARTY_LABELS, letters_to_come
from web.pages.cases import read_case
from web.templating import case_path, render
from workflow import service
from workflow.case_writes import check_text
from workflow.clock import LONDON
from workflow.corrections import MAX_REASON
from workflow.errors import ConcurrentUpdate, InvalidInput, WorkflowError
from workflow.law.calendar import govuk_date
from workflow.models import StoredEvent
from workflow.preview import CorrectionPreview, preview_correction, preview_void
from workflow.service import CaseView

router = APIRouter(include_in_schema=False)

Casework = Annotated[auth.Principal, Depends(auth.allow(*auth.CASEWORK))]
Db = Annotated[Session, Depends(db)]
Form = Annotated[FormData, Depends(posted_form)]

REASON = "reason"
REASON_LABEL = "Reason for the correction"
VOID_REASON_LABEL = "Reason for voiding the event"


def _event_of(view: CaseView, sequence: int) -> StoredEvent:
    """The case's effective event with this sequence: 409 for one already voided (a second
    click of Save, or someone else first), 404 for an unknown one."""
    for row in view.events:
        if row.sequence == sequence:
            return row
    for c in view.corrections:
        if c.sequence == sequence:
            done = "corrected" if c.replaced_by else "voided"
            on = govuk_date(c.voided_at.astimezone(LONDON).date())
            raise HTTPException(
                status_code=409,
                detail=f"Case {view.case.reference}: this event was already {done} by "
                f"{c.voided_by} on {on}. Nothing was saved. Look at the case again.",
            )
    raise HTTPException(status_code=404)


def _read(request: Request, who: auth.Principal, ref: str) -> CaseView:
    with reading(request) as session:
        return read_case(request, session, who, ref)


def recorded_answers(row: StoredEvent) -> EventAnswers:
    """A recorded event as its form's answers: to fill the form in, and to compare with."""
    raw: dict[str, Any] = {"type": row.type, "date": row.date.isoformat(), **row.fields}
    shown: dict[str, Any] = {"date": _parts(row.date)}
    for f in fields_for(row.type):
        value = row.fields.get(f.name)
        if f.kind == "date":
            shown[f.name] = _parts(date.fromisoformat(str(value))) if value else {}
        else:
            shown[f.name] = "" if value is None else str(value)
    shown[NOTE] = row.note or ""
    if row.note:
        raw[NOTE] = row.note
    return EventAnswers(raw=raw, shown=shown, errors={}, anchors={})


def _parts(day: date) -> dict[str, str]:
    return dict(zip(PARTS, (str(day.day), str(day.month), str(day.year)), strict=True))


def _read_reason(form: FormData, label: str, errors: dict[str, str]) -> str:
    reason = str(form.get(REASON) or "").strip()
    if not reason:
        errors[REASON] = f"Enter the {label[0].lower()}{label[1:]}"
    elif len(reason) > MAX_REASON:
        errors[REASON] = f"{label} must be {MAX_REASON} characters or fewer"
    else:
        try:
            check_text(reason, label=label, field=REASON, lines=True)
        except InvalidInput as e:
            errors[REASON] = str(e)
    return reason


# -- correcting ------------------------------------------------------------------------


def _correct_form(
    request: Request,
    view: CaseView,
    row: StoredEvent,
    version: str,
    *,
    shown: dict[str, Any] | None = None,
    reason: str = "",
    status_code: int = 200,
    **extra: Any,
) -> Response:
    return render(
        request,
        "case_correction.html",
        status_code=status_code,
        case=view.case,
        row=row,
        event_label=EVENT_LABELS.get(row.type, row.type),
        fields=fields_for(row.type),
        version=version,
        shown=shown if shown is not None else recorded_answers(row).shown,
        reason=reason,
        today=context(request).today(),
        **extra,
    )


@router.get("/cases/{ref:path}/events/{sequence:int}/correct")
def correct_form(request: Request, ref: str, sequence: int, session: Db, who: Casework) -> Response:
    """The event's form, filled in with what was recorded, and the reason."""
    view = read_case(request, session, who, ref)
    row = _event_of(view, sequence)
    return _correct_form(request, view, row, str(view.case.version))


@dataclass(frozen=True)
class _Posted:
    """A posted correction or void that passed the form's checks (not yet the law's)."""

    row: StoredEvent
    version: str
    reason: str
    answers: EventAnswers | None = None  # a correction's answers; a void has none

    def change(self) -> dict[str, Any]:
        """A correction's arguments to `correct_event` (and its preview): every field, so
        a field left blank is cleared."""
        assert self.answers is not None
        raw = self.answers.raw
        fields: dict[str, Any] = {f.name: raw.get(f.name) for f in fields_for(self.row.type)}
        fields[NOTE] = raw.get(NOTE)
        return {"date": raw["date"], "fields": fields}


def _again(
    request: Request, view: CaseView, posted: _Posted, status_code: int = 200, **extra: Any
) -> Response:
    """The correction's or the void's form again, as entered."""
    if posted.answers is None:
        return _void_form(
            request,
            view,
            posted.row,
            posted.version,
            reason=posted.reason,
            status_code=status_code,
            **extra,
        )
    return _correct_form(
        request,
        view,
        posted.row,
        posted.version,
        shown=posted.answers.shown,
        reason=posted.reason,
        status_code=status_code,
        **extra,
    )


def _refused(
    request: Request, who: auth.Principal, ref: str, view: CaseView, posted: _Posted, e: Exception
) -> Response:
    """The form again after the law or a newer version refused it: 409 for a case that
    moved on (read again, to show its new version), 400 with the law's reason."""
    if isinstance(e, ConcurrentUpdate):
        return _again(request, _read(request, who, ref), posted, 409, conflict=True)
    return _again(request, view, posted, 400, errors={"event": str(e)})


def _check_correction(
    request: Request, view: CaseView, sequence: int, form: FormData
) -> _Posted | Response:
    """The form's checks: the page to answer with (400, or 409), or the answers."""
    row = _event_of(view, sequence)
    version = str(form.get("version") or "")
    answers = read_event_form(form, row.type, context(request).today())
    errors = dict(answers.errors)
    reason = _read_reason(form, REASON_LABEL, errors)
    if not version.isdigit():
        errors.setdefault("event", "Reload the page and correct the event again")
    posted = _Posted(row, version, reason, answers)
    if errors:
        return _again(request, view, posted, 400, errors=errors, anchors=answers.anchors)
    return posted


Check = Callable[[Request, CaseView, int, FormData], _Posted | Response]


def _change_page(
    request: Request, who: auth.Principal, ref: str, sequence: int, form: FormData, check: Check
) -> Response:
    """A Change button of a check page: the form again, as entered."""
    view = _read(request, who, ref)
    checked = check(request, view, sequence, form)
    return checked if isinstance(checked, Response) else _again(request, view, checked)


@router.post(
    "/cases/{ref:path}/events/{sequence:int}/correct/change",
    dependencies=[Depends(auth.check_csrf)],
)
def change_correction(
    request: Request, ref: str, sequence: int, who: Casework, form: Form
) -> Response:
    return _change_page(request, who, ref, sequence, form, _check_correction)


@dataclass(frozen=True)
class ChangedRow:
    """One answer before and after the correction."""

    key: str
    before: str
    after: str
    anchor: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _changed_rows(before: list[AnswerRow], after: list[AnswerRow]) -> list[ChangedRow]:
    return [
        ChangedRow(b.key, b.value, a.value, a.anchor) for b, a in zip(before, after, strict=True)
    ]


def _check_page(
    request: Request,
    view: CaseView,
    posted: _Posted,
    preview: CorrectionPreview,
    withdrawn: list[LetterWithdrawn],
    letters: list[Any],
) -> Response:
    """Check your answers: before and after (a void's rows stay as they are), what the
    change will do, and the letters it withdraws and makes."""
    row = posted.row
    before = answer_rows(recorded_answers(row), row.type)
    if posted.answers is None:
        rows = [ChangedRow(r.key, r.value, r.value, r.anchor) for r in before]
        hidden = [(REASON, posted.reason)]
    else:
        rows = _changed_rows(before, answer_rows(posted.answers, row.type))
        hidden = [*form_values(posted.answers), (REASON, posted.reason)]
    return render(
        request,
        "case_correction_check.html",
        case=view.case,
        row=row,
        event_label=EVENT_LABELS.get(row.type, row.type),
        version=posted.version,
        voiding=posted.answers is None,
        rows=rows,
        hidden=hidden,
        reason=posted.reason,
        changes=preview.changes,
        window_labels=WINDOW_LABELS,
        party_labels=PARTY_LABELS,
        withdrawn=withdrawn,
        letters=letters,
        today=context(request).today(),
    )


@router.post(
    "/cases/{ref:path}/events/{sequence:int}/correct/check",
    dependencies=[Depends(auth.check_csrf)],
)
def check_correction(
    request: Request, ref: str, sequence: int, who: Casework, form: Form
) -> Response:
    """Check your answers: before and after, and what the correction will do; not saved."""
    ctx = context(request)
    with reading(request) as session:
        view = read_case(request, session, who, ref)
        checked = _check_correction(request, view, sequence, form)
        if isinstance(checked, Response):
            return checked
        try:
            preview = preview_correction(
                session=session,
                case_ref=view.case.reference,
                sequence=sequence,
                clock=ctx.clock,
                expected_version=int(checked.version),
                settings=ctx.settings,
                working_days=ctx.working_days,
                **checked.change(),
            )
        except WorkflowError as e:
            return _refused(request, who, ref, view, checked, e)
        people = people_of(session, view.case)
        withdrawn = _letters_withdrawn(session, view, checked.row)
    assert preview.replacement is not None
    made = letters_to_come(preview.replacement, people, ctx.today())
    return _check_page(request, view, checked, preview, withdrawn, made)


def _save(
    request: Request,
    who: auth.Principal,
    ref: str,
    sequence: int,
    form: FormData,
    check: Check,
    write: Callable[[_Posted, CaseView], str],
) -> Response:
    """Save a correction or a void (from the check page, or posted directly: the same
    checks), refusing a stale version before queueing for the write lock; `write` saves
    and gives the case page's query that announces it."""
    view = _read(request, who, ref)
    checked = check(request, view, sequence, form)
    if isinstance(checked, Response):
        return checked
    try:
        with reading(request) as read:
            refuse_if_stale(read, view.case.reference, int(checked.version))
        done = write(checked, view)
    except WorkflowError as e:
        return _refused(request, who, ref, view, checked, e)
    return RedirectResponse(f"{case_path(view.case.reference)}?{done}", status_code=303)


@router.post(
    "/cases/{ref:path}/events/{sequence:int}/correct", dependencies=[Depends(auth.check_csrf)]
)
def save_correction(
    request: Request, ref: str, sequence: int, session: Db, who: Casework, form: Form
) -> Response:
    ctx = context(request)

    def write(posted: _Posted, view: CaseView) -> str:
        done = service.correct_event(
            session=session,
            case_ref=view.case.reference,
            sequence=sequence,
            reason=posted.reason,
            actor=who.actor,
            clock=ctx.clock,
            projections=ctx.projections,
            expected_version=int(posted.version),
            settings=ctx.settings,
            working_days=ctx.working_days,
            **posted.change(),
        )
        assert done.replacement is not None
        return f"corrected={done.replacement.sequence}"

    return _save(request, who, ref, sequence, form, _check_correction, write)


# -- voiding ---------------------------------------------------------------------------


def _void_form(
    request: Request,
    view: CaseView,
    row: StoredEvent,
    version: str,
    *,
    reason: str = "",
    status_code: int = 200,
    **extra: Any,
) -> Response:
    return render(
        request,
        "case_void.html",
        status_code=status_code,
        case=view.case,
        row=row,
        event_label=EVENT_LABELS.get(row.type, row.type),
        rows=answer_rows(recorded_answers(row), row.type),
        version=version,
        reason=reason,
        **extra,
    )


@router.get("/cases/{ref:path}/events/{sequence:int}/void")
def void_form(request: Request, ref: str, sequence: int, session: Db, who: Casework) -> Response:
    """The event to void, and the reason."""
    view = read_case(request, session, who, ref)
    return _void_form(request, view, _event_of(view, sequence), str(view.case.version))


def _check_void(
    request: Request, view: CaseView, sequence: int, form: FormData
) -> _Posted | Response:
    row = _event_of(view, sequence)
    version = str(form.get("version") or "")
    errors: dict[str, str] = {}
    reason = _read_reason(form, VOID_REASON_LABEL, errors)
    if not version.isdigit():
        errors.setdefault("event", "Reload the page and void the event again")
    posted = _Posted(row, version, reason)
    if errors:
        return _again(request, view, posted, 400, errors=errors)
    return posted


@router.post(
    "/cases/{ref:path}/events/{sequence:int}/void/change", dependencies=[Depends(auth.check_csrf)]
)
def change_void(request: Request, ref: str, sequence: int, who: Casework, form: Form) -> Response:
    return _change_page(request, who, ref, sequence, form, _check_void)


@router.post(
    "/cases/{ref:path}/events/{sequence:int}/void/check", dependencies=[Depends(auth.check_csrf)]
)
def check_void(request: Request, ref: str, sequence: int, who: Casework, form: Form) -> Response:
    """Check your answers: the event that will be voided and what voiding it does."""
    ctx = context(request)
    with reading(request) as session:
        view = read_case(request, session, who, ref)
        checked = _check_void(request, view, sequence, form)
        if isinstance(checked, Response):
            return checked
        try:
            preview = preview_void(
                session=session,
                case_ref=view.case.reference,
                sequence=sequence,
                expected_version=int(checked.version),
                settings=ctx.settings,
                working_days=ctx.working_days,
            )
        except WorkflowError as e:
            return _refused(request, who, ref, view, checked, e)
        withdrawn = _letters_withdrawn(session, view, checked.row)
    return _check_page(request, view, checked, preview, withdrawn, letters=[])


@router.post(
    "/cases/{ref:path}/events/{sequence:int}/void", dependencies=[Depends(auth.check_csrf)]
)
def save_void(
    request: Request, ref: str, sequence: int, session: Db, who: Casework, form: Form
) -> Response:
    ctx = context(request)

    def write(posted: _Posted, view: CaseView) -> str:
        service.void_event(
            session=session,
            case_ref=view.case.reference,
            sequence=sequence,
            reason=posted.reason,
            actor=who.actor,
            clock=ctx.clock,
            projections=ctx.projections,
            expected_version=int(posted.version),
            settings=ctx.settings,
            working_days=ctx.working_days,
        )
        return f"voided={sequence}"

    return _save(request, who, ref, sequence, form, _check_void, write)


# -- the letters a void withdraws ------------------------------------------------------


@dataclass(frozen=True)
class LetterWithdrawn:
    """A standing letter of the event, which the void or correction will withdraw."""

    title: str
    to: str
    made_on: str  # "dated 20 November 2026", or "still waiting for details"
    downloads: int  # copies taken of it (downloads and prints): it may have gone out


def _letters_withdrawn(session: Session, view: CaseView, row: StoredEvent) -> list[LetterWithdrawn]:
    letters = letter_service.list_letters(session=session, case_ref=view.case.reference)
    gone = {
        w.letter.id
        for w in letter_service.withdrawn_letters(session=session, case_ref=view.case.reference)
    }
    of_event = [x for x in letters if x.event_id == row.id and x.id not in gone]
    copies = letter_service.download_counts(
        session=session, letter_ids=[x.id for x in of_event if x.id]
    )
    return [_withdrawn(x, copies.get(x.id or 0, 0)) for x in of_event]


def _withdrawn(letter: Letter, downloads: int) -> LetterWithdrawn:
    spec = CATALOGUE.get(letter.type)
    to = letter.recipient.replace("_", " ") + (" (copy)" if letter.is_copy else "")
    made = (
        f"dated {govuk_date(letter.letter_date)}"
        if letter.letter_date
        else "still waiting for details"
    )
    return LetterWithdrawn(spec.title if spec else letter.type, to, made, downloads)
