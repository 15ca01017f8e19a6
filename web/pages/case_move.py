"""Moving a case to another team or officer (managers), from the case page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from web import auth
from web.deps import context, db, posted_form, reading
from web.pages.cases import case_page, read_case_read_only
from web.templating import case_path
from workflow.assignments import reassign_case
from workflow.errors import ConcurrentUpdate, WorkflowError

router = APIRouter(include_in_schema=False)

Manager = Annotated[auth.Principal, Depends(auth.allow("manager"))]
Db = Annotated[Session, Depends(db)]
Form = Annotated[FormData, Depends(posted_form)]


@router.post("/cases/{ref:path}/reassign", dependencies=[Depends(auth.check_csrf)])
def reassign(request: Request, ref: str, session: Db, who: Manager, form: Form) -> Response:
    view = read_case_read_only(request, who, ref)
    shown = {name: str(form.get(name) or "").strip() for name in ("team", "officer", "version")}
    errors: dict[str, str] = {}
    if not shown["team"]:
        errors["team"] = "Enter the team the case moves to"
    elif len(shown["team"]) > 100:
        errors["team"] = "Team must be 100 characters or fewer"
    if len(shown["officer"]) > 100:
        errors["officer"] = "Officer must be 100 characters or fewer"
    if not shown["version"].isdigit():
        errors["team"] = errors.get("team") or "Reload the page and try again"
    if errors:
        return _moved_page(request, who, ref, status_code=400, errors=errors, move=shown)
    try:
        reassign_case(
            session=session,
            case_ref=view.case.reference,
            team=shown["team"],
            officer=shown["officer"] or None,
            actor=who.actor,
            clock=context(request).clock,
            expected_version=int(shown["version"]),
        )
    except ConcurrentUpdate:
        return _moved_page(request, who, ref, status_code=409, conflict=True, move=shown)
    except WorkflowError as e:
        errors["officer" if e.field == "officer" else "team"] = str(e).split(": ", 1)[-1]
        return _moved_page(request, who, ref, status_code=400, errors=errors, move=shown)
    return RedirectResponse(f"{case_path(view.case.reference)}?reassigned=1", status_code=303)


def _moved_page(request: Request, who: auth.Principal, ref: str, **extra: Any) -> Response:
    """The case page after a refused move, drawn from a read-only session (no write lock)."""
    with reading(request) as session:
        return case_page(request, session, who, ref, **extra)
