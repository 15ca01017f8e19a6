"""The breach queue: every unmet, not cancelled deadline that is overdue or due soon.

One set-based SELECT over the stored deadlines (`workflow.deadline_store.deadlines_as_of`),
read as of a day, so a status here is exactly what `workflow.law.deadlines.evaluate`
gives for that case on that day (spec section 5). Overdue work comes first, the
most days late first; then pending work, soonest due first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from workflow.deadline_store import C, D, deadlines_as_of
from workflow.errors import InvalidInput
from workflow.law.deadlines import KINDS

DEFAULT_DUE_WITHIN_DAYS = 14
MAX_DUE_WITHIN_DAYS = 3660  # ten years: any further and it is not a work queue
FIELDS = (
    "case",
    "kind",
    "advice",
    "ref",
    "starts",
    "due",
    "status",
    "breach",
    "exception",
    "days_late",
    "team",
    "officer",
)


@dataclass(frozen=True)
class QueueItem:
    case: str
    kind: str
    advice: str | None
    ref: str | None
    starts: date
    due: date
    status: str  # overdue or pending
    breach: bool
    exception: str | None
    days_late: int | None
    team: str | None
    officer: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "kind": self.kind,
            "advice": self.advice,
            "ref": self.ref,
            "starts": self.starts.isoformat(),
            "due": self.due.isoformat(),
            "status": self.status,
            "breach": self.breach,
            "exception": self.exception,
            "days_late": self.days_late,
            "team": self.team,
            "officer": self.officer,
        }


def queue_json(as_of: date, items: list[QueueItem]) -> dict[str, Any]:
    """The queue as JSON: what `ehc breaches --json` prints and `GET /api/breaches` answers."""
    return {"as_of": as_of.isoformat(), "items": [i.to_json() for i in items]}


@dataclass(frozen=True)
class Filters:
    team: str | None = None
    officer: str | None = None
    kind: str | None = None
    due_within: int = DEFAULT_DUE_WITHIN_DAYS

    def __post_init__(self) -> None:
        # "north " finds North: spaces trimmed and collapsed here, case ignored in the query.
        for name in ("team", "officer"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, " ".join(value.split()) or None)
        if self.kind is not None and self.kind not in KINDS:
            raise InvalidInput(
                f"Select a deadline kind for --kind: one of {', '.join(KINDS)}", field="kind"
            )
        if not 0 <= self.due_within <= MAX_DUE_WITHIN_DAYS:
            raise InvalidInput(
                f"Enter --due-within as a whole number of days, 0 to {MAX_DUE_WITHIN_DAYS}",
                field="due_within",
            )


def unindexed(column: sa.Column[Any], dialect: str) -> ColumnElement[Any]:
    """The column, written `+column` on SQLite so the planner does not use its index.

    The breach queue's range on `due` covers most of the table, and on 50,000 cases
    SQLite reads it five times faster by scanning than through `ix_deadlines_due`.
    """
    if dialect != "sqlite":
        return column
    return sa.type_coerce(sa.literal_column(f"+{column.table.name}.{column.name}"), column.type)


def queue_query(as_of: date, dialect: str, filters: Filters | None = None) -> sa.Select[Any]:
    """The breach queue as one SELECT: open deadlines due by `as_of` + `due_within` days.

    "Open as of X" is written on the raw columns (not met by X, not cancelled by X),
    so the status computed by `deadlines_as_of` can only be overdue or pending.
    """
    f = filters or Filters()
    x = sa.literal(as_of, sa.Date)
    # Capped at the last day there is, so a queue read as of 9999-12-31 still works.
    room = (date.max - as_of).days
    horizon = sa.literal(as_of + timedelta(days=min(f.due_within, room)), sa.Date)
    query = deadlines_as_of(as_of, dialect).where(
        unindexed(D.due, dialect) <= horizon,
        sa.or_(D.met_on.is_(None), D.met_on > x),
        sa.or_(D.cancelled_on.is_(None), D.cancelled_on > x),
    )
    # Stored teams and officers are the team's and the account's own spelling
    # (workflow.teams), so matching them ignoring case is matching the team or officer.
    if f.team is not None:
        query = query.where(sa.func.lower(C.team) == f.team.lower())
    if f.officer is not None:
        query = query.where(sa.func.lower(C.officer) == f.officer.lower())
    if f.kind is not None:
        query = query.where(D.kind == f.kind)
    # Overdue deadlines have due < as_of <= the due of pending ones, and days late is
    # as_of - due: so due ascending is "overdue first, most days late first".
    return query.order_by(
        unindexed(D.due, dialect),
        C.reference,
        D.kind,
        sa.func.coalesce(D.advice, ""),
        sa.func.coalesce(D.ref, ""),
        D.position,
    )


def _item(row: Any) -> QueueItem:
    """A row of the FIELDS columns, in order, as a QueueItem (bool and int made exact)."""
    case, kind, advice, ref, starts, due, status, breach, exception, late, team, officer = row
    days_late = None if late is None else int(late)
    return QueueItem(
        case, kind, advice, ref, starts, due, status, bool(breach), exception, days_late, team,
        officer,
    )  # fmt: skip


def breach_queue(
    *, session: Session, as_of: date, filters: Filters | None = None
) -> list[QueueItem]:
    """The breach queue as of a day (read only; ends its read transaction).

    Only the queue's own columns are selected: at 500,000 cases (106,000 items) the
    unused ones cost a third of the time spent in Python (docs/performance.md).
    """
    dialect = session.get_bind().dialect.name
    query = queue_query(as_of, dialect, filters)
    columns = {c.name: c for c in query.selected_columns}
    rows = session.execute(query.with_only_columns(*(columns[f] for f in FIELDS))).all()
    session.commit()
    return [_item(row) for row in rows]
