"""Deadline refresh for every case (`service.refresh_all_deadlines`), and its I/O floor.

The refresh re-reads every event, replays each case through the state machine and
the statutory clock, and rewrites every stored deadline. Its floor is the I/O
alone, in SQL: read the same events, delete the deadlines and insert the same rows
from a copy. The answer is checked: the table is identical after the refresh.
"""

from __future__ import annotations

import hashlib
from typing import Any

import sqlalchemy as sa

from bench.config import NOW
from bench.context import Context
from bench.timing import repeat
from workflow import service
from workflow.db import make_engine, new_session

COLUMNS = (
    "case_id, position, kind, advice, ref, regulation, party, created_on, starts, due, "
    "met_on, cancelled_on, can_lapse, exception, exception_on"
)


def fingerprint(conn: sa.Connection) -> tuple[int, str]:
    """Row count and a digest of every stored deadline, in a fixed order (ids aside)."""
    digest = hashlib.sha256()
    count = 0
    result = conn.exec_driver_sql(f"SELECT {COLUMNS} FROM deadlines ORDER BY case_id, position")
    for rows in iter(lambda: result.fetchmany(50_000), []):
        for row in rows:
            digest.update(repr(tuple(str(v) for v in row)).encode())
        count += len(rows)
    return count, digest.hexdigest()


def run(ctx: Context) -> dict[str, Any]:
    engine = make_engine(ctx.url)
    # Each run rewrites every deadline: once at national scale, where that takes minutes.
    runs = 1 if ctx.scale.cases > 100_000 else min(ctx.runs, 3)
    with engine.connect() as conn:
        before = fingerprint(conn)

    def refresh() -> int:
        with new_session(engine) as session:
            return service.refresh_all_deadlines(session=session, clock=lambda: NOW)

    engine_times, cases = repeat(refresh, runs, warmup=0)
    with engine.connect() as conn:
        after = fingerprint(conn)
    if after != before:
        raise SystemExit(f"refresh changed the stored deadlines: {before} before, {after} after")

    conn = engine.connect()
    conn.exec_driver_sql(f"CREATE TEMP TABLE bench_copy AS SELECT {COLUMNS} FROM deadlines")
    conn.commit()

    def floor() -> int:
        with conn.begin():
            events = conn.exec_driver_sql(
                "SELECT case_id, sequence, type, date, fields FROM events"
            ).fetchall()
            conn.exec_driver_sql("DELETE FROM deadlines")
            conn.exec_driver_sql(
                f"INSERT INTO deadlines ({COLUMNS}) SELECT {COLUMNS} FROM bench_copy"
            )
        return len(events)

    floor_times, events = repeat(floor, runs, warmup=0)
    conn.exec_driver_sql("DROP TABLE bench_copy")
    conn.commit()
    conn.close()
    with engine.connect() as check:
        if fingerprint(check) != before:
            raise SystemExit("the I/O floor changed the stored deadlines")
    engine.dispose()
    return {
        "timings": {"engine": engine_times, "floor": floor_times},
        "ratio": engine_times["median"] / floor_times["median"],
        "metrics": {
            "cases": cases,
            "events": events,
            "deadlines": before[0],
            "cases_per_second": cases / engine_times["median"],
        },
        "floor_kind": "I/O only: read the events, delete and re-insert the same deadlines",
        "answer": "equal",
    }
