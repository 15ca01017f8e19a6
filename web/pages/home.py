"""The officer's home: my cases, newest activity first, and case search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from web import auth
from web.deps import context, db
from web.templating import render
from workflow.caseload import find_cases

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(
    request: Request,
    session: Annotated[Session, Depends(db)],
    who: Annotated[auth.Principal, Depends(auth.allow(*auth.CASEWORK))],
    q: Annotated[str | None, Query(max_length=100)] = None,
    show: Annotated[str, Query(pattern="^(mine|team|all)$")] = "mine",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Officers see their own cases or their team's; managers any team's.

    A search looks across everything the user may see, not just their own cases.
    """
    user = who.user
    searching = bool(q and q.strip())
    if user.role == "manager":
        show = "all" if searching or show == "team" else show
    elif searching:
        show = "team"
    team = user.team if user.role == "officer" else None
    officer = user.name if show == "mine" else None
    found = find_cases(
        session,
        as_of=context(request).today(),
        team=team,
        officer=officer,
        search=q,
        page=page,
    )
    return render(
        request,
        "home.html",
        found=found,
        q=q or "",
        show=show,
        today=context(request).today(),
    )
