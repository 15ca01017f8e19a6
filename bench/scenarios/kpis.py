"""The 12-month scorecard to the cohort's end (`compute_scorecard`), and its floors.

The engine reads the month-end counts from the timeliness facts (migration 0012), so
its floor is the hand-written SQL over the same tables; the floor over the events (how
the scorecard read them before the facts) is timed too, for the record. A data set
built before the facts gets them first, untimed, from the migration's backfill.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from bench import floors
from bench.config import END
from bench.context import Context
from bench.timing import repeat
from scheduler.scorecard.compute import Scorecard, compute_scorecard
from scheduler.scorecard.counts import (
    deadline_counts_by_month,
    snapshot_counts,
    snapshot_counts_from_events,
)
from scheduler.scorecard.months import Month, month_range
from workflow import migrate
from workflow.db import make_engine, new_session
from workflow.law.deadlines import Settings

# The 12 full months before the cohort's end.
LAST = Month.of(END - timedelta(days=1))
FIRST = Month(LAST.year - 1, LAST.month + 1) if LAST.month < 12 else Month(LAST.year, 1)


def _differences(ours: dict[str, dict[str, int]], theirs: dict[str, dict[str, int]]) -> list[Any]:
    return [
        (month, name, ours[month].get(name), theirs.get(month, {}).get(name))
        for month in ours
        for name in sorted(set(ours[month]) | set(theirs.get(month, {})))
        if ours[month].get(name) != theirs.get(month, {}).get(name)
    ]


def run(ctx: Context) -> dict[str, Any]:
    engine = make_engine(ctx.url)
    started = time.perf_counter()
    migrate.upgrade(engine)  # cached data from before the facts: backfilled here
    upgrade_seconds = time.perf_counter() - started
    settings = Settings()
    months = month_range(FIRST, LAST)
    days = settings.twenty_week_days

    def scorecard() -> Scorecard:
        with new_session(engine) as session:
            return compute_scorecard(session, first=FIRST, last=LAST, settings=settings)

    def floor() -> dict[str, dict[str, int]]:
        with engine.connect() as conn:
            return floors.scorecard_counts(conn, months, days)

    def floor_events() -> dict[str, dict[str, int]]:
        with engine.connect() as conn:
            return floors.scorecard_counts(conn, months, days, facts=False)

    engine_times, card = repeat(scorecard, ctx.runs)
    floor_times, theirs = repeat(floor, ctx.runs)
    events_times, from_events = repeat(floor_events, ctx.runs)
    # The same answer: the counts the scorecard is built from, month by month, against
    # both floors and against the scorecard's own reference computation from the events.
    with new_session(engine) as session:
        deadline = deadline_counts_by_month(session, months)
        snapshot = snapshot_counts(session, months, twenty_week_days=days)
        reference = snapshot_counts_from_events(session, months, twenty_week_days=days)
    engine.dispose()
    ours = {str(m): {**deadline[m], **snapshot[m]} for m in months}
    old_way = {str(m): {**deadline[m], **reference[m]} for m in months}
    for name, other in (
        ("its floor", theirs),
        ("the floor over the events", from_events),
        ("the reference from the events", old_way),
    ):
        wrong = _differences(ours, other)
        if wrong:
            raise SystemExit(
                f"scorecard and {name} disagree (month, count, engine, other): {wrong[:10]}"
            )
    plans = card.figures["plans_within_20_weeks_incl_exceptions"][-1]
    return {
        "timings": {"engine": engine_times, "floor": floor_times, "floor_events": events_times},
        "ratio": engine_times["median"] / floor_times["median"],
        "metrics": {
            "months": len(months),
            "first": str(FIRST),
            "last": str(LAST),
            "plans_within_20_weeks_last_month": str(plans.value),
            "ratio_to_floor_over_events": engine_times["median"] / events_times["median"],
            "upgrade_seconds": upgrade_seconds,
        },
        "floor_kind": "hand-written SQL over the deadlines and the timeliness facts",
        "answer": "equal",
    }
