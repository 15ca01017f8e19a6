"""Lists of cases for people to work from: an officer's caseload and case search.

Two set-based queries: a page of cases (newest activity first), then the open
deadlines of just those cases as of the day, so a page costs the same with
500 cases or 500,000.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

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
        where.append(c.team == team)
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
