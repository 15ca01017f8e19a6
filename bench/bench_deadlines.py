"""Benchmark: evaluate the statutory clock over 100,000 realistic cases on one core.

About a million events, generated in memory from a seeded RNG: requests that are
assessed (or not), advice, plans, annual reviews with amendments, phase transfers,
transfers-in, mediation, appeals and orders, withdrawals and ceasings. Parsing the
events is timed separately; the figure that counts is `evaluate` over every case.

    .venv/bin/python bench/bench_deadlines.py [--cases 100000] [--seed 2014] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import platform
import pstats
import random
import sys
import time
from datetime import date, timedelta
from typing import Any

from workflow.law.deadlines import Settings, default_working_days, evaluate
from workflow.law.events import Event, parse_event

AS_OF = date(2025, 6, 30)
ADVICE = ("educational", "health", "psychological", "social_care", "parent")

Raw = dict[str, Any]


class CaseWriter:
    """Builds one case's raw events with dates that only move forward."""

    def __init__(self, rng: random.Random, start: date) -> None:
        self.rng = rng
        self.day = start
        self.events: list[Raw] = []

    def add(self, type_: str, gap: tuple[int, int] = (1, 1), **fields: Any) -> date:
        self.day += timedelta(days=self.rng.randint(*gap))
        raw: Raw = {"type": type_, "date": self.day.isoformat()}
        raw.update(fields)
        self.events.append(raw)
        return self.day


def _reviews(w: CaseWriter, rng: random.Random, cycles: int) -> None:
    """Annual reviews; some amend the plan; some schedule a phase transfer."""
    for _ in range(cycles):
        w.add("review_meeting_held", (300, 380))
        if rng.random() < 0.9:
            w.add("review_report_sent", (3, 20))
        outcome = rng.choices(("maintain", "amend", "cease"), (60, 37, 3))[0]
        w.add("review_decision", (5, 30), outcome=outcome)
        if outcome == "cease":
            w.add("plan_ceased", (28, 60), reason=rng.choice(("needs_met", "max_age")))
            return
        if outcome == "amend":
            w.add("amendment_notice_sent", (5, 40))
            if rng.random() < 0.9:
                w.add("amended_plan_issued", (20, 80))
            else:
                w.add("decision_not_to_amend", (20, 60))
        if rng.random() < 0.1:
            w.add(
                "phase_transfer_scheduled",
                (1, 20),
                transfer_year=w.day.year + 1,
                to=rng.choice(("school", "post16")),
            )
    if rng.random() < 0.05:
        w.add("plan_ceased", (30, 200), reason="moved_la")


def _dispute(w: CaseWriter, rng: random.Random, order: str | None) -> bool:
    """Mediation and an appeal after a notice; returns True when an order was made."""
    w.add("mediation_requested", (5, 50))
    w.add("mediation_held", (10, 40))
    w.add("mediation_certificate_issued", (0, 5))
    w.add("appeal_registered", (5, 25))
    if order and rng.random() < 0.6:
        kind = rng.choice(("tribunal_order", "appeal_conceded"))
        w.add(kind, (60, 200), order=order)
        return True
    return False


def make_case(rng: random.Random, number: int) -> tuple[str, list[Raw]]:
    start = date(2019, 1, 1) + timedelta(days=rng.randint(0, 5 * 365))
    w = CaseWriter(rng, start)
    if rng.random() < 0.1:  # a plan transferred in from another LA
        w.add("plan_transferred_in", (0, 0), last_reviewed=(start - timedelta(200)).isoformat())
        w.add("transfer_notice_sent", (10, 60))
        _reviews(w, rng, rng.randint(1, 4))
        return f"B{number:06d}", w.events

    w.add("request_received", (0, 0), source=rng.choice(("parent", "school", "health")))
    if rng.random() < 0.25:
        w.add("decision_not_to_assess", (20, 50))
        if rng.random() < 0.3 and _dispute(w, rng, "assess"):
            w.add("decision_to_assess", (3, 20))
        else:
            return f"B{number:06d}", w.events
    elif rng.random() < 0.04:
        w.add("request_withdrawn", (5, 40))
        return f"B{number:06d}", w.events
    else:
        w.add("decision_to_assess", (20, 50))
    requested = []
    for advice in rng.sample(ADVICE, rng.randint(2, 3)):
        requested.append(advice)
        w.add("advice_requested", (0, 3), advice=advice)
    for advice in requested:
        w.add("advice_received", (5, 45), advice=advice)
    if rng.random() < 0.08:
        w.add(
            "exception_recorded", (0, 5), reason="personal_circumstances", applies_to="final_plan"
        )
    if rng.random() < 0.06:
        w.add("decision_not_to_issue", (10, 40))
        if not (rng.random() < 0.3 and _dispute(w, rng, "issue_plan")):
            return f"B{number:06d}", w.events
    w.add("draft_plan_issued", (10, 50))
    w.add("final_plan_issued", (15, 50))
    if rng.random() < 0.05:
        _dispute(w, rng, "name_school")
        if w.events[-1]["type"] in ("tribunal_order", "appeal_conceded"):
            w.add("amended_plan_issued", (5, 40))
    _reviews(w, rng, rng.randint(0, 2))
    return f"B{number:06d}", w.events


def build(cases: int, seed: int) -> list[tuple[str, list[Event]]]:
    rng = random.Random(seed)
    out = []
    for n in range(cases):
        ref, raws = make_case(rng, n)
        out.append((ref, [parse_event(raw, index=i) for i, raw in enumerate(raws)]))
    return out


def run(corpus: list[tuple[str, list[Event]]]) -> int:
    settings = Settings()
    working_days = default_working_days()
    deadlines = 0
    for ref, events in corpus:
        deadlines += len(evaluate(ref, events, AS_OF, settings, working_days).deadlines)
    return deadlines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=2014)
    ap.add_argument("--profile", action="store_true", help="run under cProfile, print top 25")
    a = ap.parse_args()

    t0 = time.perf_counter()
    corpus = build(a.cases, a.seed)
    built = time.perf_counter() - t0
    events = sum(len(e) for _, e in corpus)
    run(corpus[:200])  # warm the holiday tables and caches

    if a.profile:
        profiler = cProfile.Profile()
        profiler.enable()
    t0 = time.perf_counter()
    deadlines = run(corpus)
    seconds = time.perf_counter() - t0
    if a.profile:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)

    print(f"python {platform.python_version()} on {platform.machine()}, {sys.platform}")
    print(f"generated and parsed in {built:.1f} s")
    print(f"cases {len(corpus)}")
    print(f"events {events}")
    print(f"deadlines {deadlines}")
    print(f"seconds {seconds:.2f}")
    print(f"events/s {events / seconds:,.0f}")
    print(f"cases/s {len(corpus) / seconds:,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
