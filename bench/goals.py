"""The speed goals of issues 8 and 21, each checked against the latest result it concerns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Result = dict[str, Any]


@dataclass(frozen=True)
class Goal:
    text: str
    scenario: str
    scale: str  # a result's scale label
    value: Callable[[Result], float]  # what is compared
    limit: float
    at_most: bool  # True: value <= limit passes; False: value >= limit
    unit: str


def _median(name: str) -> Callable[[Result], float]:
    return lambda r: float(r["timings"][name]["median"])


def _p95(name: str) -> Callable[[Result], float]:
    return lambda r: float(r["timings"][name]["p95"])


def _ratio(r: Result) -> float:
    return float(r["ratio"])


def _events_per_second(r: Result) -> float:
    return float(r["metrics"]["events_per_second"])


GOALS = (
    Goal("Import, SQLite, council scale", "import_events", "council",
         _events_per_second, 20_000, False, "events/s"),
    Goal("Import, PostgreSQL, council scale", "import_events", "council-postgresql",
         _events_per_second, 20_000, False, "events/s"),
    Goal("Import, PostgreSQL, national scale", "import_events", "national",
         _events_per_second, 20_000, False, "events/s"),
    Goal("Breach queue, SQLite, council scale (median)", "breaches", "council",
         _median("engine"), 1.0, True, "s"),
    Goal("Breach queue within 2x of the SQL floor, council", "breaches", "council",
         _ratio, 2.0, True, "x"),
    Goal("12-month scorecard, SQLite, council scale (median)", "kpis", "council",
         _median("engine"), 10.0, True, "s"),
    Goal("Scorecard within 2x of the SQL floor, council", "kpis", "council",
         _ratio, 2.0, True, "x"),
    Goal("Deadline refresh within 2x of its I/O floor, council", "deadlines", "council",
         _ratio, 2.0, True, "x"),
    Goal("Recording an event, SQLite, council scale (p95)", "record_event", "council",
         _p95("engine"), 0.050, True, "s"),
    Goal("Recording an event, PostgreSQL, council scale (p95)", "record_event",
         "council-postgresql", _p95("engine"), 0.050, True, "s"),
    Goal("Breach queue, PostgreSQL, national scale (median)", "breaches", "national",
         _median("engine"), 5.0, True, "s"),
    Goal("Breach queue within 2x of the SQL floor, national", "breaches", "national",
         _ratio, 2.0, True, "x"),
    Goal("12-month scorecard, PostgreSQL, national scale (median)", "kpis", "national",
         _median("engine"), 10.0, True, "s"),
    Goal("Scorecard within 2x of the SQL floor, national", "kpis", "national",
         _ratio, 2.0, True, "x"),
    Goal("Web: case page and breach queue p95, 20 users, council, no errors", "web",
         "council", _p95("case_page"), 0.300, True, "s"),
    Goal("Web, PostgreSQL: case page and breach queue p95, 20 users, council", "web",
         "council-postgresql", _p95("case_page"), 0.300, True, "s"),
    Goal("Recording an event, PostgreSQL, national scale (p95)", "record_event", "national",
         _p95("engine"), 0.050, True, "s"),
    Goal("Web, PostgreSQL: case page and breach queue p95, 20 users, national", "web",
         "national", _p95("case_page"), 0.300, True, "s"),
    Goal("CLI start-up: `ehc --help` (median, 300-case SQLite)", "cli_startup", "council",
         _median("help"), 0.300, True, "s"),
    Goal("CLI start-up: `ehc --version` (median)", "cli_startup", "council",
         _median("version"), 0.300, True, "s"),
)  # fmt: skip


def check(goal: Goal, result: Result | None) -> tuple[str, str]:
    """(measured value as text, 'pass' / 'miss' / 'not yet measured')."""
    if result is None:
        return "-", "not yet measured"
    value = goal.value(result)
    if goal.scenario == "web" and (
        result.get("metrics", {}).get("errors") or _p95("breach_queue")(result) > goal.limit
    ):
        return _show(value, goal.unit), "miss"
    ok = value <= goal.limit if goal.at_most else value >= goal.limit
    return _show(value, goal.unit), "pass" if ok else "miss"


def _show(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value * 1000:,.0f} ms" if value < 1 else f"{value:,.3g} s"
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:,.0f} {unit}"


def limit_text(goal: Goal) -> str:
    word = "under" if goal.at_most else "at least"
    if goal.unit == "x":
        return f"{word} {goal.limit:g}x"
    return f"{word} {_show(goal.limit, goal.unit)}"
