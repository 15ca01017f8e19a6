"""The corrections report for managers: every void and correction, what it changed, as CSV.

Rows come from `scheduler.corrections_report.corrections_report`, what
`ehc corrections` prints, and the CSV from the same writer (every cell through
`spreadsheet_safe`), so the page, the download and the command agree for the same
filters. Managers only, as the breach queue: references, never a child's details.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from scheduler.corrections_report import (
    ReportFilters,
    ReportRow,
    corrections_report,
    render_csv,
)
from web import auth
from web.date_input import DateAnswer, read_date
from web.deps import context, db
from web.templating import render

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class ReportQuery:
    team: str = ""
    officer: str = ""
    made_from: DateAnswer | None = None
    made_to: DateAnswer | None = None
    errors: dict[str, str] = field(default_factory=dict)
    anchors: dict[str, str] = field(default_factory=dict)

    def filters(self) -> ReportFilters:
        return ReportFilters(
            team=self.team or None,
            officer=self.officer or None,
            made_from=self.made_from.value if self.made_from else None,
            made_to=self.made_to.value if self.made_to else None,
        )

    def query_string(self) -> str:
        params = {"team": self.team, "officer": self.officer}
        for answer in (self.made_from, self.made_to):
            if answer is not None:
                params.update({f"{answer.name}-{k}": v for k, v in answer.entered.items()})
        return urlencode({k: v for k, v in params.items() if v})


def read_query(params: Mapping[str, str], request: Request) -> ReportQuery:
    today = context(request).today()
    made_from = read_date(params, "from", "Made from", required=False, latest=today)
    made_to = read_date(params, "to", "Made to", required=False, latest=today)
    errors = {a.name: a.error for a in (made_from, made_to) if a.error}
    anchors = {a.name: a.anchor for a in (made_from, made_to) if a.error}
    if made_from.value and made_to.value and made_to.value < made_from.value:
        errors["to"] = "Made to must be the same as or after made from"
        anchors["to"] = "to-day"
    return ReportQuery(
        team=params.get("team", "").strip()[:100],
        officer=params.get("officer", "").strip()[:100],
        made_from=made_from,
        made_to=made_to,
        errors=errors,
        anchors=anchors,
    )


def _rows(request: Request, session: Session, q: ReportQuery) -> list[ReportRow]:
    ctx = context(request)
    return corrections_report(
        session, settings=ctx.settings, working_days=ctx.working_days, filters=q.filters()
    )


@router.get("/corrections")
def corrections_page(
    request: Request,
    session: Annotated[Session, Depends(db)],
    who: Annotated[auth.Principal, Depends(auth.allow("manager"))],
) -> Response:
    q = read_query(request.query_params, request)
    rows = [] if q.errors else _rows(request, session, q)
    return render(
        request,
        "corrections.html",
        status_code=400 if q.errors else 200,
        errors=q.errors,
        anchors=q.anchors,
        query=q,
        rows=rows,
        breaches=sum(len(r.breaches) for r in rows),
        revised=sum(len(r.revised) for r in rows),
    )


@router.get("/corrections.csv")
def corrections_csv(
    request: Request,
    session: Annotated[Session, Depends(db)],
    who: Annotated[auth.Principal, Depends(auth.allow("manager"))],
) -> Response:
    """What `ehc corrections --csv` prints for the same filters."""
    q = read_query(request.query_params, request)
    if q.errors:
        return corrections_page(request, session, who)
    return Response(
        render_csv(_rows(request, session, q)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="corrections.csv"'},
    )
