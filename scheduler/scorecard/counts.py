"""The scorecard's counts: the SQL behind every indicator, month by month (spec kpis.md).

Every figure is read from the stored events (effective ones: a voided event counts
nowhere, `workflow.corrections.effective`) and deadlines as of the last day of
its month: a deadline row exists when `created_on <= month end` and is met,
cancelled or excused only by what happened by then (`workflow.deadline_store`), and a
case's state is that left by its last state-changing event on or before the
month end. Later events are ignored, so a month's figures change only through
back-dated events.

All counting is set-based SQL, on SQLite and PostgreSQL, one statement each:

- the deadline indicators: the stored deadlines in the months' cohorts, each row read
  as of the last day of its month with `workflow.deadline_store.status_columns`
  (exactly `deadlines_as_of(month end)`, month by month, in one scan), counted by
  month and by what decides the indicators a row counts in (kind, advice, status,
  exception, dispute: a few hundred groups a year); `_tally` adds the groups up into
  each indicator's numerator and denominator;
- the snapshot indicators (open assessments, their ages, the review backlog): the
  timeliness facts (`workflow.timeliness`) that hold on each month end; the same from
  a per-case timeline of events (window functions) is `snapshot_counts_from_events`,
  the reference.

Python only adds up exact integer counts, then divides and rounds (`Decimal`, half up).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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


# What a deadline row is, for the deadline indicators: the counts are per combination
# of these (a few hundred a year), and `_tally` makes the indicators' numerators and
# denominators from them.
_GROUP_KEYS = ("kind", "advice", "status", "has_met", "no_exception", "undisputed")


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return sa.case((condition, 1), else_=0)


def _grouped(d: sa.Subquery, dialect: str, *by: ColumnElement[Any]) -> sa.Select[Any]:
    """Rows `d` counted by `by` and what decides which indicators a row counts in.

    `d` has the columns of `deadlines_as_of` (status, met_on and exception as of the
    period's end) for the rows of `_in_cohort`. Each group has its number of rows and
    their days from request to issue (`days`: plans only use it).
    """
    disputed = _disputed_on()
    keys = {
        "kind": d.c.kind,
        "advice": d.c.advice,
        "status": d.c.status,
        "has_met": _flag(d.c.met_on.is_not(None)),
        "no_exception": _flag(d.c.exception.is_(None)),
        # A plan disputed on or before the day it was issued is left out (not the DfE's).
        "undisputed": _flag(
            sa.or_(disputed.c.disputed_on.is_(None), disputed.c.disputed_on > d.c.met_on)
        ),
    }
    labelled = [*by, *(column.label(name) for name, column in keys.items())]
    return (
        sa.select(
            *labelled,
            sa.func.count().label("rows"),
            sa.func.coalesce(sa.func.sum(days_between(d.c.met_on, d.c.starts, dialect)), 0).label(
                "days"
            ),
        )
        .select_from(d.outerjoin(disputed, disputed.c.case_id == d.c.case_id))
        .group_by(*by, *keys.values())
    )


def _tally(groups: Iterable[Any]) -> dict[str, int]:
    """The deadline indicators' numerators and denominators from `_grouped` rows."""
    out = dict.fromkeys(COUNT_NAMES, 0)
    for g in groups:
        kind, advice, met = g.kind, g.advice, g.status == "met"
        rows, days = int(g.rows), int(g.days)
        no_exception, not_cancelled = bool(g.no_exception), g.status != "cancelled"
        if kind == "decision_to_assess" and g.has_met:
            out["decisions"] += rows
            out["decisions_met"] += rows if met else 0
        elif kind == "final_plan" and g.has_met:
            # The DfE SEN2 method counts every plan, disputed or not (kpis.md v3).
            counted = ["_all", ""] if g.undisputed else ["_all"]
            for which in counted:
                out[f"plans{which}"] += rows
                out[f"plans{which}_met"] += rows if met else 0
                out[f"plans{which}_excl"] += rows if no_exception else 0
                out[f"plans{which}_excl_met"] += rows if no_exception and met else 0
                out[f"plan_days{which}"] += days
        elif kind == "advice" and advice in ADVICE_KINDS and not_cancelled and no_exception:
            out[f"advice_{advice}"] += rows
            out[f"advice_{advice}_met"] += rows if met else 0
        elif kind in DUE_KINDS and not_cancelled:
            out[kind] += rows
            out[f"{kind}_met"] += rows if met else 0
    return out


COUNT_NAMES = (
    *("decisions", "decisions_met", "plans", "plans_met", "plans_excl", "plans_excl_met"),
    "plan_days",
    *("plans_all", "plans_all_met", "plans_all_excl", "plans_all_excl_met", "plan_days_all"),
    *(f"advice_{a}{met}" for a in ADVICE_KINDS for met in ("", "_met")),
    *(f"{kind}{met}" for kind in DUE_KINDS for met in ("", "_met")),
)


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
    return _tally(session.execute(_grouped(d, dialect)))


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


def _month_end_of(day: Any, dialect: str) -> ColumnElement[Any]:
    """The last day of a date column's month."""
    if dialect == "postgresql":
        month = sa.func.date_trunc("month", day)
        return sa.cast(month + sa.text("interval '1 month - 1 day'"), sa.Date)
    return sa.func.date(day, "start of month", "+1 month", "-1 day")  # ISO text, as stored


def deadline_counts_by_month(
    session: Session,
    months: Sequence[Month],
    *,
    team: str | None = None,
    officer: str | None = None,
) -> dict[Month, dict[str, int]]:
    """The deadline indicators' counts for each month, each read as of its last day.

    One statement for all months: every deadline row belongs to at most one month's
    cohort (the month it was met in, or due in), so reading each row as of the last day
    of that month (`workflow.deadline_store.status_columns`) and grouping by it is
    exactly `deadlines_as_of(month end)` month by month. The database reads the
    deadlines once, in one scan, and works out each row's month end from its own date.
    """
    dialect = _dialect(session)
    # The day that puts a row in a month's cohort: met (completion) or due (due cohorts).
    anchor = sa.case((D.kind.in_(COMPLETION_KINDS), D.met_on), else_=D.due)
    names = (
        *("case_id", "kind", "advice", "starts", "due", "created_on", "met_on"),
        *("cancelled_on", "can_lapse", "exception", "exception_on"),
    )
    source: sa.FromClause = DEADLINES
    if team is not None or officer is not None:
        source = DEADLINES.join(CASES, C.id == D.case_id)
    rows = _filters(
        sa.select(*(D[n] for n in names), _month_end_of(anchor, dialect).label("month_end"))
        .select_from(source)
        .where(_in_cohort(months[0].first, months[-1].last, scan=True)),
        team,
        officer,
    ).subquery("r")
    month_end = rows.c.month_end
    d = (
        sa.select(
            rows.c.case_id,
            rows.c.kind,
            rows.c.advice,
            rows.c.starts,
            month_end,
            *status_columns(month_end, dialect, rows.c).values(),
        )
        .where(rows.c.created_on <= month_end)
        .subquery("d")
    )
    by_month: dict[date, list[Any]] = {}
    for row in session.execute(_grouped(d, dialect, d.c.month_end)):
        by_month.setdefault(_as_date(row.month_end), []).append(row)
    return {month: _tally(by_month.get(month.last, [])) for month in months}


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
    columns = _snapshot_columns(open_assessment, disputed, age, backlog, twenty_week_days)
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
    return _by_month_end(session, statement, columns, months)


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
    columns = _snapshot_columns(is_open, disputed, age, f.kind == BACKLOG, twenty_week_days)
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
    return _by_month_end(session, statement, columns, months)


def _snapshot_columns(
    is_open: ColumnElement[bool],
    disputed: ColumnElement[bool],
    age: ColumnElement[Any],
    backlog: ColumnElement[bool],
    twenty_week_days: int,
) -> dict[str, ColumnElement[Any]]:
    """The month-end counts of `snapshot_counts` and its reference, from their conditions."""
    columns: dict[str, ColumnElement[Any]] = {
        "open_over_20_weeks": _count_if(
            sa.and_(is_open, sa.not_(disputed), age > twenty_week_days)
        ),
        "backlog": _count_if(backlog),
    }
    for i, band in enumerate(age_bands(twenty_week_days)):
        in_band = sa.and_(is_open, age >= band.low_days)
        if band.high_days is not None:
            in_band = sa.and_(in_band, age <= band.high_days)
        columns[f"band_{i}"] = _count_if(in_band)
        columns[f"band_{i}_disputed"] = _count_if(sa.and_(in_band, disputed))
    return columns


def _by_month_end(
    session: Session,
    statement: sa.Select[Any],
    columns: dict[str, ColumnElement[Any]],
    months: Sequence[Month],
) -> dict[Month, dict[str, int]]:
    """Each month's counts from a statement grouped by month end (zeros where none)."""
    found: dict[date, dict[str, int]] = {}
    for row in session.execute(statement):
        found[_as_date(row._mapping["month_end"])] = {
            name: int(row._mapping[name]) for name in columns
        }
    empty = dict.fromkeys(columns, 0)
    return {m: found.get(m.last, empty) for m in months}
