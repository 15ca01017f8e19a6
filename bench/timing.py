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
    """Call `fn` `warmup` times untimed (page cache, plan cache), then `runs` times timed."""
    result: T | None = None
    for _ in range(warmup):
        result = fn()
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - started)
    assert result is not None or runs + warmup > 0
    return summary(seconds), result  # type: ignore[return-value]
