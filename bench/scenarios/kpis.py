"""The 12-month scorecard to the cohort's end (`compute_scorecard`), and its floor."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bench import floors
from bench.config import END
from bench.context import Context
from bench.timing import repeat
from scheduler.scorecard.compute import Scorecard, compute_scorecard
from scheduler.scorecard.counts import deadline_counts_by_month, snapshot_counts
from scheduler.scorecard.months import Month, month_range
from workflow.db import make_engine, new_session
from workflow.law.deadlines import Settings

# The 12 full months before the cohort's end.
LAST = Month.of(END - timedelta(days=1))
FIRST = Month(LAST.year - 1, LAST.month + 1) if LAST.month < 12 else Month(LAST.year, 1)


def run(ctx: Context) -> dict[str, Any]:
    engine = make_engine(ctx.url)
    settings = Settings()
    months = month_range(FIRST, LAST)

    def scorecard() -> Scorecard:
        with new_session(engine) as session:
            return compute_scorecard(session, first=FIRST, last=LAST, settings=settings)

    def floor() -> dict[str, dict[str, int]]:
        with engine.connect() as conn:
            return floors.scorecard_counts(conn, months, settings.twenty_week_days)

    engine_times, card = repeat(scorecard, ctx.runs)
    floor_times, theirs = repeat(floor, ctx.runs)
    # The same answer: the counts the scorecard is built from, month by month.
    with new_session(engine) as session:
        deadline = deadline_counts_by_month(session, months)
        snapshot = snapshot_counts(session, months, twenty_week_days=settings.twenty_week_days)
    engine.dispose()
    ours = {str(m): {**deadline[m], **snapshot[m]} for m in months}
    if ours != theirs:
        wrong = [
            (month, name, ours[month].get(name), theirs[month].get(name))
            for month in ours
            for name in sorted(set(ours[month]) | set(theirs[month]))
            if ours[month].get(name) != theirs[month].get(name)
        ]
        raise SystemExit(
            f"scorecard and its floor disagree (month, count, engine, floor): {wrong[:10]}"
        )
    plans = card.figures["plans_within_20_weeks_incl_exceptions"][-1]
    return {
        "timings": {"engine": engine_times, "floor": floor_times},
        "ratio": engine_times["median"] / floor_times["median"],
        "metrics": {
            "months": len(months),
            "first": str(FIRST),
            "last": str(LAST),
            "plans_within_20_weeks_last_month": str(plans.value),
        },
        "answer": "equal",
    }
