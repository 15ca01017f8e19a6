"""Benchmark: the 12-month KPI scorecard for 50,000 cases on SQLite.

Generates a synthetic cohort (`workflow.cohort.generate`), imports it through
`workflow.service.import_events` into a fresh SQLite file (not timed as the
figure; reported), then times `scheduler.kpis.compute_scorecard` for the 12
months to the cohort's end. The target is under 10 s.

    .venv/bin/python bench/bench_kpis.py [--cases 50000] [--db /tmp/kpi-bench.db] [--reuse]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

from scheduler.deadlines import Settings
from scheduler.kpis import Month, compute_scorecard
from workflow import migrate, service
from workflow.cohort import generate
from workflow.db import make_engine, new_session

END = date(2025, 12, 31)
CHUNK = 5_000  # cases per import transaction


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/ehc-kpi-bench.db"))
    parser.add_argument("--reuse", action="store_true", help="keep an already imported file")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    url = f"sqlite:///{args.db}"
    if not (args.reuse and args.db.exists()):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
        engine = make_engine(url)
        migrate.upgrade(engine)
        started = time.perf_counter()
        lines = [json.dumps(x) for x in generate(args.cases, end=END, years=3.0, seed=2024)]
        # Split by case (lines of a case are consecutive) into a few transactions.
        chunks: list[list[str]] = [[]]
        cases_in_chunk, last_case = 0, None
        for line in lines:
            case = json.loads(line)["case"]
            if case != last_case:
                cases_in_chunk += 1
                last_case = case
                if cases_in_chunk > CHUNK:
                    chunks.append([])
                    cases_in_chunk = 1
            chunks[-1].append(line)
        for chunk in chunks:
            with new_session(engine) as session:
                service.import_events(
                    session=session,
                    lines=chunk,
                    actor="bench",
                    clock=lambda: datetime(2026, 1, 5, tzinfo=UTC),
                )
        print(
            f"imported {args.cases} cases, {len(lines)} events in "
            f"{time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        engine.dispose()

    engine = make_engine(url)
    with engine.connect() as conn:
        deadlines = conn.execute(sa.text("SELECT count(*) FROM deadlines")).scalar_one()
        events = conn.execute(sa.text("SELECT count(*) FROM events")).scalar_one()
        cases = conn.execute(sa.text("SELECT count(*) FROM cases")).scalar_one()
    timings = []
    for _ in range(args.runs):
        with new_session(engine) as session:
            started = time.perf_counter()
            card = compute_scorecard(
                session, first=Month(2025, 1), last=Month(2025, 12), settings=Settings()
            )
            timings.append(time.perf_counter() - started)
    plans = card.figures["plans_within_20_weeks_incl_exceptions"][-1]
    print(
        f"{cases} cases, {events} events, {deadlines} deadlines; 12-month scorecard: "
        f"best {min(timings):.2f} s, runs {', '.join(f'{t:.2f}' for t in timings)} "
        f"(Dec-25 plans in 20 weeks: {plans.value}% = {plans.numerator}/{plans.denominator}); "
        f"Python {platform.python_version()}, SQLite {sa.__version__ and _sqlite_version()}, "
        f"{platform.machine()}"
    )


def _sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


if __name__ == "__main__":
    main()
