"""The unassigned queue, for managers: open cases with no officer, or whose officer's
account is deactivated (an officer leaving), by team, most urgent first; tick several
and move them to an officer at once (`workflow.assignments.reassign_cases`: all or
nothing, and a case someone changed meanwhile is reported, not overwritten).

Declared before the case page's /cases/{ref:path}, which would match "unassigned".
"""

from __future__ import annotations

from itertools import groupby
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from web import auth
from web.deps import context, db, posted_form, reading
from web.templating import render
from workflow import teams
from workflow.assignments import CasesChanged, reassign_cases
from workflow.caseload import unassigned_cases
from workflow.errors import WorkflowError

router = APIRouter(include_in_schema=False)

Manager = Annotated[auth.Principal, Depends(auth.allow("manager"))]
Db = Annotated[Session, Depends(db)]
Form = Annotated[FormData, Depends(posted_form)]


def _page(request: Request, team: str, status_code: int = 200, **extra: Any) -> Response:
    ctx = context(request)
    with reading(request) as read:
        items = unassigned_cases(read, as_of=ctx.today(), team=team or None)
        team_choices = [(t, t) for t in teams.team_names(read)]
        officers = [
            (u.email, f"{u.name} ({u.team})" if u.team else u.name) for u in teams.holders(read)
        ]
    groups = [(name, list(rows)) for name, rows in groupby(items, key=lambda i: i.team)]
    return render(
        request, "unassigned.html", status_code=status_code, groups=groups, total=len(items),
        team=team, team_choices=team_choices, officer_choices=officers, today=ctx.today(),
        **{"errors": {}, "chosen": {}, "moved": None, **extra},
    )  # fmt: skip


@router.get("/cases/unassigned")
def unassigned_page(request: Request, who: Manager, team: str = "", moved: str = "") -> Response:
    return _page(request, team.strip()[:100], moved=int(moved) if moved.isdigit() else None)


def move_errors(chosen: dict[str, int], officer: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not chosen:
        errors["cases"] = "Select the cases to move"
    if not officer:
        errors["to_officer"] = "Select the officer to move the cases to"
    return errors


def refusal(e: WorkflowError) -> dict[str, str]:
    """A refused move's message, on the field it is about (without "Moving cases: ")."""
    field = {"officer": "to_officer", "team": "to_team"}.get(e.field or "", "cases")
    return {field: str(e).split(": ", 1)[-1]}


def chosen_cases(form: FormData) -> dict[str, int]:
    """The ticked cases: each checkbox's value is "version:reference" as the list read it."""
    chosen: dict[str, int] = {}
    for value in form.getlist("cases"):
        version, _, ref = str(value).partition(":")
        if version.isdigit() and ref:
            chosen[ref] = int(version)
    return chosen


@router.post("/cases/unassigned", dependencies=[Depends(auth.check_csrf)])
def move_cases(request: Request, session: Db, who: Manager, form: Form) -> Response:
    chosen = chosen_cases(form)
    officer = str(form.get("to_officer") or "").strip()
    team = str(form.get("to_team") or "").strip()
    listed = str(form.get("listed_team") or "").strip()[:100]
    errors = move_errors(chosen, officer)
    shown = {"to_officer": officer, "to_team": team, "cases": set(chosen)}
    if errors:
        session.rollback()
        return _page(request, listed, 400, errors=errors, chosen=shown)
    try:
        moved = reassign_cases(
            session=session,
            cases=chosen,
            officer=officer,
            team=team or None,
            actor=who.actor,
            clock=context(request).clock,
        )
    except CasesChanged as e:
        return _page(request, listed, 409, errors={"cases": str(e)}, chosen=shown)
    except WorkflowError as e:
        return _page(request, listed, 400, errors=refusal(e), chosen=shown)
    query = f"?moved={len(moved)}" + (f"&team={listed}" if listed else "")
    return RedirectResponse(f"/cases/unassigned{query}", status_code=303)
