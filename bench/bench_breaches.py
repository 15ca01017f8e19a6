"""Benchmark: the breach queue over 50,000 generated cases on SQLite (target: under 1 s).

Imports a seeded cohort (`workflow.cohort.generate`) through `service.import_events`
into a fresh SQLite file, then times `breach_queue` (one set-based SELECT) several
times, with and without filters, and one daily sweep (breach log and outbox only).

    .venv/bin/python bench/bench_breaches.py [--cases 50000] [--runs 5] [--db PATH]
"""

from __future__ import annotations

import argparse
import json
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from scheduler import sweep_service
from scheduler.breaches import Filters, breach_queue
from scheduler.calendar import WorkingDays
from scheduler.notify import Staff
from workflow import migrate, service
from workflow.cohort import generate
from workflow.db import make_engine, new_session

END = date(2026, 11, 1)
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def by_case(lines: Iterator[dict[str, Any]], cases_per_batch: int) -> Iterator[list[str]]:
    batch: list[str] = []
    seen: set[str] = set()
    for line in lines:
        if line["case"] not in seen and len(seen) == cases_per_batch:
            yield batch
            batch, seen = [], set()
        seen.add(line["case"])
        batch.append(json.dumps(line))
    if batch:
        yield batch


def timed(runs: int, fn: Any) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return times, result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=50_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--db", type=Path, help="SQLite file (default: a temporary one)")
    a = ap.parse_args()

    folder = tempfile.TemporaryDirectory()
    path = a.db or Path(folder.name) / "bench.db"
    path.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)

    t0 = time.perf_counter()
    events = 0
    for batch in by_case(generate(a.cases, end=END, seed=2014), 5000):
        with new_session(engine) as session:
            events += service.import_events(
                session=session, lines=batch, actor="bench", clock=lambda: NOW
            ).events
    imported = time.perf_counter() - t0
    with engine.connect() as conn:
        deadlines = conn.execute(sa.text("SELECT count(*) FROM deadlines")).scalar_one()

    print(f"python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {sys.platform}")
    print(f"cases {a.cases}, events {events}, stored deadlines {deadlines}")
    print(f"imported in {imported:.1f} s")
    rows: list[tuple[str, list[float], int]] = []
    for label, filters in [
        ("all teams, 14 days", Filters()),
        ("--team North", Filters(team="North")),
        ("--officer 'North officer 1'", Filters(officer="North officer 1")),
        ("--kind annual_review", Filters(kind="annual_review")),
        ("--due-within 60", Filters(due_within=60)),
    ]:

        def run(filters: Filters = filters) -> int:
            with new_session(engine) as session:
                return len(breach_queue(session=session, as_of=END, filters=filters))

        run()  # warm the page cache
        times, count = timed(a.runs, run)
        rows.append((label, times, count))
    for label, times, count in rows:
        print(
            f"breach queue {label:32} {count:6d} items  "
            f"median {statistics.median(times) * 1000:6.0f} ms  max {max(times) * 1000:6.0f} ms"
        )

    def sweep() -> sweep_service.SweepResult:
        with new_session(engine) as session:
            return sweep_service.sweep(
                session=session,
                as_of=END,
                clock=lambda: NOW,
                working_days=WorkingDays(),
                staff=Staff(),
                runner="bench",
            )

    t0 = time.perf_counter()
    first = sweep()
    first_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = sweep()
    again_s = time.perf_counter() - t0
    print(
        f"first sweep {first_s:.2f} s ({first.breaches_logged} breaches logged, "
        f"{first.notifications_queued} notifications queued); "
        f"re-run {again_s:.2f} s ({again.breaches_logged}, {again.notifications_queued})"
    )
    engine.dispose()
    folder.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
