"""Deadline refresh for every case (`service.refresh_all_deadlines`), and its I/O floor.

The refresh re-reads every event, replays each case through the state machine and
the statutory clock (in worker processes when there are many cases), and rewrites
every stored deadline and timeliness fact. Its floor is the I/O alone, in SQL: read
the same events, delete the deadlines and facts and insert the same rows from a copy.
The answer is checked: both tables are identical after the refresh. A data set built
before the facts (migration 0012) gets them first, untimed.
"""

from __future__ import annotations

import hashlib
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bench.config import NOW
from bench.context import Context
from bench.timing import repeat
from workflow import deadline_refresh, migrate, service
from workflow.db import make_engine, new_session
from workflow.deadline_store import version_moved_once

COLUMNS = (
    "case_id, position, kind, advice, ref, regulation, party, created_on, starts, due, "
    "met_on, cancelled_on, can_lapse, exception, exception_on"
)
FACT_COLUMNS = "case_id, kind, since, until, request_on, disputed_on"


def _digest(conn: sa.Connection, sql: str) -> tuple[int, str]:
    digest = hashlib.sha256()
    count = 0
    result = conn.exec_driver_sql(sql)
    for rows in iter(lambda: result.fetchmany(50_000), []):
        for row in rows:
            digest.update(repr(tuple(str(v) for v in row)).encode())
        count += len(rows)
    return count, digest.hexdigest()


def fingerprint(conn: sa.Connection) -> tuple[int, str, int, str]:
    """Row count and a digest of every stored deadline, then of every timeliness fact,
    in a fixed order (ids aside)."""
    deadlines = _digest(conn, f"SELECT {COLUMNS} FROM deadlines ORDER BY case_id, position")
    facts = _digest(
        conn, f"SELECT {FACT_COLUMNS} FROM timeliness_facts ORDER BY case_id, since, kind"
    )
    return (*deadlines, *facts)


def run(ctx: Context) -> dict[str, Any]:
    engine = make_engine(ctx.url)
    migrate.upgrade(engine)  # cached data from before the facts: backfilled here
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
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE bench_facts AS SELECT {FACT_COLUMNS} FROM timeliness_facts"
    )
    conn.commit()

    def floor() -> int:
        # The queue version moved once, as the refresh moves it (on SQLite its row
        # triggers are set aside in the transaction: about 13 us a row otherwise).
        with conn.begin(), version_moved_once(conn):
            events = conn.exec_driver_sql(
                "SELECT case_id, sequence, type, date, fields FROM events"
            ).fetchall()
            conn.exec_driver_sql("DELETE FROM deadlines")
            conn.exec_driver_sql(
                f"INSERT INTO deadlines ({COLUMNS}) SELECT {COLUMNS} FROM bench_copy"
            )
            conn.exec_driver_sql("DELETE FROM timeliness_facts")
            conn.exec_driver_sql(
                f"INSERT INTO timeliness_facts ({FACT_COLUMNS}) "
                f"SELECT {FACT_COLUMNS} FROM bench_facts"
            )
        return len(events)

    floor_times, events = repeat(floor, runs, warmup=0)
    conn.exec_driver_sql("DROP TABLE bench_copy")
    conn.exec_driver_sql("DROP TABLE bench_facts")
    conn.commit()
    conn.close()
    with engine.connect() as check:
        if fingerprint(check) != before:
            raise SystemExit("the I/O floor changed the stored deadlines")
    if engine.dialect.name == "postgresql":
        # Each run left every old row dead: vacuum as the import does, so the scenarios
        # after this one read a table of the data set's size, not three times it.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE deadlines, timeliness_facts"))
    engine.dispose()
    return {
        "timings": {"engine": engine_times, "floor": floor_times},
        "ratio": engine_times["median"] / floor_times["median"],
        "metrics": {
            "cases": cases,
            "events": events,
            "deadlines": before[0],
            "timeliness_facts": before[2],
            "workers": deadline_refresh.worker_count(make_url(ctx.url), cases),
            "cases_per_second": cases / engine_times["median"],
        },
        "floor_kind": "I/O only: read the events, delete and re-insert the same deadlines "
        "and timeliness facts",
        "answer": "equal",
    }
