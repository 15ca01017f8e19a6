"""`/api/breaches` and `/api/kpi`: the breach queue and the scorecard, exactly as the CLI
prints them (`ehc breaches --json`, `ehc kpi --format json`), from the same functions.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlmodel import Session

from scheduler.breaches import (
    DEFAULT_DUE_WITHIN_DAYS,
    MAX_DUE_WITHIN_DAYS,
    Filters,
    breach_queue,
    queue_json,
)
from scheduler.scorecard.compute import compute_scorecard
from scheduler.scorecard.formats import render
from scheduler.scorecard.months import scorecard_months
from web import auth
from web.api import errors
from web.api.access import DOCUMENTED, MANAGERS, SCORECARD
from web.api.models import BreachQueue, Scorecard
from web.deps import context, db
from workflow.case_writes import check_text
from workflow.errors import WorkflowError
from workflow.law.deadlines import KINDS

router = APIRouter(dependencies=DOCUMENTED, tags=["reports"])
Db = Annotated[Session, Depends(db)]
KIND = f"^({'|'.join(KINDS)})$"


@router.get("/api/breaches", response_model=BreachQueue, responses=errors.REFUSALS)
def breaches(
    request: Request,
    session: Db,
    who: Annotated[auth.Principal, Depends(MANAGERS)],
    as_of: Annotated[date | None, Query(description="YYYY-MM-DD; default today")] = None,
    team: Annotated[str | None, Query(max_length=100)] = None,
    officer: Annotated[str | None, Query(max_length=100)] = None,
    kind: Annotated[
        str | None, Query(pattern=KIND, json_schema_extra={"enum": list(KINDS)})
    ] = None,
    due_within: Annotated[
        int, Query(ge=0, le=MAX_DUE_WITHIN_DAYS, description="Also deadlines due within DAYS")
    ] = DEFAULT_DUE_WITHIN_DAYS,
) -> Response:
    """Overdue deadlines, most days late first, then those due soon: `ehc breaches --json`."""
    day = as_of or context(request).today()
    try:
        _check_filters(team=team, officer=officer)
        filters = Filters(team=team, officer=officer, kind=kind, due_within=due_within)
        items = breach_queue(session=session, as_of=day, filters=filters)
    except WorkflowError as err:
        return errors.refused(err, ["team", "officer", "kind", "due_within"], where="query")
    return JSONResponse(queue_json(day, items))


@router.get("/api/kpi", response_model=Scorecard, responses=errors.REFUSALS)
def kpi(
    request: Request,
    session: Db,
    who: Annotated[auth.Principal, Depends(SCORECARD)],
    from_month: Annotated[
        str, Query(alias="from", pattern=r"^[0-9]{4}-[0-9]{2}$", description="First month, YYYY-MM")
    ],
    to_month: Annotated[
        str | None,
        Query(
            alias="to",
            pattern=r"^[0-9]{4}-[0-9]{2}$",
            description="Last month, YYYY-MM (default from)",
        ),
    ] = None,
    team: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """The timeliness scorecard month by month: `ehc kpi --from --to --format json`."""
    ctx = context(request)
    try:
        _check_filters(team=team)
        first, last = scorecard_months(from_month, to_month, ctx.today(), names=("from", "to"))
        card = compute_scorecard(session, first=first, last=last, settings=ctx.settings, team=team)
    except WorkflowError as err:
        return errors.refused(err, ["team", "from", "to"], where="query")
    return Response(render(card, "json"), media_type="application/json")


def _check_filters(**values: str | None) -> None:
    """Before the database: PostgreSQL refuses NUL in a parameter with a fault (a 500)."""
    for name, value in values.items():
        if value is not None:
            check_text(value, label=name.capitalize(), field=name)
