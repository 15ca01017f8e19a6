"""Recording an event on a case: choose from the events its state accepts, then fill in
that event's fields (GOV.UK date inputs, selects for the enumerated ones, a note).

The form carries the case version it was read at: if the case changed since,
`service.record_event` saves nothing and the page says so (409).

Saving runs in a worker thread (a sync route), never on the event loop, and only the save
itself takes the write lock: the case is read, before and for the 409 page, in read-only
sessions, so twelve officers saving at once queue for the lock only as long as each save.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from web import auth
from web.deps import context, db, posted_form
from web.event_forms import EVENT_LABELS, fields_for, read_event_form
from web.pages.cases import read_case, read_case_read_only
from web.templating import case_path, render
from workflow import service
from workflow.errors import ConcurrentUpdate, WorkflowError
from workflow.law.machine import accepts
from workflow.service import CaseView

router = APIRouter(include_in_schema=False)

Casework = Annotated[auth.Principal, Depends(auth.allow(*auth.CASEWORK))]
Db = Annotated[Session, Depends(db)]


def _choose_page(
    request: Request, view: CaseView, status_code: int = 200, **extra: Any
) -> Response:
    choices = [(t, EVENT_LABELS[t]) for t in accepts(view.case.state)]
    return render(
        request,
        "case_event.html",
        status_code=status_code,
        case=view.case,
        event_type=None,
        choices=choices,
        **extra,
    )


def _fields_page(
    request: Request,
    view: CaseView,
    event_type: str,
    version: str,
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
        version=version,
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
) -> Response:
    """Step 1 without `type`: which event. Step 2 with it: that event's details."""
    view = read_case(request, session, who, ref)
    if event_type is None:
        return _choose_page(request, view)
    if event_type not in accepts(view.case.state):
        errors = {"type": "Select the event to record"}
        return _choose_page(request, view, 400, errors=errors)
    return _fields_page(request, view, event_type, str(view.case.version))


@router.post("/cases/{ref:path}/events", dependencies=[Depends(auth.check_csrf)])
def record(
    request: Request,
    ref: str,
    session: Db,
    who: Casework,
    form: Annotated[FormData, Depends(posted_form)],
) -> Response:
    ctx = context(request)
    view = read_case_read_only(request, who, ref)
    event_type = str(form.get("type") or "")
    version = str(form.get("version") or "")
    stale = version != str(view.case.version)
    if event_type not in EVENT_LABELS:
        return _choose_page(request, view, 400, errors={"type": "Select the event to record"})
    if event_type not in accepts(view.case.state):
        if stale:  # the case moved on since the form was read
            return _fields_page(request, view, event_type, version, 409, conflict=True)
        return _choose_page(request, view, 400, errors={"type": "Select the event to record"})
    answers = read_event_form(form, event_type, ctx.today())
    if not version.isdigit():
        answers.errors.setdefault("event", "Reload the page and record the event again")
    if answers.errors:
        return _fields_page(
            request,
            view,
            event_type,
            version,
            400,
            shown=answers.shown,
            errors=answers.errors,
            anchors=answers.anchors,
        )
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
        )
    except ConcurrentUpdate:
        # The save was rolled back: draw the page from a fresh read-only read, so drawing
        # it takes no write lock for the other savers to wait on.
        view = read_case_read_only(request, who, ref)
        return _fields_page(
            request, view, event_type, version, 409, shown=answers.shown, conflict=True
        )
    except WorkflowError as e:
        errors = {"event": str(e)}
        return _fields_page(
            request, view, event_type, version, 400, shown=answers.shown, errors=errors
        )
    return RedirectResponse(
        f"{case_path(view.case.reference)}?recorded={recorded.event.sequence}", status_code=303
    )
