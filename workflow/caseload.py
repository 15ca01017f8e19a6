"""Lists of cases for people to work from: an officer's work queue, caseload and case search.

Two set-based queries: a page of cases (newest activity first), then the open
deadlines of just those cases as of the day, so a page costs the same with
500 cases or 500,000.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from workflow import teams
from workflow.account_models import User
from workflow.case_writes import check_text
from workflow.deadline_store import D, deadlines_as_of
from workflow.models import Case, CasePeople

CASES: sa.Table = Case.__table__  # type: ignore[attr-defined]
PEOPLE: sa.Table = CasePeople.__table__  # type: ignore[attr-defined]
PAGE_SIZE = 50


@dataclass(frozen=True)
class CaseRow:
    reference: str
    state: str
    team: str | None
    officer: str | None
    child_name: str | None
    updated_at: datetime
    next_kind: str | None = None
    next_advice: str | None = None
    next_due: date | None = None
    overdue: int = 0
    breaches: int = 0


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseRow]
    total: int
    page: int
    pages: int


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find_cases(
    session: Session,
    *,
    as_of: date,
    team: str | None = None,
    officer: str | None = None,
    search: str | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> CasePage:
    """Cases of a team and/or officer, optionally matching a search, newest activity first.

    The search matches the start of a case reference or any part of the
    child's name, ignoring case. Text with a control character in it raises
    `InvalidInput` naming the filter (`q` for the search).
    """
    # Checked before the database: PostgreSQL refuses NUL in a parameter with a fault.
    for name, label, value in (("team", "Team", team), ("officer", "Officer", officer)):
        if value is not None:
            check_text(value, label=label, field=name)
    if search is not None:
        check_text(search, label="Search", field="q")
    c, p = CASES.c, PEOPLE.c
    where: list[Any] = []
    if team is not None:
        # "north " finds North: a team is matched ignoring case and spaces (workflow.teams).
        known = teams.find_team(session, team)
        where.append(c.team == (known.name if known else teams.display_name(team)))
    if officer is not None:
        where.append(c.officer == officer)
    if search and search.strip():
        term = _escape_like(search.strip().lower())
        where.append(
            sa.or_(
                sa.func.lower(c.reference).like(f"{term}%", escape="\\"),
                sa.func.lower(p.child_name).like(f"%{term}%", escape="\\"),
            )
        )
    base = CASES.outerjoin(PEOPLE, p.case_id == c.id)
    total = int(
        session.execute(sa.select(sa.func.count()).select_from(base).where(*where)).scalar_one()
    )
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    cases = session.execute(
        sa.select(c.id, c.reference, c.state, c.team, c.officer, p.child_name, c.updated_at)
        .select_from(base)
        .where(*where)
        .order_by(c.updated_at.desc(), c.reference)
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    open_by_case = _open_deadlines(session, as_of, [row.id for row in cases])
    session.commit()
    rows = []
    for row in cases:
        summary = open_by_case.get(row.id, {})
        rows.append(
            CaseRow(
                reference=row.reference,
                state=row.state,
                team=row.team,
                officer=row.officer,
                child_name=row.child_name,
                updated_at=row.updated_at,
                **summary,
            )
        )
    return CasePage(rows=rows, total=total, page=page, pages=pages)


def _open_deadlines(
    session: Session, as_of: date, case_ids: list[int]
) -> dict[int, dict[str, Any]]:
    """Per case: the next open deadline, and how many are overdue and in breach."""
    if not case_ids:
        return {}
    dialect = session.get_bind().dialect.name
    rows = session.execute(
        deadlines_as_of(as_of, dialect)
        .where(D.case_id.in_(case_ids))
        .order_by(D.case_id, D.due, D.position)
    ).all()
    out: dict[int, dict[str, Any]] = {}
    for row in rows:
        if row.status not in ("pending", "overdue"):
            continue
        summary = out.setdefault(row.case_id, {"overdue": 0, "breaches": 0})
        if "next_due" not in summary:
            summary.update(next_kind=row.kind, next_advice=row.advice, next_due=row.due)
        if row.status == "overdue":
            summary["overdue"] += 1
            summary["breaches"] += 1 if row.breach else 0
    return out


# The officer's work queue (issue 19): their cases, most urgent first.
WORK_VIEWS = ("all", "overdue", "week", "chase")
WEEK_DAYS = 7  # "due this week": today and the six days after it
CHASE_DAYS = 7  # advice is chased from a week before its 6-week limit (issue 19)


@dataclass(frozen=True)
class WorkItem:
    """A case in an officer's queue, with its most urgent open deadline (if any)."""

    reference: str
    state: str
    child_name: str | None
    kind: str | None = None
    advice: str | None = None
    due: date | None = None
    days_left: int | None = None  # negative when overdue
    chase_due: date | None = None  # the soonest advice limit that needs chasing

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def due_this_week(self) -> bool:
        return self.days_left is not None and 0 <= self.days_left < WEEK_DAYS

    @property
    def needs_chasing(self) -> bool:
        return self.chase_due is not None

    def shown_in(self, view: str) -> bool:
        return {
            "all": True,
            "overdue": self.overdue,
            "week": self.due_this_week,
            "chase": self.needs_chasing,
        }[view]


@dataclass(frozen=True)
class WorkQueue:
    rows: list[WorkItem]  # the view's cases, most urgent first
    counts: dict[str, int]  # cases in each view, for the filter links
    view: str


def _urgency(item: WorkItem) -> tuple[int, date, str]:
    # Overdue have the earliest due dates, so due date ascending is "most days overdue
    # first, then due soonest"; cases with nothing open come last.
    return (item.due is None, item.due or date.max, item.reference)


def work_queue(
    session: Session, *, as_of: date, team: str | None, officer: str, view: str = "all"
) -> WorkQueue:
    """An officer's cases ordered by urgency, with the count of each view (WORK_VIEWS).

    Each case shows its most urgent open deadline: the one due first. A case needs
    chasing when an advice request of it is within CHASE_DAYS of its limit or past it.
    """
    if view not in WORK_VIEWS:
        raise ValueError(f"unknown view {view!r}")
    check_text(officer, label="Officer", field="officer")
    c, p = CASES.c, PEOPLE.c
    where: list[Any] = [c.officer == officer]
    if team is not None:
        check_text(team, label="Team", field="team")
        where.append(c.team == team)
    cases = session.execute(
        sa.select(c.id, c.reference, c.state, p.child_name)
        .select_from(CASES.outerjoin(PEOPLE, p.case_id == c.id))
        .where(*where)
    ).all()
    dialect = session.get_bind().dialect.name
    deadlines = session.execute(
        deadlines_as_of(as_of, dialect).where(*where).order_by(D.case_id, D.due, D.position)
    ).all()
    session.commit()
    first: dict[int, Any] = {}
    chase: dict[int, date] = {}
    chase_by = as_of + timedelta(days=CHASE_DAYS)
    for row in deadlines:
        if row.status not in ("pending", "overdue"):
            continue
        first.setdefault(row.case_id, row)
        if row.kind == "advice" and row.due <= chase_by:
            chase.setdefault(row.case_id, row.due)
    items = []
    for case in cases:
        d = first.get(case.id)
        items.append(
            WorkItem(
                reference=case.reference,
                state=case.state,
                child_name=case.child_name,
                kind=d.kind if d else None,
                advice=d.advice if d else None,
                due=d.due if d else None,
                days_left=(d.due - as_of).days if d else None,
                chase_due=chase.get(case.id),
            )
        )
    items.sort(key=_urgency)
    counts = {v: sum(1 for i in items if i.shown_in(v)) for v in WORK_VIEWS}
    return WorkQueue(rows=[i for i in items if i.shown_in(view)], counts=counts, view=view)


# The unassigned queue (issue 19 item 4): open cases nobody active holds.
CLOSED_STATES = ("withdrawn", "ceased")


@dataclass(frozen=True)
class UnassignedItem:
    """An open case with no officer, or whose officer's account is deactivated."""

    reference: str
    state: str
    team: str | None
    officer: str | None  # the deactivated officer's name, or None
    version: int  # as read: a bulk move changes it only if nobody else has since
    child_name: str | None
    kind: str | None = None
    advice: str | None = None
    due: date | None = None
    days_left: int | None = None  # negative when overdue

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0


def _unassigned_where() -> list[Any]:
    c = CASES.c
    holding = sa.select(col(User.name)).where(
        col(User.active).is_(True), col(User.role).in_(teams.HOLDERS)
    )
    return [
        c.state.not_in(CLOSED_STATES),
        sa.or_(c.officer.is_(None), c.officer.not_in(holding)),
    ]


def unassigned_counts(session: Session) -> dict[str | None, int]:
    """How many open cases of each team nobody active holds (one query)."""
    c = CASES.c
    rows = session.execute(
        sa.select(c.team, sa.func.count()).where(*_unassigned_where()).group_by(c.team)
    ).all()
    return {row[0]: int(row[1]) for row in rows}


def unassigned_cases(
    session: Session, *, as_of: date, team: str | None = None
) -> list[UnassignedItem]:
    """Open cases (of `team`, when given) with no officer or an officer whose account is
    no longer active, by team, then most urgent first (as the officer's work queue)."""
    c, p = CASES.c, PEOPLE.c
    where = _unassigned_where()
    if team is not None:
        known = teams.find_team(session, team)
        where.append(c.team == (known.name if known else teams.display_name(team)))
    cases = session.execute(
        sa.select(c.id, c.reference, c.state, c.team, c.officer, c.version, p.child_name)
        .select_from(CASES.outerjoin(PEOPLE, p.case_id == c.id))
        .where(*where)
    ).all()
    dialect = session.get_bind().dialect.name
    first: dict[int, Any] = {}
    ids = [row.id for row in cases]
    for chunk in (ids[i : i + 1000] for i in range(0, len(ids), 1000)):
        for row in session.execute(
            deadlines_as_of(as_of, dialect)
            .where(D.case_id.in_(chunk))
            .order_by(D.case_id, D.due, D.position)
        ).all():
            if row.status in ("pending", "overdue"):
                first.setdefault(row.case_id, row)
    session.commit()
    items = []
    for case in cases:
        d = first.get(case.id)
        items.append(
            UnassignedItem(
                reference=case.reference,
                state=case.state,
                team=case.team,
                officer=case.officer,
                version=case.version,
                child_name=case.child_name,
                kind=d.kind if d else None,
                advice=d.advice if d else None,
                due=d.due if d else None,
                days_left=(d.due - as_of).days if d else None,
            )
        )
    items.sort(key=lambda i: (i.team or "", i.due is None, i.due or date.max, i.reference))
    return items


def cases_held(session: Session, officer: str) -> int:
    """How many open cases carry `officer` (a user's name)."""
    count = session.execute(
        sa.select(sa.func.count())
        .select_from(CASES)
        .where(CASES.c.officer == officer, CASES.c.state.not_in(CLOSED_STATES))
    ).scalar_one()
    return int(count)
