"""Recording one event (p50/p95 latency): `bench/bench_record_event.py`'s `run(...)`.

That module (written with the record path's speed work) times `service.record_event`;
this scenario only calls it on the scale's database and keeps its result, so its
numbers sit in the same results files, docs and goals as the others.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from bench.context import Context, Skipped


def run(ctx: Context) -> dict[str, Any]:
    try:
        module = importlib.import_module("bench.bench_record_event")
    except ModuleNotFoundError as e:
        if e.name != "bench.bench_record_event":
            raise
        raise Skipped("bench/bench_record_event.py is not there yet") from None
    offered = {"url": ctx.url, "db_url": ctx.url, "database_url": ctx.url, "runs": ctx.runs}
    accepted = inspect.signature(module.run).parameters
    result: dict[str, Any] = module.run(**{k: v for k, v in offered.items() if k in accepted})
    return result
