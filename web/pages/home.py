"""Each role's home: the officer's work queue, the manager's dashboard, and case search.

Viewers and admins have no cases: their home is the page their role opens
(`web.templating.HOME_PATHS`), so the service name's link never leads to a 403.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.status import HTTP_303_SEE_OTHER

from letters.catalogue import CATALOGUE
from letters.dispatch import store as dispatch_store
from scheduler.breaches import Filters, QueueItem
from scheduler.scorecard.counts import deadline_counts_by_month
from scheduler.scorecard.figures import Figure, percent
from scheduler.scorecard.months import Month, month_range
from web import auth
from web.deps import context, db
from web.queue_cache import breach_queue_kept
from web.templating import HOME_PATHS, render
from workflow.caseload import WORK_VIEWS, find_cases, unassigned_counts, work_queue
from workflow.law.machine import OPEN_STATES
from workflow.models import Case

router = APIRouter(include_in_schema=False)

CASES: sa.Table = Case.__table__  # type: ignore[attr-defined]
# The two figures a manager watches month by month, as the scorecard counts them:
# (numerator, denominator) of `deadline_counts_by_month`, as in
# scheduler.scorecard.compute (plans_within_20_weeks_incl_exceptions, decisions_within_6_weeks).
TREND = (
    ("New plans issued within 20 weeks", "plans_met", "plans"),
    ("Decisions whether to assess made within 6 weeks", "decisions_met", "decisions"),
)


@router.get("/")
def home(
    request: Request,
    session: Annotated[Session, Depends(db)],
    who: Annotated[auth.Principal, Depends(auth.allow(*auth.ROLES))],
    q: Annotated[str | None, Query(max_length=100)] = None,
    show: Annotated[str, Query(pattern="^(mine|team|all)$")] = "mine",
    view: Annotated[str, Query(pattern="^(" + "|".join(WORK_VIEWS) + ")$")] = "all",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Officers get their work queue, managers the dashboard; either may search or list
    a team's cases (officers their own team's, managers every team's)."""
    user = who.user
    if user.role not in auth.CASEWORK:
        return RedirectResponse(HOME_PATHS[user.role], status_code=HTTP_303_SEE_OTHER)
    today = context(request).today()
    searching = bool(q and q.strip())
    if show == "mine" and not searching:
        if user.role == "officer":
            queue = work_queue(session, as_of=today, team=user.team, officer=user.name, view=view)
            return render(request, "home.html", queue=queue, q="", show=show, today=today)
        return _dashboard(request, session)
    if user.role == "manager" or searching:
        show = "all" if user.role == "manager" else "team"
    found = find_cases(
        session,
        as_of=today,
        team=user.team if user.role == "officer" else None,
        search=q,
        page=page,
    )
    return render(request, "home.html", found=found, q=q or "", show=show, today=today)


@dataclass(frozen=True)
class Load:
    """One team's or officer's row on the dashboard."""

    team: str
    officer: str | None
    overdue: int = 0
    breaches: int = 0
    due_soon: int = 0
    open_cases: int = 0


def loads(items: list[QueueItem], caseload: dict[tuple[str, str], int]) -> list[Load]:
    """Per (team, officer): overdue, in breach and due-soon deadlines, and open cases.

    "" stands for no team and for no officer (an unassigned case).
    """
    overdue: Counter[tuple[str, str]] = Counter()
    breaches: Counter[tuple[str, str]] = Counter()
    due_soon: Counter[tuple[str, str]] = Counter()
    for i in items:
        key = (i.team or "", i.officer or "")
        if i.status == "overdue":
            overdue[key] += 1
            breaches[key] += i.breach
        else:
            due_soon[key] += 1
    keys = sorted(set(overdue) | set(due_soon) | set(caseload), key=lambda k: (k[0].lower(), k))
    return [
        Load(t, o, overdue[(t, o)], breaches[(t, o)], due_soon[(t, o)], caseload.get((t, o), 0))
        for t, o in keys
    ]


def by_team(rows: list[Load]) -> list[Load]:
    totals: dict[str, Load] = {}
    for r in rows:
        t = totals.get(r.team, Load(r.team, None))
        totals[r.team] = Load(
            r.team,
            None,
            t.overdue + r.overdue,
            t.breaches + r.breaches,
            t.due_soon + r.due_soon,
            t.open_cases + r.open_cases,
        )
    return list(totals.values())


def open_caseload(session: Session) -> dict[tuple[str, str], int]:
    """Open cases (not new, withdrawn or ceased) per (team, officer)."""
    c = CASES.c
    rows = session.execute(
        sa.select(c.team, c.officer, sa.func.count())
        .where(c.state.in_([s.value for s in OPEN_STATES]))
        .group_by(c.team, c.officer)
    ).all()
    session.commit()
    return {(team or "", officer or ""): int(n) for team, officer, n in rows}


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float
    label: str  # the figure, for the bar's tooltip


@dataclass(frozen=True)
class Chart:
    """A grouped bar chart of percentages, laid out here so the page needs no script."""

    months: list[str]  # labels, Dec-25
    series: list[tuple[str, list[Figure]]]  # (name, a figure per month)
    width: int = 760
    height: int = 280
    left: int = 44  # room for the axis labels
    bottom: int = 36
    top: int = 12

    @property
    def plot_height(self) -> int:
        return self.height - self.bottom - self.top

    @property
    def slot(self) -> float:
        return (self.width - self.left) / max(1, len(self.months))

    def y_of(self, percent: float) -> float:
        return self.top + self.plot_height * (1 - percent / 100)

    def grid(self) -> list[tuple[int, float]]:
        return [(p, self.y_of(p)) for p in (0, 25, 50, 75, 100)]

    def month_x(self, index: int) -> float:
        return self.left + self.slot * (index + 0.5)

    def bars(self, series: int) -> list[Bar | None]:
        """One bar per month; None where the month has no figure (nothing to count)."""
        bar_width = self.slot * 0.8 / len(self.series)
        out: list[Bar | None] = []
        for m, f in enumerate(self.series[series][1]):
            if f.value is None:
                out.append(None)
                continue
            value = float(f.value)
            x = self.left + self.slot * (m + 0.1) + bar_width * series
            y = self.y_of(value)
            out.append(Bar(round(x, 1), round(y, 1), round(self.y_of(0) - y, 1), f"{value:g}%"))
        return out

    @property
    def bar_width(self) -> float:
        return round(self.slot * 0.8 / len(self.series) - 2, 1)


def trend(session: Session, today: date) -> Chart:
    """The last 12 complete months of the two figures, as the scorecard shows them.

    Only the deadline counts are read, not the whole scorecard (a 12-month scorecard
    takes 3.3 s at council scale, docs/performance.md): the dashboard opens on every
    manager's sign-in, and needs none of the snapshot counts.
    """
    last = Month.of(today).previous()
    first = last
    for _ in range(11):
        first = first.previous()
    months = month_range(first, last)
    counts = deadline_counts_by_month(session, months)
    session.commit()  # end the read transaction
    return Chart(
        months=[m.label() for m in months],
        series=[
            (
                name,
                [
                    Figure(
                        str(m),
                        percent(counts[m][num], counts[m][den]),
                        counts[m][num],
                        counts[m][den],
                    )
                    for m in months
                ],
            )
            for name, num, den in TREND
        ],
    )


def _dashboard(request: Request, session: Session) -> Response:
    today = context(request).today()
    queue = breach_queue_kept(
        session=session, engine=context(request).engine, as_of=today, filters=Filters()
    )
    rows = loads(queue.items, open_caseload(session))
    unassigned = unassigned_counts(session)
    # Letters GOV.UK Notify could not send or deliver (none without a Notify key).
    letter_failures = dispatch_store.failures(session=session)
    session.commit()
    return render(
        request,
        "home.html",
        dashboard=True,
        today=today,
        counts=queue.counts,
        teams=by_team(rows),
        officers=rows,
        chart=trend(session, today),
        unassigned=sorted(unassigned.items(), key=lambda kv: kv[0] or ""),
        unassigned_total=sum(unassigned.values()),
        letter_failures=letter_failures,
        letter_titles={t: spec.title for t, spec in CATALOGUE.items()},
    )
