"""Recording an event on a case: choose from the events its state accepts, fill in
that event's fields (GOV.UK date inputs, selects for the enumerated ones, a note), then
check the answers and what the event will do before it is saved (GOV.UK "Check your
answers": `workflow.preview` works out the deadlines it starts, meets or ends, the
windows it opens, and the letters it makes).

The check page posts the answers, as hidden fields, to the save; each of its Change
buttons posts them back to the form instead (answers, notes included, stay out of
addresses and browser history). Every step carries the case version it was read at: if
the case changed since, nothing is saved and the page says so (409).

Saving runs in a worker thread (a sync route), never on the event loop, and only the save
itself takes the write lock: the case is read, before and for the 409 page, and checked,
in read-only sessions, so twelve officers saving at once queue for the lock only as long
as each save.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from letters.catalogue import letters_for_event, letters_needing
from letters.recipients import family_recipient, missing_for
from letters.store import people_of
from web import auth
from web.deps import context, db, posted_form, reading
from web.event_forms import (
    EVENT_LABELS,
    WINDOW_LABELS,
    EventAnswers,
    answer_rows,
    choice_label,
    event_choices,
    fields_for,
    form_values,
    read_event_form,
)
from web.pages.cases import read_case, read_case_read_only
from web.templating import case_path, render
from workflow import service
from workflow.case_writes import fields_json
from workflow.errors import ConcurrentUpdate, WorkflowError
from workflow.law.events import Event, parse_event
from workflow.law.machine import accepts
from workflow.models import StoredEvent
from workflow.preview import preview_event
from workflow.service import CaseView

router = APIRouter(include_in_schema=False)

Casework = Annotated[auth.Principal, Depends(auth.allow(*auth.CASEWORK))]
Db = Annotated[Session, Depends(db)]


# Who must act on a deadline, in people's words.
PARTY_LABELS = {
    "local_authority": "The council",
    "adviser": "The adviser",
    "institution": "The school or college",
}
FAMILY = {"parent": "the parent or carer", "young_person": "the young person"}


REASONS = "letter_reasons"  # the form's field: the reasons for the decision, for the family
REASONS_MAX = 5000


def asks_reasons(event_type: str) -> bool:
    """Whether the event makes a letter that gives the family the reasons for a decision
    (`letters.catalogue`): the form asks for them, apart from the internal note."""
    return bool(letters_needing(event_type, "reasons"))


def _reasons(form: FormData, answers: EventAnswers, event_type: str) -> None:
    """Read the reasons field into the answers (shown again, posted on from the check
    page); never from the note."""
    if not asks_reasons(event_type):
        return
    text = str(form.get(REASONS) or "").replace("\r\n", "\n").strip()
    answers.shown[REASONS] = text
    if len(text) > REASONS_MAX:
        answers.errors[REASONS] = (
            f"Reasons for the decision must be {REASONS_MAX} characters or fewer"
        )


def letter_details(answers: EventAnswers) -> dict[str, str]:
    reasons = str(answers.shown.get(REASONS) or "")
    return {"reasons": reasons} if reasons else {}


def _choose_page(
    request: Request,
    view: CaseView,
    status_code: int = 200,
    chosen: str | None = None,
    **extra: Any,
) -> Response:
    likely, groups = event_choices(accepts(view.case.state), view.evaluation.deadlines)
    return render(
        request,
        "case_event.html",
        status_code=status_code,
        case=view.case,
        event_type=None,
        likely=likely,
        groups=groups,
        chosen=chosen,
        **extra,
    )


def _fields_page(
    request: Request,
    view: CaseView,
    event_type: str,
    version: str,
    opened: str,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    return render(
        request,
        "case_event.html",
        status_code=status_code,
        case=view.case,
        event_type=event_type,
        event_label=EVENT_LABELS[event_type],
        fields=fields_for(event_type),
        asks_reasons=asks_reasons(event_type),
        version=version,
        opened=opened,
        today=context(request).today(),
        shown=extra.pop("shown", {}),
        **extra,
    )


@router.get("/cases/{ref:path}/events/new")
def new_event(
    request: Request,
    ref: str,
    session: Db,
    who: Casework,
    event_type: Annotated[str | None, Query(alias="type", max_length=40)] = None,
    chosen: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """Step 1 without `type`: which event (`chosen` is selected, back from the check
    page). Step 2 with it: that event's details."""
    view = read_case(request, session, who, ref)
    if event_type is None:
        return _choose_page(request, view, chosen=chosen)
    if event_type not in accepts(view.case.state):
        errors = {"type": "Select the event to record"}
        return _choose_page(request, view, 400, errors=errors)
    opened = context(request).clock().replace(microsecond=0).isoformat()
    return _fields_page(request, view, event_type, str(view.case.version), opened)


@dataclass(frozen=True)
class _Checked:
    """A posted event form that passed the form's own checks (not yet the law's)."""

    event_type: str
    version: str
    opened: str
    answers: EventAnswers


def _check_form(
    request: Request, view: CaseView, form: FormData, who: auth.Principal
) -> _Checked | Response:
    """The form's checks, the same for the check step and the save: the page to answer
    with (400, 409 when the case moved on, or "already recorded" when it moved on by
    this very event), or the answers."""
    event_type = str(form.get("type") or "")
    version = str(form.get("version") or "")
    opened = str(form.get("opened") or "")
    stale = version != str(view.case.version)
    if event_type not in EVENT_LABELS:
        return _choose_page(request, view, 400, errors={"type": "Select the event to record"})
    if event_type not in accepts(view.case.state):
        if stale:  # the case moved on since the form was read: by this event, perhaps
            answers = read_event_form(form, event_type, context(request).today())
            return _stale_page(request, view, who, event_type, version, opened, answers)
        return _choose_page(request, view, 400, errors={"type": "Select the event to record"})
    answers = read_event_form(form, event_type, context(request).today())
    _reasons(form, answers, event_type)
    if not version.isdigit():
        answers.errors.setdefault("event", "Reload the page and record the event again")
    if answers.errors:
        return _fields_page(
            request,
            view,
            event_type,
            version,
            opened,
            400,
            shown=answers.shown,
            errors=answers.errors,
            anchors=answers.anchors,
        )
    return _Checked(event_type, version, opened, answers)


def _stale_page(
    request: Request,
    view: CaseView,
    who: auth.Principal,
    event_type: str,
    version: str,
    opened: str,
    answers: EventAnswers,
) -> Response:
    """The answer to a form read at an older version of the case: "already recorded"
    when the officer's own earlier post of this form recorded it (a double click, or
    back and submit again), else the 409 page (someone else changed the case)."""
    stored = None if answers.errors else recorded_already(view, answers.raw, who.actor, opened)
    if stored is not None:
        return render(
            request,
            "case_event.html",
            case=view.case,
            event_type=event_type,
            event_label=EVENT_LABELS[event_type],
            already=stored,
        )
    return _fields_page(
        request, view, event_type, version, opened, 409, shown=answers.shown, conflict=True
    )


def recorded_already(
    view: CaseView, raw: Mapping[str, Any], actor: str, opened: str
) -> StoredEvent | None:
    """The event of the case's effective history that an earlier post of this same form
    recorded: the same type, date, fields and note, recorded by `actor` at or after the
    form was opened (`opened`, carried in the form). None when there is none, or the
    form does not say when it was opened. Nothing new is stored to know it."""
    try:
        since = datetime.fromisoformat(opened)
        event = parse_event(raw)
    except (ValueError, WorkflowError):
        return None
    if since.tzinfo is None:
        return None
    fields = fields_json(event)
    for stored in reversed(view.events):
        if (
            stored.recorded_by == actor
            and stored.recorded_at >= since
            and stored.type == event.type.value
            and stored.date == event.date
            and stored.fields == fields
            and stored.note == event.note
        ):
            return stored
    return None


@router.post("/cases/{ref:path}/events/change", dependencies=[Depends(auth.check_csrf)])
def change_answers(
    request: Request,
    ref: str,
    who: Casework,
    form: Annotated[FormData, Depends(posted_form)],
) -> Response:
    """A Change button of the check page: the form again, with the answers as entered."""
    view = read_case_read_only(request, who, ref)
    checked = _check_form(request, view, form, who)
    if isinstance(checked, Response):
        return checked
    return _fields_page(
        request,
        view,
        checked.event_type,
        checked.version,
        checked.opened,
        shown=checked.answers.shown,
    )


@router.post("/cases/{ref:path}/events/check", dependencies=[Depends(auth.check_csrf)])
def check_answers(
    request: Request,
    ref: str,
    who: Casework,
    form: Annotated[FormData, Depends(posted_form)],
) -> Response:
    """Check your answers: the event and what it will do, worked out and not saved.

    The law's refusal sends the officer back to the form with its message, as the save
    would; a stale version gives the 409 page.
    """
    ctx = context(request)
    with reading(request) as session:
        view = read_case(request, session, who, ref)
        checked = _check_form(request, view, form, who)
        if isinstance(checked, Response):
            return checked
        event_type, version, answers = checked.event_type, checked.version, checked.answers
        opened = checked.opened
        try:
            preview = preview_event(
                session=session,
                case_ref=view.case.reference,
                event=answers.raw,
                clock=ctx.clock,
                expected_version=int(version),
                settings=ctx.settings,
                working_days=ctx.working_days,
            )
        except ConcurrentUpdate:
            return _stale_page(request, view, who, event_type, version, opened, answers)
        except WorkflowError as e:
            errors = {"event": str(e)}
            return _fields_page(
                request, view, event_type, version, opened, 400, shown=answers.shown, errors=errors
            )
        people = people_of(session, preview.case)
    today = ctx.today()
    changes = preview.changes
    return render(
        request,
        "case_event_check.html",
        case=view.case,
        event_type=event_type,
        event_label=EVENT_LABELS[event_type],
        version=version,
        opened=opened,
        rows=answer_rows(answers, event_type),
        hidden=form_values(answers),
        changes=changes,
        window_labels=WINDOW_LABELS,
        party_labels=PARTY_LABELS,
        letters=letters_to_come(preview.event, people, today, letter_details(answers)),
        reasons=letter_details(answers).get("reasons"),
        asks_reasons=asks_reasons(event_type),
        today=today,
    )


@dataclass(frozen=True)
class LetterToCome:
    """A letter the event will make, as the check page names it."""

    title: str
    to: str
    waits_for: list[str]  # details it needs before it can be written (as the case page says)


def letters_to_come(
    event: Event,
    people: Mapping[str, Any],
    today: date,
    details: Mapping[str, Any] | None = None,
) -> list[LetterToCome]:
    """The letters of `event` (`letters.catalogue`), whom each is to and what it waits for
    (`details`: the letter details given with the event, such as the reasons)."""
    given = details or {}
    out = []
    for spec in letters_for_event(event):
        role: str | None
        if spec.audience == "adviser":
            role = "adviser"
            to = f"the {choice_label(str(event.get('advice'))).lower()} adviser"
        else:
            dob = people.get("date_of_birth")
            role = family_recipient(dob, today) if dob else None
            to = FAMILY.get(role or "", "the family")
        waits_for = missing_for(spec.audience, role, people) + [
            f for f in spec.letter_fields if not given.get(f)
        ]
        out.append(LetterToCome(spec.title, to, waits_for))
    return out


@router.post("/cases/{ref:path}/events", dependencies=[Depends(auth.check_csrf)])
def record(
    request: Request,
    ref: str,
    session: Db,
    who: Casework,
    form: Annotated[FormData, Depends(posted_form)],
) -> Response:
    """Save the event (from the check page, or posted directly: the same checks)."""
    ctx = context(request)
    view = read_case_read_only(request, who, ref)
    checked = _check_form(request, view, form, who)
    if isinstance(checked, Response):
        return checked
    event_type, version, answers = checked.event_type, checked.version, checked.answers
    opened = checked.opened
    if int(version) != view.case.version:  # refused without queueing for the write lock
        return _stale_page(request, view, who, event_type, version, opened, answers)
    try:
        recorded = service.record_event(
            projections=context(request).projections,
            session=session,
            case_ref=view.case.reference,
            event=answers.raw,
            actor=who.actor,
            clock=ctx.clock,
            expected_version=int(version),
            settings=ctx.settings,
            working_days=ctx.working_days,
            letter_details=letter_details(answers),
        )
    except ConcurrentUpdate:
        # The save was rolled back: draw the page from a fresh read-only read, so drawing
        # it takes no write lock for the other savers to wait on.
        view = read_case_read_only(request, who, ref)
        return _stale_page(request, view, who, event_type, version, opened, answers)
    except WorkflowError as e:
        errors = {"event": str(e)}
        return _fields_page(
            request, view, event_type, version, opened, 400, shown=answers.shown, errors=errors
        )
    return RedirectResponse(
        f"{case_path(view.case.reference)}?recorded={recorded.event.sequence}", status_code=303
    )
