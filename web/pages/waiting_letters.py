"""The letters waiting for details, across cases: what each needs, how long it has
waited, and a link to complete it.

Officers see their own team's cases only: their own cases first (`show=mine`, the
default), or the whole team's (`show=team`). Managers see every team's, with a team
filter. The rows come from `letters.service.waiting_letters`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from letters import service as letter_service
from letters.catalogue import CATALOGUE, detail_name
from web import auth
from web.deps import context, db
from web.templating import render
from workflow.clock import LONDON

router = APIRouter(include_in_schema=False)

Staff = Annotated[auth.Principal, Depends(auth.allow("officer", "manager"))]
Db = Annotated[Session, Depends(db)]


@dataclass(frozen=True)
class Row:
    waiting: letter_service.WaitingLetter
    title: str
    needs: str
    days: int  # days waited, counted in England


@router.get("/letters/waiting")
def waiting_page(
    request: Request,
    session: Db,
    who: Staff,
    show: Annotated[str, Query(pattern="^(mine|team)$")] = "mine",
    team: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    user = who.user
    today = context(request).today()
    if user.role == "officer":
        officer = user.name if show == "mine" else None
        found = letter_service.waiting_letters(session=session, team=user.team, officer=officer)
        teams: list[str] = []
    else:
        every = letter_service.waiting_letters(session=session)
        teams = sorted({w.team for w in every if w.team})
        found = [w for w in every if not team or w.team == team]
    rows = [
        Row(
            w,
            CATALOGUE[w.type].title if w.type in CATALOGUE else w.type,
            ", ".join(detail_name(m) for m in w.missing or []),
            (today - w.created_at.astimezone(LONDON).date()).days,
        )
        for w in found
    ]
    by_need = Counter(m for w in found for m in (w.missing or []))
    return render(
        request,
        "waiting_letters.html",
        rows=rows,
        show=show,
        team=team,
        teams=teams,
        cases=len({w.case_ref for w in found}),
        by_need=[(detail_name(name), n) for name, n in by_need.most_common()],
    )
