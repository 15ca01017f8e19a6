"""Repeat a measurement and summarise it (median, p95, min, max of the runs)."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def summary(seconds: list[float]) -> dict[str, Any]:
    ordered = sorted(seconds)
    # p95 by the nearest-rank method: with few runs it is the slowest run.
    rank = max(1, math.ceil(0.95 * len(ordered)))
    return {
        "runs": len(ordered),
        "median": statistics.median(ordered),
        "p95": ordered[rank - 1],
        "min": ordered[0],
        "max": ordered[-1],
        "all": seconds,
    }


def repeat(fn: Callable[[], T], runs: int, *, warmup: int = 1) -> tuple[dict[str, Any], T]:
    """Call `fn` `warmup` times untimed (page cache, plan cache), then `runs` times timed.

    Wall-clock seconds are the figures; this process's CPU seconds per run go with them
    (`cpu`), which on a busy shared machine say whether a slow run was work or waiting.
    SQLite's work is in this process; PostgreSQL's is not.
    """
    result: T | None = None
    for _ in range(warmup):
        result = fn()
    seconds, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = fn()
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    assert result is not None or runs + warmup > 0
    stats = summary(seconds)
    stats["cpu"] = summary(cpu)
    stats["cpu"].pop("all")
    return stats, result  # type: ignore[return-value]
