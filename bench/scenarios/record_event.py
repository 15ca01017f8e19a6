"""Recording one event (p50/p95 latency): `bench/bench_record_event.py`'s `run(url=...)`.

That module (written with the record path's speed work) times `service.record_event`
on a scratch copy of the scale's data set; this scenario calls it and puts its
latencies in the harness's form, so they sit in the same results, docs and goals.
"""

from __future__ import annotations

import importlib
from typing import Any

from bench.context import Context, Skipped


def run(ctx: Context) -> dict[str, Any]:
    try:
        module = importlib.import_module("bench.bench_record_event")
    except ModuleNotFoundError as e:
        if e.name != "bench.bench_record_event":
            raise
        raise Skipped("bench/bench_record_event.py is not there yet") from None
    measured: dict[str, Any] = module.run(url=ctx.url)
    engine = {
        "runs": measured["events_recorded"],
        "median": measured["p50_ms"] / 1000,
        "p95": measured["p95_ms"] / 1000,
        "max": measured["max_ms"] / 1000,
        "mean": measured["mean_ms"] / 1000,
    }
    return {"timings": {"engine": engine}, "metrics": measured}
