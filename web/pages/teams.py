"""The council's teams, for administrators: the list (with how many cases and users each
has) and adding one. Cases and users choose their team from this list."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from web import auth
from web.deps import context, db
from web.templating import render
from workflow import teams
from workflow.errors import InvalidInput

router = APIRouter(include_in_schema=False)

ADMIN = auth.allow("admin")


def _page(request: Request, session: Session, status: int = 200, **values: object) -> Response:
    rows = teams.team_counts(session)
    return render(
        request, "teams.html", status_code=status, teams=rows,
        **{"errors": {}, "name": "", "added": None, **values},
    )  # fmt: skip


@router.get("/teams")
def teams_page(
    request: Request,
    session: Annotated[Session, Depends(db)],
    who: Annotated[auth.Principal, Depends(ADMIN)],
    added: str | None = None,
) -> Response:
    names = {t.name for t in teams.list_teams(session)}
    # Only a name that is a team: the banner never repeats arbitrary text.
    return _page(request, session, added=added if added in names else None)


@router.post("/teams", dependencies=[Depends(auth.check_csrf)])
def add_team(
    request: Request,
    session: Annotated[Session, Depends(db)],
    who: Annotated[auth.Principal, Depends(ADMIN)],
    name: Annotated[str, Form()] = "",
) -> Response:
    try:
        team = teams.add_team(
            session=session, name=name, actor=who.actor, clock=context(request).clock
        )
    except InvalidInput as e:
        return _page(request, session, 400, errors={"name": str(e)}, name=name)
    return RedirectResponse(f"/teams?added={quote(team.name)}", status_code=303)
