"""The floors: hand-written SQL that gives the same answer as the engine, on the same tables.

Written straight from the spec (deadlines.md section 5, kpis.md) for SQLite and
PostgreSQL, run through the driver with no ORM, so engine/floor says what the
engine's query building, plan and Python cost over the plainest fast query.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from scheduler.scorecard.counts import STATE_CODES
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
from workflow.law.events import TYPE_ORDER
from workflow.law.machine import STATE_AFTER


def _in(values: Sequence[str]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _days(later: str, earlier: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def _scan(column: str, dialect: str) -> str:
    """`+column` on SQLite: no index for this term. These queries read most of the
    table, which SQLite does far faster in one scan than through an index."""
    return f"+{column}" if dialect == "sqlite" else column


def _day(value: date, dialect: str) -> str:
    return f"DATE '{value}'" if dialect == "postgresql" else f"'{value}'"


# -- the breach queue -------------------------------------------------------------------


def breach_queue_sql(as_of: date, due_within: int, dialect: str) -> str:
    """Open deadlines (not met, not cancelled as of the day) due by the horizon."""
    x = _day(as_of, dialect)
    horizon = _day(as_of + timedelta(days=due_within), dialect)
    return f"""
SELECT c.reference, d.kind, d.advice, d.ref, d.starts, d.due,
       CASE WHEN d.due >= {x} THEN 'pending' ELSE 'overdue' END,
       d.due < {x} AND d.kind <> 'decision_not_to_issue'
         AND (d.exception_on IS NULL OR d.exception_on > {x}),
       CASE WHEN d.exception_on <= {x} THEN d.exception END,
       CASE WHEN d.due < {x} THEN {_days(x, "d.due", dialect)} END,
       c.team, c.officer
FROM deadlines d JOIN cases c ON c.id = d.case_id
WHERE d.created_on <= {x} AND {_scan("d.due", dialect)} <= {horizon}
  AND (d.met_on IS NULL OR d.met_on > {x})
  AND (d.cancelled_on IS NULL OR d.cancelled_on > {x})
ORDER BY {_scan("d.due", dialect)}, c.reference, d.kind, coalesce(d.advice, ''),
         coalesce(d.ref, ''), d.position
"""


def breach_queue_rows(conn: sa.Connection, as_of: date, due_within: int) -> list[tuple[Any, ...]]:
    sql = breach_queue_sql(as_of, due_within, conn.dialect.name)
    return [tuple(row) for row in conn.exec_driver_sql(sql).fetchall()]


# -- the 12-month scorecard --------------------------------------------------------------


def _months_cte(months: Sequence[Month], dialect: str) -> str:
    rows = ", ".join(f"('{m}', {_day(m.first, dialect)}, {_day(m.last, dialect)})" for m in months)
    return f"months(month, first, month_end) AS (VALUES {rows})"


def deadline_counts_sql(months: Sequence[Month], dialect: str) -> str:
    """Per month end: the deadline indicators' numerators and denominators.

    A row joins the month it was met in (completion kinds) or due in (the others),
    and is read as of that month's end.
    """
    month_of = "to_char({0}, 'YYYY-MM')" if dialect == "postgresql" else "substr({0}, 1, 7)"
    anchor = f"CASE WHEN d.kind IN {_in(COMPLETION_KINDS)} THEN d.met_on ELSE d.due END"
    first, last = _day(months[0].first, dialect), _day(months[-1].last, dialect)
    scanned_kind = _scan("d.kind", dialect)
    # SQLite: the deadlines outside, read once; the months found for each row.
    join = "CROSS JOIN" if dialect == "sqlite" else "JOIN"
    true, false = ("TRUE", "FALSE") if dialect == "postgresql" else ("1", "0")
    counts = {
        "decisions": "kind = 'decision_to_assess' AND met_on IS NOT NULL",
        "decisions_met": "kind = 'decision_to_assess' AND met_on IS NOT NULL AND met",
        "plans_all": "kind = 'final_plan' AND met_on IS NOT NULL",
        "plans": "undisputed_plan",
        "plans_met": "undisputed_plan AND met",
        "plans_excl": "undisputed_plan AND exception IS NULL",
        "plans_excl_met": "undisputed_plan AND exception IS NULL AND met",
        # The DfE SEN2 method (kpis.md v3): every plan, disputed or not.
        "plans_all_met": "kind = 'final_plan' AND met_on IS NOT NULL AND met",
        "plans_all_excl": "kind = 'final_plan' AND met_on IS NOT NULL AND exception IS NULL",
        "plans_all_excl_met": "kind = 'final_plan' AND met_on IS NOT NULL "
        "AND exception IS NULL AND met",
    }
    for advice in ADVICE_KINDS:
        cohort = f"kind = 'advice' AND advice = '{advice}' AND NOT cancelled AND exception IS NULL"
        counts[f"advice_{advice}"] = cohort
        counts[f"advice_{advice}_met"] = f"{cohort} AND met"
    for kind in DUE_KINDS:
        counts[kind] = f"kind = '{kind}' AND NOT cancelled"
        counts[f"{kind}_met"] = f"kind = '{kind}' AND NOT cancelled AND met"
    sums = ",\n       ".join(
        f"sum(CASE WHEN {cond} THEN 1 ELSE 0 END) AS {name}" for name, cond in counts.items()
    )
    plan_days = _days("met_on", "starts", dialect)
    return f"""
WITH {_months_cte(months, dialect)},
disputed AS (
  SELECT case_id, min(date) AS disputed_on FROM events
  WHERE type IN {_in(DISPUTE_TYPES)} GROUP BY case_id
),
rows AS (
  SELECT m.month_end, d.case_id, d.kind, d.advice, d.starts,
         CASE WHEN d.met_on <= m.month_end THEN d.met_on END AS met_on,
         CASE WHEN d.met_on <= m.month_end AND d.met_on <= d.due THEN {true} ELSE {false} END
           AS met,
         CASE WHEN (d.met_on IS NULL OR d.met_on > m.month_end)
                   AND d.cancelled_on <= m.month_end
                   AND (d.can_lapse = {false} OR d.cancelled_on <= d.due)
              THEN {true} ELSE {false} END AS cancelled,
         CASE WHEN d.exception_on <= m.month_end THEN d.exception END AS exception
  FROM deadlines d {join} months m ON m.month = {month_of.format(anchor)}
  WHERE d.created_on <= m.month_end
    AND (({scanned_kind} IN {_in(COMPLETION_KINDS)} AND d.met_on BETWEEN {first} AND {last})
      OR ({scanned_kind} = 'advice' AND d.advice IN {_in(ADVICE_KINDS)}
          AND d.due BETWEEN {first} AND {last})
      OR ({scanned_kind} IN {_in(DUE_KINDS)} AND d.due BETWEEN {first} AND {last}))
),
judged AS (
  SELECT r.*, r.kind = 'final_plan' AND r.met_on IS NOT NULL
              AND (x.disputed_on IS NULL OR x.disputed_on > r.met_on) AS undisputed_plan
  FROM rows r LEFT JOIN disputed x ON x.case_id = r.case_id
)
SELECT month_end,
       {sums},
       sum(CASE WHEN undisputed_plan THEN {plan_days} ELSE 0 END) AS plan_days,
       sum(CASE WHEN kind = 'final_plan' AND met_on IS NOT NULL THEN {plan_days} ELSE 0 END)
         AS plan_days_all
FROM judged GROUP BY month_end
"""


def snapshot_counts_sql(months: Sequence[Month], twenty_week_days: int, dialect: str) -> str:
    """Per month end: open assessments (over 20 weeks, by age band) and the review backlog.

    Each case's relevant events in processing order (day, type rank, sequence) with
    running maxima of what they leave; the event in force on a month end is the
    last one on or before it.
    """
    types = tuple(
        dict.fromkeys(
            (*STATE_AFTER, *DISPUTE_TYPES, "review_meeting_held", "review_decision")
            + RESOLVES_AMENDMENT
        )
    )
    rank = " ".join(f"WHEN '{t}' THEN {TYPE_ORDER[t]}" for t in types)
    code = " ".join(f"WHEN '{t}' THEN {STATE_CODES[s]}" for t, s in STATE_AFTER.items())
    outcome = (
        "e.fields ->> 'outcome'"
        if dialect == "postgresql"
        else "json_extract(e.fields, '$.outcome')"
    )
    day = _days("e.date", _day(date(1900, 1, 1), dialect), dialect)
    window = "OVER (PARTITION BY case_id ORDER BY key ROWS UNBOUNDED PRECEDING)"
    open_codes = ", ".join(str(STATE_CODES[s]) for s in OPEN_ASSESSMENT_STATES)
    age = _days("m.month_end", "t.request", dialect)
    disputed = "(t.disputed_on IS NOT NULL AND t.disputed_on <= m.month_end)"
    opened = f"t.state_key % 16 IN ({open_codes})"
    bands = []
    for i, band in enumerate(age_bands(twenty_week_days)):
        cond = f"{opened} AND {age} >= {band.low_days}"
        if band.high_days is not None:
            cond += f" AND {age} <= {band.high_days}"
        bands.append(f"sum(CASE WHEN {cond} THEN 1 ELSE 0 END) AS band_{i}")
        bands.append(f"sum(CASE WHEN {cond} AND {disputed} THEN 1 ELSE 0 END) AS band_{i}_disputed")
    band_sums = ",\n       ".join(bands)
    plan = STATE_CODES["plan_in_force"]
    return f"""
WITH {_months_cte(months, dialect)},
e AS (
  SELECT e.case_id, e.date, e.type,
         (CAST({day} AS BIGINT) * 100 + CASE e.type {rank} END) * 1000000 + e.sequence AS key,
         CASE e.type {code} END AS code,
         {outcome} AS outcome
  FROM events e WHERE {_scan("e.type", dialect)} IN {_in(types)}
),
t AS (
  SELECT case_id, date AS since,
         lead(date) OVER (PARTITION BY case_id ORDER BY key) AS until,
         max(key * 16 + code) {window} AS state_key,
         max(CASE WHEN type = 'review_meeting_held' THEN key END) {window} AS meeting,
         max(CASE WHEN type = 'review_decision'
                  THEN key * 2 + CASE WHEN outcome = 'amend' THEN 1 ELSE 0 END END)
           {window} AS decision,
         max(CASE WHEN type IN {_in(RESOLVES_AMENDMENT)} THEN key END) {window} AS resolved,
         min(CASE WHEN type = 'request_received' THEN date END) {window} AS request,
         min(CASE WHEN type IN {_in(DISPUTE_TYPES)} THEN date END) {window} AS disputed_on
  FROM e
)
SELECT m.month_end,
       sum(CASE WHEN {opened} AND NOT {disputed} AND {age} > {twenty_week_days}
           THEN 1 ELSE 0 END) AS open_over_20_weeks,
       sum(CASE WHEN t.state_key % 16 = {plan} AND (
             (t.meeting IS NOT NULL AND (t.decision IS NULL OR t.decision / 2 < t.meeting))
             OR (t.decision % 2 = 1 AND (t.resolved IS NULL OR t.resolved < t.decision / 2)))
           THEN 1 ELSE 0 END) AS backlog,
       {band_sums}
FROM t JOIN months m ON t.since <= m.month_end AND (t.until IS NULL OR t.until > m.month_end)
GROUP BY m.month_end
"""


def snapshot_facts_sql(months: Sequence[Month], twenty_week_days: int, dialect: str) -> str:
    """Per month end, the same counts as `snapshot_counts_sql`, from the timeliness facts:
    the spans (`workflow.timeliness`) that hold on each month end."""
    age = _days("m.month_end", "f.request_on", dialect)
    disputed = "(f.disputed_on IS NOT NULL AND f.disputed_on <= m.month_end)"
    opened = "f.kind = 'open'"
    bands = []
    for i, band in enumerate(age_bands(twenty_week_days)):
        cond = f"{opened} AND {age} >= {band.low_days}"
        if band.high_days is not None:
            cond += f" AND {age} <= {band.high_days}"
        bands.append(f"sum(CASE WHEN {cond} THEN 1 ELSE 0 END) AS band_{i}")
        bands.append(f"sum(CASE WHEN {cond} AND {disputed} THEN 1 ELSE 0 END) AS band_{i}_disputed")
    band_sums = ",\n       ".join(bands)
    first, last = _day(months[0].last, dialect), _day(months[-1].last, dialect)
    join = "CROSS JOIN" if dialect == "sqlite" else "JOIN"
    return f"""
WITH {_months_cte(months, dialect)}
SELECT m.month_end,
       sum(CASE WHEN {opened} AND NOT {disputed} AND {age} > {twenty_week_days}
           THEN 1 ELSE 0 END) AS open_over_20_weeks,
       sum(CASE WHEN f.kind = 'backlog' THEN 1 ELSE 0 END) AS backlog,
       {band_sums}
FROM timeliness_facts f {join} months m
  ON f.since <= m.month_end AND (f.until IS NULL OR f.until > m.month_end)
WHERE f.since <= {last} AND (f.until IS NULL OR f.until > {first})
GROUP BY m.month_end
"""


def scorecard_counts(
    conn: sa.Connection, months: Sequence[Month], twenty_week_days: int, *, facts: bool = True
) -> dict[str, dict[str, int]]:
    """{'YYYY-MM': {count name: value}} for both queries, months without rows as zeros.

    `facts`: the month-end counts from the timeliness facts, as the engine reads them;
    otherwise from the events, as it did before the facts (the earlier floor).
    """
    dialect = conn.dialect.name
    snapshot = snapshot_facts_sql if facts else snapshot_counts_sql
    out: dict[str, dict[str, int]] = {}
    for sql in (
        deadline_counts_sql(months, dialect),
        snapshot(months, twenty_week_days, dialect),
    ):
        if dialect == "postgresql":
            sql = sql.replace("%", "%%")  # psycopg reads a lone % as a placeholder
        result = conn.exec_driver_sql(sql)
        names = list(result.keys())[1:]
        found = {str(row[0])[:7]: row[1:] for row in result}
        for m in months:
            values = found.get(str(m), (0,) * len(names))
            out.setdefault(str(m), {}).update(
                {n: int(v or 0) for n, v in zip(names, values, strict=True)}
            )
    return out
