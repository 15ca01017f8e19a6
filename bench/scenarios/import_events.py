"""Import throughput: the whole cohort through `service.import_events` into an empty database.

This is also how a scale's data set is built: the import goes into a staging
database that then replaces the cached one. Lines are generated (untimed) a batch
of whole cases at a time and imported one transaction per batch, as JSON text,
the way `ehc import events` passes a file's lines.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

import bootstrap
from bench import data
from bench.config import CASES_PER_TRANSACTION, NOW, data_key, url_for
from bench.context import Context, Skipped
from workflow import migrate, service
from workflow.config import Config
from workflow.db import make_engine, new_session
from workflow.demo import add_demo_staff


def run(ctx: Context) -> dict[str, Any]:
    if data.is_current(ctx.scale, any_key=ctx.keep_data) and not ctx.fresh:
        raise Skipped("the data set is cached and current: --fresh re-imports and re-measures")
    key = data_key(ctx.scale)  # before the generator's source can change under us
    staging = url_for(ctx.scale, staging=True)
    data.create_empty(staging)
    engine = make_engine(staging)
    migrate.upgrade(engine)
    with new_session(engine) as session:  # the teams and officers the cohort names
        add_demo_staff(session=session, clock=lambda: NOW, actor="bench")
    events = 0
    importing = 0.0
    batch_seconds: list[float] = []
    generating = time.perf_counter()
    for batch in data.batches(ctx.scale, CASES_PER_TRANSACTION):
        started = time.perf_counter()
        with new_session(engine) as session:
            summary = service.import_events(
                projections=bootstrap.projections(Config()),
                session=session,
                lines=batch,
                actor="bench",
                clock=lambda: NOW,
            )
        seconds = time.perf_counter() - started
        batch_seconds.append(seconds)
        importing += seconds
        events += summary.events
    total = time.perf_counter() - generating
    started = time.perf_counter()
    if engine.dialect.name == "postgresql":
        # What autovacuum would do soon after a bulk load; queries are timed on analysed tables.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    analyse = time.perf_counter() - started
    engine.dispose()
    described = data.describe(staging)
    built = datetime.now(UTC).isoformat(timespec="seconds")
    data.install(
        ctx.scale, staging, key, {"built": built, "import_seconds": importing, **described}
    )
    return {
        "metrics": {
            "events_per_second": events / importing,
            "events": events,
            "import_seconds": importing,
            "generate_seconds": total - importing,
            "vacuum_analyze_seconds": analyse,
            "transactions": len(batch_seconds),
            "cases_per_transaction": CASES_PER_TRANSACTION,
            "slowest_transaction_seconds": max(batch_seconds),
        },
        "data": described,
    }
