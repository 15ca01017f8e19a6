"""Opening a case: an officer records the request and the case opens with its first event.

Its routes are declared before the case page's /cases/{ref:path}, which would match "new".
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from web import auth
from web.date_input import read_date
from web.deps import context, db, posted_form, reading
from web.event_forms import choice_label
from web.templating import case_path, render
from workflow import service, teams
from workflow.case_writes import check_reference, check_text
from workflow.errors import ConcurrentUpdate, InvalidInput, WorkflowError
from workflow.law.events import REQUEST_SOURCES

router = APIRouter(include_in_schema=False)

Casework = Annotated[auth.Principal, Depends(auth.allow(*auth.CASEWORK))]
Db = Annotated[Session, Depends(db)]
Form = Annotated[FormData, Depends(posted_form)]


def _new_case_form(
    request: Request, who: auth.Principal, status_code: int = 200, **extra: Any
) -> Response:
    shown: dict[str, Any] = {"officer": who.user.email if who.user.role == "officer" else ""}
    shown.update(extra.pop("shown", {}))
    # The choices: the council's teams, and the active officers (an officer's own team's).
    with reading(request) as read:
        team_choices = [(t, t) for t in teams.team_names(read)]
        own_team = who.user.team if who.user.role == "officer" else None
        officers = [
            (u.email, f"{u.name} ({u.team})" if u.team else u.name)
            for u in teams.holders(read, team=own_team)
        ]
    return render(
        request,
        "case_new.html",
        status_code=status_code,
        shown=shown,
        sources=[(s, choice_label(s)) for s in REQUEST_SOURCES],
        team_choices=team_choices,
        officer_choices=officers,
        today=context(request).today(),
        **extra,
    )


@router.get("/cases/new")
def new_case_page(request: Request, who: Casework) -> Response:
    return _new_case_form(request, who)


@router.post("/cases/new", dependencies=[Depends(auth.check_csrf)])
def new_case(request: Request, session: Db, who: Casework, form: Form) -> Response:
    """An officer records a request: the case opens with its first event."""
    ctx = context(request)
    shown: dict[str, Any] = {
        name: str(form.get(name) or "").strip() for name in ("reference", "team", "officer")
    }
    shown["source"] = str(form.get("source") or "")
    shown["note"] = str(form.get("note") or "").strip()
    if who.user.role == "officer":
        shown["team"] = who.user.team or ""  # an officer opens cases in their own team
    errors: dict[str, str] = {}
    try:
        reference = check_reference(shown["reference"])
    except InvalidInput as e:
        errors["reference"] = str(e)
    if not shown["team"]:
        errors["team"] = "Select the team"
    elif len(shown["team"]) > 100:
        errors["team"] = "Team must be 100 characters or fewer"
    if len(shown["officer"]) > 320:
        errors["officer"] = "Select the officer from the list"
    for name, label in (("team", "Team"), ("officer", "Officer"), ("note", "Note")):
        try:
            check_text(shown[name], label=label, field=name, lines=name == "note")
        except InvalidInput as e:
            errors[name] = str(e)
    when = read_date(form, "date", "Date the request was received", latest=ctx.today())
    shown["date"] = when.entered
    anchors = {}
    if when.error:
        errors["date"], anchors["date"] = when.error, when.anchor
    if shown["source"] not in REQUEST_SOURCES:
        errors["source"] = "Select who made the request"
    if errors:
        return _new_case_form(request, who, 400, shown=shown, errors=errors, anchors=anchors)
    assert when.value is not None
    event: dict[str, Any] = {
        "type": "request_received",
        "date": when.value.isoformat(),
        "source": shown["source"],
    }
    if shown["note"]:
        event["note"] = shown["note"]
    try:
        recorded = service.record_event(
            projections=context(request).projections,
            session=session,
            case_ref=shown["reference"],
            event=event,
            actor=who.actor,
            clock=ctx.clock,
            expected_version=0,  # only a new reference: never add to an existing case
            settings=ctx.settings,
            working_days=ctx.working_days,
            case_fields={"team": shown["team"], "officer": shown["officer"] or None},
        )
    except ConcurrentUpdate:
        with reading(request) as read:  # the save rolled back: look without the write lock
            errors["reference"] = _taken(read, who, reference)
        return _new_case_form(request, who, 400, shown=shown, errors=errors)
    except WorkflowError as e:
        field = e.field if e.field in ("team", "officer", "note") else "reference"
        # The form names the field: its message need not repeat the case ("Case X: ...").
        errors[field] = str(e).split(": ", 1)[-1] if field in ("team", "officer") else str(e)
        return _new_case_form(request, who, 400, shown=shown, errors=errors)
    return RedirectResponse(f"{case_path(recorded.case.reference)}?recorded=1", status_code=303)


def _taken(session: Session, who: auth.Principal, reference: str) -> str:
    """Why a reference that is in use cannot open a case, without telling an officer that
    another team has a case with it (the same words as for any reference they cannot use)."""
    existing = service.find_case(session=session, case_ref=reference)
    if existing is not None and who.can_see_team(existing.team):
        return f"There is already a case {reference}. Enter a different reference"
    return f"You cannot use the reference {reference}. Enter a different reference"
