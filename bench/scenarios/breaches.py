"""The breach queue as of the cohort's end (all teams, due within 14 days), and its floor."""

from __future__ import annotations

from typing import Any

from bench import floors
from bench.config import END
from bench.context import Context
from bench.timing import repeat
from scheduler.breaches import DEFAULT_DUE_WITHIN_DAYS, QueueItem, breach_queue
from workflow.db import make_engine, new_session


def _engine_row(item: QueueItem) -> tuple[Any, ...]:
    return (
        item.case,
        item.kind,
        item.advice,
        item.ref,
        item.starts.isoformat(),
        item.due.isoformat(),
        item.status,
        item.breach,
        item.exception,
        item.days_late,
        item.team,
        item.officer,
    )


def _floor_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    case, kind, advice, ref, starts, due, status, breach, exception, late, team, officer = row
    days_late = None if late is None else int(late)
    return (case, kind, advice, ref, str(starts), str(due), status, bool(breach), exception,
            days_late, team, officer)  # fmt: skip


def run(ctx: Context) -> dict[str, Any]:
    engine = make_engine(ctx.url)

    def queue() -> list[QueueItem]:
        with new_session(engine) as session:
            return breach_queue(session=session, as_of=END)

    def floor() -> list[tuple[Any, ...]]:
        with engine.connect() as conn:
            return floors.breach_queue_rows(conn, END, DEFAULT_DUE_WITHIN_DAYS)

    engine_times, items = repeat(queue, ctx.runs)
    floor_times, rows = repeat(floor, ctx.runs)
    engine.dispose()
    ours, theirs = [_engine_row(i) for i in items], [_floor_row(r) for r in rows]
    if ours != theirs:
        diff = (
            next((n, a, b) for n, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b)
            if len(ours) == len(theirs)
            else (len(ours), len(theirs))
        )
        raise SystemExit(f"breach queue and its floor disagree: {diff}")
    return {
        "timings": {"engine": engine_times, "floor": floor_times},
        "ratio": engine_times["median"] / floor_times["median"],
        "metrics": {"items": len(items), "overdue": sum(i.status == "overdue" for i in items)},
        "answer": "equal",
    }
