"""The timeliness scorecard for managers and board members (viewers), and its XLSX.

Figures come from `scheduler.scorecard.compute.compute_scorecard`, the months are
checked by `scheduler.scorecard.months.scorecard_months` (the rules `ehc kpi` applies)
and the workbook is `scheduler.scorecard.formats.render(card, "xlsx")`, the bytes
`ehc kpi --format xlsx` writes. Only counts and rates: no case reference, name or date of birth.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from scheduler.scorecard.compute import Scorecard, compute_scorecard
from scheduler.scorecard.formats import (
    BANDS_DEFINITION,
    NO_FIGURE,
    filters,
    html_bands,
    html_revisions,
    html_rows,
    period,
)
from scheduler.scorecard.formats import (
    render as render_card,
)
from scheduler.scorecard.indicators import AGE_BAND_LABELS
from scheduler.scorecard.months import Month, scorecard_months
from scheduler.scorecard.publications import attach_revisions
from web import auth
from web.deps import context, db
from web.templating import render
from workflow.errors import InvalidInput

router = APIRouter(include_in_schema=False)

READERS = ("manager", "viewer")
FIELD_NAMES = ("‘From’", "‘To’")  # the month inputs' labels, as the messages name them
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Period:
    entered_from: str
    entered_to: str
    team: str
    first: Month | None = None
    last: Month | None = None


def default_months(this_month: Month) -> tuple[Month, Month]:
    """The 12 full months before this one: the scorecard's default (as `ehc kpi`'s)."""
    last = this_month.previous()
    first = last
    for _ in range(11):
        first = first.previous()
    return first, last


def read_period(params: Mapping[str, str], request: Request) -> tuple[Period, dict[str, str]]:
    today = context(request).today()
    first, last = default_months(Month.of(today))
    entered_from = params.get("from", "").strip()[:20] or str(first)
    entered_to = params.get("to", "").strip()[:20] or str(last)
    team = params.get("team", "").strip()[:100]
    try:
        first, last = scorecard_months(entered_from, entered_to, today, FIELD_NAMES)
    except InvalidInput as e:
        # Only a bad 'From' month is about the first input; every other rule is about 'To'.
        field = "from" if str(e).startswith(FIELD_NAMES[0]) else "to"
        return Period(entered_from, entered_to, team), {field: str(e)}
    return Period(entered_from, entered_to, team, first, last), {}


def _card(request: Request, session: Session, p: Period) -> Scorecard:
    assert p.first is not None and p.last is not None
    card = compute_scorecard(
        session,
        first=p.first,
        last=p.last,
        settings=context(request).settings,
        team=p.team or None,
    )
    return attach_revisions(session, card, working_days=context(request).working_days)


def _page(request: Request, p: Period, errors: dict[str, str], card: Scorecard | None) -> Response:
    return render(
        request,
        "scorecard.html",
        status_code=400 if errors else 200,
        errors=errors,
        period_asked=p,
        card=card,
        period=period(card) if card else "",
        filters=filters(card) if card else "",
        months=[m.label() for m in card.months] if card else [],
        rows=html_rows(card) if card else [],
        bands=html_bands(card) if card else [],
        band_labels=list(AGE_BAND_LABELS),
        bands_definition=BANDS_DEFINITION,
        no_figure=NO_FIGURE,
        revisions=html_revisions(card) if card else [],
        published=bool(card and card.published),
    )


@router.get("/scorecard")
def scorecard_page(
    request: Request,
    session: Annotated[Session, Depends(db)],
    who: Annotated[auth.Principal, Depends(auth.allow(*READERS))],
) -> Response:
    p, errors = read_period(request.query_params, request)
    return _page(request, p, errors, None if errors else _card(request, session, p))


@router.get("/scorecard.xlsx")
def scorecard_xlsx(
    request: Request,
    session: Annotated[Session, Depends(db)],
    who: Annotated[auth.Principal, Depends(auth.allow(*READERS))],
) -> Response:
    p, errors = read_period(request.query_params, request)
    if errors:
        return _page(request, p, errors, None)
    card = _card(request, session, p)
    name = f"scorecard-{card.first}-to-{card.last}" + (f"-{_safe(p.team)}" if p.team else "")
    return Response(
        render_card(card, "xlsx"),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )


def _safe(text: str) -> str:
    """A team name fit for a file name: letters, digits and hyphens."""
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-") or "team"
