"""The timeliness scorecard: the SEND improvement plan's KPIs, month by month (spec kpis.md).

Every figure is read from the stored events and deadlines as of the last day of
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
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Join

from workflow.deadline_store import (
    CASES,
    DEADLINES,
    D,
    days_between,
    deadlines_as_of,
    status_columns,
)
from workflow.errors import InvalidInput
from workflow.law.deadlines import Settings
from workflow.law.events import TYPE_ORDER
from workflow.law.machine import STATE_AFTER
from workflow.models import StoredEvent

EVENTS: sa.Table = StoredEvent.__table__  # type: ignore[attr-defined]
EV = EVENTS.c
C = CASES.c

ONE_DECIMAL = Decimal("0.1")
# The months are a table of literals in one statement (SQLite allows 500 terms).
MAX_SCORECARD_MONTHS = 120
DAYS_PER_WEEK = 7

# -- months -----------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """`YYYY-MM`; raises ValueError otherwise."""
        parts = text.strip().split("-")
        if len(parts) != 2 or len(parts[0]) != 4 or len(parts[1]) != 2:
            raise ValueError(f"{text!r} is not a month in the form YYYY-MM")
        year, month = int(parts[0]), int(parts[1])
        if not 1 <= month <= 12 or year < 1900:
            raise ValueError(f"{text!r} is not a month in the form YYYY-MM")
        return cls(year, month)

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return self.next().first - timedelta(days=1)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def label(self) -> str:
        """As the plan heads its columns: Dec-23."""
        return self.first.strftime("%b-%y")

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def scorecard_months(
    first: str, last: str | None, today: date, names: tuple[str, str] = ("--from", "--to")
) -> tuple[Month, Month]:
    """The scorecard's first and last months from `YYYY-MM` texts (`last` defaults to `first`).

    Every caller (CLI, API, scorecard page) checks them here; `names` are what the
    caller calls the two inputs, for the messages.
    """
    from_name, to_name = names

    def parse(text: str, name: str) -> Month:
        try:
            return Month.parse(text)
        except ValueError:
            message = f"{name} must be a month in the form YYYY-MM (got {text!r})"
            raise InvalidInput(message) from None

    start = parse(first, from_name)
    end = parse(last, to_name) if last else start
    check_scorecard_period(start, end, today, names)
    return start, end


def check_scorecard_period(
    first: Month, last: Month, today: date, names: tuple[str, str] = ("--from", "--to")
) -> None:
    """The last month must not be before the first, and must have ended (its figures
    are read as of its last day)."""
    from_name, to_name = names
    if last < first:
        raise InvalidInput(f"{to_name} ({last}) must not be before {from_name} ({first})")
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    if months > MAX_SCORECARD_MONTHS:
        raise InvalidInput(
            f"{first} to {last} is {months} months: "
            f"enter at most {MAX_SCORECARD_MONTHS} ({MAX_SCORECARD_MONTHS // 12} years)"
        )
    if last >= Month.of(today):
        ends = f", {last.last.isoformat()}" if last.year < date.max.year else ""
        raise InvalidInput(
            f"{last} has not ended yet: its figures are as of its last day{ends}. "
            f"Enter a {to_name} month that has ended"
        )


def month_range(first: Month, last: Month) -> list[Month]:
    if last < first:
        raise ValueError(f"the months run backwards: {first} to {last}")
    out = [first]
    while out[-1] < last:
        out.append(out[-1].next())
    return out


# -- the indicators ----------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str  # as the plan's scorecard words it
    sheet: str  # its XLSX sheet: at most 31 characters
    unit: str  # percent, count or weeks
    direction: str  # up or down: the plan's "required direction of travel"
    target: Decimal | None
    national: Decimal | None
    national_note: str | None  # which year the national figure is for
    definition: str  # plain English, for board members

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "unit": self.unit,
            "direction": self.direction,
            "target": _number(self.target),
            "national": _number(self.national),
            "national_note": self.national_note,
            "definition": self.definition,
        }


def _d(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "decisions_within_6_weeks",
        "% of decisions whether to assess made within 6 weeks",
        "Decisions in 6 weeks",
        "percent",
        "up",
        _d("100"),
        None,
        None,
        "Of the requests for an assessment that the council decided on this month (yes or no), "
        "the share decided within 6 weeks of the request, as the law requires (SEND Regulations "
        "2014 reg 5).",
    ),
    Indicator(
        "plans_within_20_weeks_incl_exceptions",
        "% of new EHCPs issued within 20 weeks (including exceptions)",
        "Plans 20 weeks incl exceptions",
        "percent",
        "up",
        _d("95"),
        _d("47.7"),
        "2022",
        "Of the new EHC plans issued this month, the share issued within 20 weeks of the request "
        "(reg 13(2)). Plans delayed for an allowed reason (an exception) still count. Cases in "
        "mediation, appeal or under a Tribunal order by the day the plan was issued are left out.",
    ),
    Indicator(
        "plans_within_20_weeks_excl_exceptions",
        "% of new EHCPs issued within 20 weeks (excluding exceptions)",
        "Plans 20 weeks excl exceptions",
        "percent",
        "up",
        _d("95"),
        _d("46.4"),
        "2024",
        "As the line above, but also leaving out plans where an allowed reason for delay (an "
        "exception, reg 13(3)) had been recorded by the month's end. This is the DfE's headline "
        "measure.",
    ),
    Indicator(
        "average_weeks_to_issue",
        "Average weeks from request to new EHCP",
        "Average weeks to issue",
        "weeks",
        "down",
        None,
        None,
        None,
        "For the same plans as the 'including exceptions' line, the average time from the "
        "request to the final plan, in weeks (days divided by 7).",
    ),
    Indicator(
        "open_assessments_over_20_weeks",
        "Number of EHC needs assessments open over 20 weeks "
        "(excluding mediation, appeal or Tribunal)",
        "Open over 20 weeks",
        "count",
        "down",
        _d("0"),
        None,
        None,
        "On the month's last day, the number of requests still waiting for a decision, being "
        "assessed or at draft plan stage, where more than 20 weeks have passed since the "
        "request. Cases in mediation, appeal or under a Tribunal order are left out.",
    ),
    Indicator(
        "advice_within_6_weeks_psychological",
        "% of requests for EP advice answered within 6 weeks",
        "EP advice in 6 weeks",
        "percent",
        "up",
        _d("100"),
        None,
        None,
        "Of the requests for educational psychology advice due this month, the share answered "
        "within 6 weeks of the request (reg 8(1)). Requests that were due and are still "
        "unanswered count as late. Requests ended before they were due, and those with an "
        "allowed reason for delay (reg 8(2)), are left out.",
    ),
    Indicator(
        "advice_within_6_weeks_health",
        "% of requests for health advice answered within 6 weeks",
        "Health advice in 6 weeks",
        "percent",
        "up",
        _d("95"),
        None,
        None,
        "As the line above, for health advice.",
    ),
    Indicator(
        "advice_within_6_weeks_social_care",
        "% of requests for social care advice answered within 6 weeks",
        "Social care advice in 6 weeks",
        "percent",
        "up",
        _d("100"),
        None,
        None,
        "As the line above, for social care advice.",
    ),
    Indicator(
        "annual_reviews_within_timeframe",
        "% of annual reviews completed within timeframe",
        "Annual reviews on time",
        "percent",
        "up",
        _d("100"),
        None,
        None,
        "Of the annual reviews due this month, the share where the council had decided the "
        "review's outcome (maintain, amend or cease) within 12 months of the plan or the last "
        "review (Children and Families Act 2014 s.44). Reviews still not decided count as late; "
        "reviews of plans that ended before they were due are left out.",
    ),
    Indicator(
        "review_decisions_within_4_weeks",
        "% of review decisions sent within 4 weeks of the meeting",
        "Review decisions in 4 weeks",
        "percent",
        "up",
        _d("100"),
        None,
        None,
        "Of the decisions after a review meeting due this month, the share the council sent "
        "within 4 weeks of the meeting (reg 20(10)). Decisions still not sent count as late.",
    ),
    Indicator(
        "amended_plans_on_time",
        "% of amended EHCPs issued on time",
        "Amended plans on time",
        "percent",
        "up",
        _d("95"),
        None,
        None,
        "Of the amended plans due this month, the share issued (or a decision not to amend "
        "made) within 8 weeks of the proposed amendments, and never more than 12 weeks after "
        "the review meeting (reg 22). Amendments still not issued count as late.",
    ),
    Indicator(
        "annual_review_backlog",
        "Number of annual reviews not finalised (meeting held but not processed - backlog)",
        "Annual review backlog",
        "count",
        "down",
        _d("0"),
        None,
        None,
        "On the month's last day, the number of plans where a review meeting has been held but "
        "the council has not yet decided the outcome, or has decided to amend the plan but has "
        "not yet issued the amended plan (or decided not to amend after all).",
    ),
)
BY_ID = {i.id: i for i in INDICATORS}


@dataclass(frozen=True)
class AgeBand:
    label: str
    low_days: int
    high_days: int | None  # exclusive; None: no upper bound

    def contains(self, days: int) -> bool:
        return days >= self.low_days and (self.high_days is None or days < self.high_days)


# Weeks since the request, lower bound inclusive, counted in whole days / 7.
AGE_BANDS: tuple[AgeBand, ...] = (
    AgeBand("0-6", 0, 6 * 7),
    AgeBand("6-16", 6 * 7, 16 * 7),
    AgeBand("16-20", 16 * 7, 20 * 7),
    AgeBand("20-24", 20 * 7, 24 * 7),
    AgeBand("24-30", 24 * 7, 30 * 7),
    AgeBand("30-52", 30 * 7, 52 * 7),
    AgeBand("52+", 52 * 7, None),
)

# The DfE's national series (../shared/reference/national-20-week-timeliness.csv): per
# calendar year, % within 20 weeks including and excluding exceptions, where published.
NATIONAL_20_WEEKS: dict[int, tuple[Decimal | None, Decimal | None]] = {
    2014: (Decimal("61.5"), Decimal("64.3")),
    2015: (Decimal("54.6"), Decimal("59.2")),
    2016: (Decimal("55.7"), Decimal("58.6")),
    2017: (Decimal("61.3"), Decimal("64.9")),
    2018: (Decimal("58.0"), Decimal("60.1")),
    2019: (Decimal("58.7"), Decimal("60.4")),
    2020: (Decimal("55.6"), Decimal("58.0")),
    2021: (Decimal("57.9"), Decimal("59.9")),
    2022: (Decimal("47.7"), Decimal("49.2")),
    2023: (None, Decimal("50.3")),
    2024: (None, Decimal("46.4")),
}

# -- figures -------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    month: str
    value: Decimal | int | None
    numerator: int | None = None
    denominator: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "value": _number(self.value),
            "numerator": self.numerator,
            "denominator": self.denominator,
        }


def percent(numerator: int, denominator: int) -> Decimal | None:
    """numerator / denominator as a percentage, one decimal place, half up; None for 0/0."""
    if denominator == 0:
        return None
    return (Decimal(100 * numerator) / Decimal(denominator)).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def mean_weeks(total_days: int, count: int) -> Decimal | None:
    """The exact mean of `count` intervals totalling `total_days`, in weeks, one decimal."""
    if count == 0:
        return None
    return (Decimal(total_days) / Decimal(DAYS_PER_WEEK * count)).quantize(
        ONE_DECIMAL, ROUND_HALF_UP
    )


def _number(value: Decimal | int | None) -> float | int | None:
    """For JSON: whole Decimals (targets) as integers, rounded figures as floats (67.1)."""
    if value is None or isinstance(value, int):
        return value
    return int(value) if value.as_tuple().exponent == 0 else float(value)


@dataclass(frozen=True)
class BandCount:
    band: str
    cases: int
    disputed: int

    def to_json(self) -> dict[str, Any]:
        return {"band": self.band, "cases": self.cases, "disputed": self.disputed}


@dataclass(frozen=True)
class MonthBands:
    month: str
    bands: tuple[BandCount, ...]

    def to_json(self) -> dict[str, Any]:
        return {"month": self.month, "bands": [b.to_json() for b in self.bands]}


@dataclass
class Scorecard:
    first: Month
    last: Month
    settings: Settings
    team: str | None = None
    officer: str | None = None
    figures: dict[str, list[Figure]] = field(default_factory=dict)
    age_bands: list[MonthBands] = field(default_factory=list)

    @property
    def months(self) -> list[Month]:
        return month_range(self.first, self.last)

    def to_json(self) -> dict[str, Any]:
        return {
            "from": str(self.first),
            "to": str(self.last),
            "settings": {
                "twenty_week_days": self.settings.twenty_week_days,
                "phase_transfer_rule": self.settings.phase_transfer_rule,
            },
            "filters": {"team": self.team, "officer": self.officer},
            "indicators": [
                {
                    **indicator.to_json(),
                    "months": [f.to_json() for f in self.figures[indicator.id]],
                }
                for indicator in INDICATORS
            ],
            "open_assessment_age_bands": [m.to_json() for m in self.age_bands],
        }


# -- SQL pieces ---------------------------------------------------------------------

DISPUTE_TYPES = ("mediation_requested", "appeal_registered", "tribunal_order")
ADVICE_KINDS = ("psychological", "health", "social_care")
DUE_KINDS = ("annual_review", "review_decision", "amended_plan")
COMPLETION_KINDS = ("decision_to_assess", "final_plan")

# A number for each state a state-changing event leaves a case in (the machine's
# STATE_AFTER): 1..8, so a code fits in 4 bits.
STATE_CODES: dict[str, int] = {s: i + 1 for i, s in enumerate(dict.fromkeys(STATE_AFTER.values()))}
OPEN_ASSESSMENT_STATES = ("requested", "assessing", "draft_issued")
RESOLVES_AMENDMENT = ("amended_plan_issued", "decision_not_to_amend")
TIMELINE_TYPES = tuple(
    dict.fromkeys(
        (
            *STATE_AFTER,
            *DISPUTE_TYPES,
            "review_meeting_held",
            "review_decision",
            *RESOLVES_AMENDMENT,
        )
    )
)
EPOCH = date(1900, 1, 1)
SEQUENCE_SPACE = 1_000_000  # sequences within one case stay below this


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


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
        .where(EV.type.in_(DISPUTE_TYPES))
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
        "plan_days": sa.func.coalesce(
            sa.func.sum(
                sa.case((undisputed_plans, days_between(d.c.met_on, d.c.starts, dialect)), else_=0)
            ),
            0,
        ),
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
        .where(EV.type.concat("").in_(TIMELINE_TYPES))
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


def snapshot_counts(
    session: Session,
    months: Sequence[Month],
    *,
    twenty_week_days: int,
    team: str | None = None,
    officer: str | None = None,
) -> dict[Month, dict[str, int]]:
    """Open assessments (over 20 weeks, and by age band) and the review backlog, per month end."""
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
        state == STATE_CODES["plan_in_force"],
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
    for i, band in enumerate(AGE_BANDS):
        in_band = sa.and_(open_assessment, age >= band.low_days)
        if band.high_days is not None:
            in_band = sa.and_(in_band, age < band.high_days)
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


# -- the scorecard ---------------------------------------------------------------------


def _deadline_figures(month: str, c: dict[str, int]) -> dict[str, Figure]:
    def pct(num: str, den: str) -> Figure:
        return Figure(month, percent(c[num], c[den]), c[num], c[den])

    out = {
        "decisions_within_6_weeks": pct("decisions_met", "decisions"),
        "plans_within_20_weeks_incl_exceptions": pct("plans_met", "plans"),
        "plans_within_20_weeks_excl_exceptions": pct("plans_excl_met", "plans_excl"),
        "average_weeks_to_issue": Figure(month, mean_weeks(c["plan_days"], c["plans"])),
        "annual_reviews_within_timeframe": pct("annual_review_met", "annual_review"),
        "review_decisions_within_4_weeks": pct("review_decision_met", "review_decision"),
        "amended_plans_on_time": pct("amended_plan_met", "amended_plan"),
    }
    for advice in ADVICE_KINDS:
        out[f"advice_within_6_weeks_{advice}"] = pct(f"advice_{advice}_met", f"advice_{advice}")
    return out


def compute_scorecard(
    session: Session,
    *,
    first: Month,
    last: Month,
    settings: Settings,
    team: str | None = None,
    officer: str | None = None,
) -> Scorecard:
    """Every indicator for every month first..last, as of each month's last day."""
    months = month_range(first, last)
    card = Scorecard(first, last, settings, team, officer)
    card.figures = {i.id: [] for i in INDICATORS}
    snapshots = snapshot_counts(
        session, months, twenty_week_days=settings.twenty_week_days, team=team, officer=officer
    )
    counts = deadline_counts_by_month(session, months, team=team, officer=officer)
    for m in months:
        figures = _deadline_figures(str(m), counts[m])
        snap = snapshots[m]
        figures["open_assessments_over_20_weeks"] = Figure(str(m), snap["open_over_20_weeks"])
        figures["annual_review_backlog"] = Figure(str(m), snap["backlog"])
        for indicator in INDICATORS:
            card.figures[indicator.id].append(figures[indicator.id])
        card.age_bands.append(
            MonthBands(
                str(m),
                tuple(
                    BandCount(band.label, snap[f"band_{i}"], snap[f"band_{i}_disputed"])
                    for i, band in enumerate(AGE_BANDS)
                ),
            )
        )
    session.commit()  # end the read-only transaction, as workflow.service does
    return card


# -- the DfE check ------------------------------------------------------------------


@dataclass(frozen=True)
class DfeYear:
    """The 20-week figures for a calendar year, by the DfE SEN2 method (spec kpis.md)."""

    year: int
    as_of: date
    settings: Settings
    plans_issued: int  # final_plan_issued events dated in the year
    plans_in_cohort: int  # final_plan deadlines met in the year, disputed or not
    disputed_left_out: int
    incl_exceptions: Figure
    excl_exceptions: Figure
    exceptions_left_out: int
    average_weeks: Decimal | None
    team: str | None = None
    officer: str | None = None

    def to_json(self) -> dict[str, Any]:
        national = NATIONAL_20_WEEKS.get(self.year, (None, None))
        return {
            "calendar_year": self.year,
            "as_of": self.as_of.isoformat(),
            "settings": {
                "twenty_week_days": self.settings.twenty_week_days,
                "phase_transfer_rule": self.settings.phase_transfer_rule,
            },
            "filters": {"team": self.team, "officer": self.officer},
            "plans_issued": self.plans_issued,
            "plans_with_20_week_deadline_met_in_year": self.plans_in_cohort,
            "disputed_left_out": self.disputed_left_out,
            "within_20_weeks_incl_exceptions": _figure_json(self.incl_exceptions),
            "exceptions_left_out": self.exceptions_left_out,
            "within_20_weeks_excl_exceptions": _figure_json(self.excl_exceptions),
            "average_weeks_to_issue": _number(self.average_weeks),
            "national": {
                "pct_incl_exceptions": _number(national[0]),
                "pct_excl_exceptions": _number(national[1]),
            },
        }


def _figure_json(f: Figure) -> dict[str, Any]:
    return {"value": _number(f.value), "numerator": f.numerator, "denominator": f.denominator}


def dfe_year(
    session: Session,
    *,
    year: int,
    settings: Settings,
    as_of: date | None = None,
    team: str | None = None,
    officer: str | None = None,
) -> DfeYear:
    """Plans issued in `year`: within 20 weeks, including and excluding exceptions.

    Read as of 31 December of the year unless `as_of` says otherwise (a later day
    counts exceptions recorded after the year ended, as a January SEN2 return may).
    """
    start, end = date(year, 1, 1), date(year, 12, 31)
    day = as_of or end
    c = deadline_counts(session, start=start, end=end, as_of=day, team=team, officer=officer)
    issued = _filters(
        sa.select(sa.func.count())
        .select_from(EVENTS.join(CASES, C.id == EV.case_id))
        .where(EV.type == "final_plan_issued", EV.date >= start, EV.date <= min(end, day)),
        team,
        officer,
    )
    plans_issued = int(session.execute(issued).scalar_one())
    session.commit()
    label = str(year)
    return DfeYear(
        year=year,
        as_of=day,
        settings=settings,
        plans_issued=plans_issued,
        plans_in_cohort=c["plans_all"],
        disputed_left_out=c["plans_all"] - c["plans"],
        incl_exceptions=Figure(
            label, percent(c["plans_met"], c["plans"]), c["plans_met"], c["plans"]
        ),
        excl_exceptions=Figure(
            label,
            percent(c["plans_excl_met"], c["plans_excl"]),
            c["plans_excl_met"],
            c["plans_excl"],
        ),
        exceptions_left_out=c["plans"] - c["plans_excl"],
        average_weeks=mean_weeks(c["plan_days"], c["plans"]),
        team=team,
        officer=officer,
    )
