"""The scorecard's counts: the SQL behind every indicator, month by month (spec kpis.md).

Every figure is read from the stored events (effective ones: a voided event counts
nowhere, `workflow.corrections.effective`) and deadlines as of the last day of
its month: a deadline row exists when `created_on <= month end` and is met,
cancelled or excused only by what happened by then (`workflow.deadline_store`), and a
case's state is that left by its last state-changing event on or before the
month end. Later events are ignored, so a month's figures change only through
back-dated events.

All counting is set-based SQL, on SQLite and PostgreSQL, one statement each:

- the deadline indicators: the stored deadlines joined to a small table of the
  months, each row read as of its month's end with `workflow.deadline_store.status_columns`
  (exactly `deadlines_as_of(month end)`, month by month, in one scan);
- the snapshot indicators (open assessments, their ages, the review backlog): a
  per-case timeline of events (window functions), each month end falling into
  exactly one span of each case.

Python only divides and rounds (`Decimal`, half up): numerators and denominators
are exact integers straight from SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Join

from scheduler.scorecard.indicators import (
    ADVICE_KINDS,
    COMPLETION_KINDS,
    DISPUTE_TYPES,
    DUE_KINDS,
    OPEN_ASSESSMENT_STATES,
    RESOLVES_AMENDMENT,
    age_bands,
)
from scheduler.scorecard.months import Month
from workflow.corrections import effective
from workflow.deadline_store import (
    CASES,
    DEADLINES,
    D,
    days_between,
    deadlines_as_of,
    status_columns,
)
from workflow.law.events import TYPE_ORDER
from workflow.law.machine import STATE_AFTER, State
from workflow.models import StoredEvent
from workflow.timeliness import BACKLOG, FACTS, OPEN, TIMELINE_TYPES

EVENTS: sa.Table = StoredEvent.__table__  # type: ignore[attr-defined]
EV = EVENTS.c
C = CASES.c

# A number for each state a state-changing event leaves a case in (the machine's
# STATE_AFTER): 1..8, so a code fits in 4 bits.
STATE_CODES: dict[State, int] = {
    s: i + 1 for i, s in enumerate(dict.fromkeys(STATE_AFTER.values()))
}
EPOCH = date(1900, 1, 1)
SEQUENCE_SPACE = 1_000_000  # sequences within one case stay below this


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _sum_if(condition: ColumnElement[bool], value: ColumnElement[Any]) -> ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, value), else_=0)), 0)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _filters(select: sa.Select[Any], team: str | None, officer: str | None) -> sa.Select[Any]:
    if team is not None:
        select = select.where(C.team == team)
    if officer is not None:
        select = select.where(C.officer == officer)
    return select


def _disputed_on() -> sa.Subquery:
    """Per case, the first day it was disputed (mediation, appeal or Tribunal order)."""
    return (
        sa.select(EV.case_id, sa.func.min(EV.date).label("disputed_on"))
        .where(EV.type.in_(DISPUTE_TYPES), effective())
        .group_by(EV.case_id)
        .subquery("disputed")
    )


def _in_cohort(start: Any, end: Any, *, scan: bool = False) -> ColumnElement[bool]:
    """Deadline rows in a period's cohorts: met in it (completion), or due in it (due).

    `scan`: compare `kind || ''`, so that SQLite reads the table in one sequential scan
    rather than through the (kind, due) index once per month.
    """
    kind: ColumnElement[Any] = D.kind.concat("") if scan else D.kind
    return sa.or_(
        sa.and_(kind.in_(COMPLETION_KINDS), D.met_on >= start, D.met_on <= end),
        sa.and_(kind == "advice", D.advice.in_(ADVICE_KINDS), D.due >= start, D.due <= end),
        sa.and_(kind.in_(DUE_KINDS), D.due >= start, D.due <= end),
    )


def _counts(d: sa.Subquery, dialect: str) -> tuple[dict[str, ColumnElement[Any]], sa.FromClause]:
    """The deadline indicators' numerators and denominators over rows `d` of one period.

    `d` has the columns of `deadlines_as_of` (status, met_on and exception as of the
    period's end) for the rows of `_in_cohort`. Returns the columns and what to select
    them from (`d` with each case's first dispute).
    """
    disputed = _disputed_on()
    met = d.c.status == "met"
    not_cancelled = d.c.status != "cancelled"
    no_exception = d.c.exception.is_(None)
    plans = sa.and_(d.c.kind == "final_plan", d.c.met_on.is_not(None))
    # Disputed on or before the day the plan was issued: left out.
    undisputed_plans = sa.and_(
        plans, sa.or_(disputed.c.disputed_on.is_(None), disputed.c.disputed_on > d.c.met_on)
    )
    decisions = sa.and_(d.c.kind == "decision_to_assess", d.c.met_on.is_not(None))
    columns: dict[str, ColumnElement[Any]] = {
        "decisions": _count_if(decisions),
        "decisions_met": _count_if(sa.and_(decisions, met)),
        "plans_all": _count_if(plans),
        "plans": _count_if(undisputed_plans),
        "plans_met": _count_if(sa.and_(undisputed_plans, met)),
        "plans_excl": _count_if(sa.and_(undisputed_plans, no_exception)),
        "plans_excl_met": _count_if(sa.and_(undisputed_plans, no_exception, met)),
        "plan_days": _sum_if(undisputed_plans, days_between(d.c.met_on, d.c.starts, dialect)),
        # The DfE SEN2 method counts every plan, disputed or not (kpis.md v3 --dfe-method).
        "plans_all_met": _count_if(sa.and_(plans, met)),
        "plans_all_excl": _count_if(sa.and_(plans, no_exception)),
        "plans_all_excl_met": _count_if(sa.and_(plans, no_exception, met)),
        "plan_days_all": _sum_if(plans, days_between(d.c.met_on, d.c.starts, dialect)),
    }
    for advice in ADVICE_KINDS:
        cohort = sa.and_(d.c.kind == "advice", d.c.advice == advice, not_cancelled, no_exception)
        columns[f"advice_{advice}"] = _count_if(cohort)
        columns[f"advice_{advice}_met"] = _count_if(sa.and_(cohort, met))
    for kind in DUE_KINDS:
        cohort = sa.and_(d.c.kind == kind, not_cancelled)
        columns[kind] = _count_if(cohort)
        columns[f"{kind}_met"] = _count_if(sa.and_(cohort, met))
    return columns, d.outerjoin(disputed, disputed.c.case_id == d.c.case_id)


def deadline_counts(
    session: Session,
    *,
    start: date,
    end: date,
    as_of: date,
    team: str | None = None,
    officer: str | None = None,
) -> dict[str, int]:
    """The deadline indicators' counts for one period start..end, read as of `as_of`.

    Completion cohorts take deadlines met in the period, due cohorts deadlines due in
    it. Used for a DfE calendar year (as of 31 December, or a later day).
    """
    dialect = _dialect(session)
    d = (
        _filters(deadlines_as_of(as_of, dialect), team, officer)
        .where(_in_cohort(start, min(end, as_of)))
        .subquery("d")
    )
    columns, source = _counts(d, dialect)
    statement = sa.select(*(c.label(n) for n, c in columns.items())).select_from(source)
    row = session.execute(statement).one()
    return {name: int(row._mapping[name]) for name in columns}


def final_plans_issued(
    session: Session,
    *,
    start: date,
    end: date,
    team: str | None = None,
    officer: str | None = None,
) -> int:
    """The number of `final_plan_issued` events dated start..end."""
    issued = _filters(
        sa.select(sa.func.count())
        .select_from(EVENTS.join(CASES, C.id == EV.case_id))
        .where(EV.type == "final_plan_issued", EV.date >= start, EV.date <= end, effective()),
        team,
        officer,
    )
    return int(session.execute(issued).scalar_one())


def _month_table(months: Sequence[Month], dialect: str) -> sa.Subquery:
    """A small table of the months: (month 'YYYY-MM', first, month_end), one row each."""
    postgres = dialect == "postgresql"

    def typed(value: Any, type_: Any) -> ColumnElement[Any]:
        # PostgreSQL needs the type spelled out; on SQLite a CAST AS DATE would make a number.
        literal = sa.literal(value, type_)
        return sa.cast(literal, type_) if postgres else literal

    return sa.union_all(
        *(
            sa.select(
                typed(str(m), sa.String).label("month"),
                typed(m.first, sa.Date).label("first"),
                typed(m.last, sa.Date).label("month_end"),
            )
            for m in months
        )
    ).subquery("months")


class _OuterFirst(Join):
    """A join whose left side SQLite must loop over first (rendered `CROSS JOIN ... ON`).

    SQLite's planner otherwise reads the whole deadlines table once per month; a CROSS
    JOIN fixes the loop order ("Manual control of query plans using CROSS JOIN", SQLite
    docs). Other databases get a plain JOIN and plan it themselves.
    """

    inherit_cache = True


@compiles(_OuterFirst)
def _join(element: _OuterFirst, compiler: SQLCompiler, **kw: Any) -> str:
    return str(compiler.visit_join(element, **kw))  # type: ignore[no-untyped-call]


@compiles(_OuterFirst, "sqlite")
def _cross_join(element: _OuterFirst, compiler: SQLCompiler, **kw: Any) -> str:
    kw["asfrom"] = True
    assert element.onclause is not None
    return (
        f"{compiler.process(element.left, **kw)} CROSS JOIN "
        f"{compiler.process(element.right, **kw)} ON {compiler.process(element.onclause, **kw)}"
    )


def _month_of(day: Any, dialect: str) -> ColumnElement[Any]:
    """'YYYY-MM' of a date column (SQLite stores dates as ISO text)."""
    if dialect == "postgresql":
        return sa.func.to_char(day, "YYYY-MM")
    return sa.func.substr(day, 1, 7)


def deadline_counts_by_month(
    session: Session,
    months: Sequence[Month],
    *,
    team: str | None = None,
    officer: str | None = None,
) -> dict[Month, dict[str, int]]:
    """The deadline indicators' counts for each month, each read as of its last day.

    One statement for all months: every deadline row belongs to at most one month's
    cohort (the month it was met in, or due in), so joining the rows to the months
    table and reading each as of its month's end (`workflow.deadline_store.status_columns`)
    is exactly `deadlines_as_of(month end)` month by month.
    """
    dialect = _dialect(session)
    m = _month_table(months, dialect)
    as_of = m.c.month_end
    # The day that puts a row in a month's cohort: met (completion) or due (due cohorts).
    # Joined on its month's text, so the database reads the deadlines once, in one scan,
    # and finds each row's month in the small months table.
    anchor = sa.case((D.kind.in_(COMPLETION_KINDS), D.met_on), else_=D.due)
    rows = _filters(
        sa.select(
            D.case_id,
            D.kind,
            D.advice,
            D.starts,
            D.due,
            as_of.label("month_end"),
            *status_columns(as_of, dialect).values(),
        )
        .select_from(
            _OuterFirst(
                DEADLINES.join(CASES, C.id == D.case_id), m, _month_of(anchor, dialect) == m.c.month
            )
        )
        .where(
            D.created_on <= as_of,
            _in_cohort(months[0].first, months[-1].last, scan=True),
        ),
        team,
        officer,
    )
    d = rows.subquery("d")
    columns, source = _counts(d, dialect)
    statement = (
        sa.select(d.c.month_end, *(c.label(n) for n, c in columns.items()))
        .select_from(source)
        .group_by(d.c.month_end)
    )
    found: dict[date, dict[str, int]] = {}
    for row in session.execute(statement):
        found[_as_date(row._mapping["month_end"])] = {n: int(row._mapping[n]) for n in columns}
    empty = dict.fromkeys(columns, 0)
    return {month: found.get(month.last, empty) for month in months}


def _as_date(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value  # SQLite: text


def _timeline(dialect: str) -> sa.Subquery:
    """Each case's events that move its snapshot figures, with what holds after each.

    Events are taken in the processing order of deadlines.md section 2, written as one
    sortable integer `key` (day, rank of the type, recording sequence). After each
    event, running maxima carry: `state_key` (key * 16 + code of the state left by the
    latest state-changing event), `meeting` (key of the latest review meeting),
    `decision` (key * 2 + 1 if the latest review decision was amend, else + 0),
    `resolved` (key of the latest amended plan or decision not to amend), `request` (R)
    and `disputed_on` (the first dispute so far). `until` is the date of the case's next
    such event: the row holds from its date to the day before `until`, so any day falls
    in exactly one row of the case (same-day events give empty spans to all but the
    last). Every window shares one ordering, so the database sorts the events once.
    """
    day = sa.cast(days_between(EV.date, sa.literal(EPOCH, sa.Date), dialect), sa.BigInteger)
    rank = sa.case({t: TYPE_ORDER[t] for t in TIMELINE_TYPES}, value=EV.type)
    amend = EV.fields["outcome"].as_string() == "amend"
    # The inner query computes each row's key once; the windows only combine columns.
    e = (
        sa.select(
            EV.case_id,
            EV.date,
            ((day * 100 + rank) * SEQUENCE_SPACE + EV.sequence).label("key"),
            sa.case({t: STATE_CODES[s] for t, s in STATE_AFTER.items()}, value=EV.type).label(
                "state_code"
            ),
            sa.case(
                (EV.type == "review_meeting_held", "meeting"),
                (sa.and_(EV.type == "review_decision", amend), "amend"),
                (EV.type == "review_decision", "decision"),
                (EV.type.in_(RESOLVES_AMENDMENT), "resolved"),
                (EV.type == "request_received", "request"),
                (EV.type.in_(DISPUTE_TYPES), "dispute"),
            ).label("role"),
        )
        # `type || ''`: most events qualify, and SQLite reads them far faster in one
        # sequential scan than through the (type, date) index.
        .where(EV.type.concat("").in_(TIMELINE_TYPES), effective())
        .subquery("e")
    )
    k, role = e.c.key, e.c.role

    def running(f: sa.FunctionElement[Any], name: str) -> ColumnElement[Any]:
        return f.over(partition_by=e.c.case_id, order_by=k, rows=(None, 0)).label(name)

    return sa.select(
        e.c.case_id,
        e.c.date.label("since"),
        sa.func.lead(e.c.date).over(partition_by=e.c.case_id, order_by=k).label("until"),
        running(sa.func.max(k * 16 + e.c.state_code), "state_key"),  # NULL code: no state
        running(sa.func.max(sa.case((role == "meeting", k))), "meeting"),
        running(
            sa.func.max(sa.case((role == "amend", k * 2 + 1), (role == "decision", k * 2))),
            "decision",
        ),
        running(sa.func.max(sa.case((role == "resolved", k))), "resolved"),
        running(sa.func.min(sa.case((role == "request", e.c.date))), "request"),
        running(sa.func.min(sa.case((role == "dispute", e.c.date))), "disputed_on"),
    ).subquery("timeline")


def snapshot_counts_from_events(
    session: Session,
    months: Sequence[Month],
    *,
    twenty_week_days: int,
    team: str | None = None,
    officer: str | None = None,
) -> dict[Month, dict[str, int]]:
    """Open assessments (over 20 weeks, and by age band) and the review backlog, per month
    end, from every case's events (window functions over the whole events table).

    The reference for `snapshot_counts`, which reads the same from the timeliness facts;
    tests check the two agree.
    """
    dialect = _dialect(session)
    t = _timeline(dialect)

    ends = _month_table(months, dialect)
    month_end = ends.c.month_end
    state = t.c.state_key % 16
    open_assessment = state.in_([STATE_CODES[s] for s in OPEN_ASSESSMENT_STATES])
    disputed = sa.and_(t.c.disputed_on.is_not(None), t.c.disputed_on <= month_end)
    age = days_between(month_end, t.c.request, dialect)
    decision_key = t.c.decision // 2
    backlog = sa.and_(
        state == STATE_CODES[State.PLAN_IN_FORCE],
        sa.or_(
            sa.and_(
                t.c.meeting.is_not(None),
                sa.or_(t.c.decision.is_(None), decision_key < t.c.meeting),
            ),
            sa.and_(
                t.c.decision % 2 == 1,
                sa.or_(t.c.resolved.is_(None), t.c.resolved < decision_key),
            ),
        ),
    )
    columns: dict[str, ColumnElement[Any]] = {
        "open_over_20_weeks": _count_if(
            sa.and_(open_assessment, sa.not_(disputed), age > twenty_week_days)
        ),
        "backlog": _count_if(backlog),
    }
    for i, band in enumerate(age_bands(twenty_week_days)):
        in_band = sa.and_(open_assessment, age >= band.low_days)
        if band.high_days is not None:
            in_band = sa.and_(in_band, age <= band.high_days)
        columns[f"band_{i}"] = _count_if(in_band)
        columns[f"band_{i}_disputed"] = _count_if(sa.and_(in_band, disputed))
    statement = _filters(
        sa.select(month_end, *(c.label(name) for name, c in columns.items()))
        .select_from(
            t.join(
                ends,
                sa.and_(t.c.since <= month_end, sa.or_(t.c.until.is_(None), t.c.until > month_end)),
            ).join(CASES, C.id == t.c.case_id)
        )
        .group_by(month_end),
        team,
        officer,
    )
    found: dict[date, dict[str, int]] = {}
    for row in session.execute(statement):
        found[_as_date(row._mapping["month_end"])] = {
            name: int(row._mapping[name]) for name in columns
        }
    empty = dict.fromkeys(columns, 0)
    return {m: found.get(m.last, empty) for m in months}


def snapshot_counts(
    session: Session,
    months: Sequence[Month],
    *,
    twenty_week_days: int,
    team: str | None = None,
    officer: str | None = None,
) -> dict[Month, dict[str, int]]:
    """Open assessments (over 20 weeks, and by age band) and the review backlog, per month
    end, from the timeliness facts (`workflow.timeliness`): each month end falls in at
    most one span of a case, so the counts are one grouped scan of the spans that
    overlap the months."""
    dialect = _dialect(session)
    f = FACTS.c
    ends = _month_table(months, dialect)
    month_end = ends.c.month_end
    is_open = f.kind == OPEN
    disputed = sa.and_(f.disputed_on.is_not(None), f.disputed_on <= month_end)
    age = days_between(month_end, f.request_on, dialect)
    columns: dict[str, ColumnElement[Any]] = {
        "open_over_20_weeks": _count_if(
            sa.and_(is_open, sa.not_(disputed), age > twenty_week_days)
        ),
        "backlog": _count_if(f.kind == BACKLOG),
    }
    for i, band in enumerate(age_bands(twenty_week_days)):
        in_band = sa.and_(is_open, age >= band.low_days)
        if band.high_days is not None:
            in_band = sa.and_(in_band, age <= band.high_days)
        columns[f"band_{i}"] = _count_if(in_band)
        columns[f"band_{i}_disputed"] = _count_if(sa.and_(in_band, disputed))
    first_end, last_end = months[0].last, months[-1].last
    source: sa.FromClause = _OuterFirst(
        FACTS,
        ends,
        sa.and_(f.since <= month_end, sa.or_(f.until.is_(None), f.until > month_end)),
    )
    if team is not None or officer is not None:
        source = source.join(CASES, C.id == f.case_id)
    statement = _filters(
        sa.select(month_end, *(c.label(name) for name, c in columns.items()))
        .select_from(source)
        # Only the spans that hold on some month end of the period.
        .where(
            f.since <= sa.literal(last_end, sa.Date),
            sa.or_(f.until.is_(None), f.until > sa.literal(first_end, sa.Date)),
        )
        .group_by(month_end),
        team,
        officer,
    )
    found: dict[date, dict[str, int]] = {}
    for row in session.execute(statement):
        found[_as_date(row._mapping["month_end"])] = {
            name: int(row._mapping[name]) for name in columns
        }
    empty = dict.fromkeys(columns, 0)
    return {m: found.get(m.last, empty) for m in months}
