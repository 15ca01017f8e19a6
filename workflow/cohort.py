"""A synthetic cohort of EHC cases, for the demo database, tests and benchmarks.

Histories follow the statutory path with realistic, sometimes late, timings:
requests, decisions, advice, drafts, final plans, annual reviews, amendments,
phase transfers, transfers-in, mediation, appeals, orders and withdrawals.
Every history is one the state machine accepts. No real person's data: case
references are synthetic, teams and officers are placeholders.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

TEAMS = ("North", "South", "East", "West")
OFFICERS = {team: tuple(f"{team} officer {n}" for n in range(1, 5)) for team in TEAMS}
ADVICE = ("psychological", "health", "social_care", "educational", "parent")


class _Case:
    def __init__(self, ref: str, rng: random.Random, end: date) -> None:
        self.ref, self.rng, self.end = ref, rng, end
        self.events: list[dict[str, Any]] = []
        self.stopped = False

    def add(self, event_type: str, on: date, **fields: Any) -> bool:
        """Add an event unless it falls after the cohort's end; False ends the story."""
        if self.stopped or on > self.end:
            self.stopped = True
            return False
        self.events.append({"type": event_type, "date": on.isoformat(), **fields})
        return True

    def days(self, low: int, high: int) -> timedelta:
        return timedelta(days=self.rng.randint(low, high))

    def chance(self, p: float) -> bool:
        return self.rng.random() < p


def _assessment(c: _Case, request: date) -> date | None:
    """Request to final plan; returns the final plan's date, or None if it never came."""
    if not c.add("request_received", request, source=c.rng.choice(("parent", "school", "health"))):
        return None
    decided = request + c.days(20, 60)
    if c.chance(0.04):
        c.add("request_withdrawn", request + c.days(10, 40))
        return None
    if c.chance(0.18):
        if not c.add("decision_not_to_assess", decided):
            return None
        if not c.chance(0.3):
            return None
        mediation = decided + c.days(10, 30)
        if not c.add("mediation_requested", mediation):
            return None
        c.add("mediation_held", mediation + c.days(10, 40))
        c.add("mediation_certificate_issued", mediation + c.days(41, 45))
        if not c.add("appeal_registered", decided + c.days(55, 62)):
            return None
        order = decided + c.days(120, 200)
        if not c.add("tribunal_order", order, order="assess"):
            return None
        decided = order + c.days(5, 20)
    if not c.add("decision_to_assess", decided):
        return None
    asked = decided + c.days(1, 5)
    pending: list[tuple[str, date]] = []
    for kind in ADVICE:
        if not c.add("advice_requested", asked, advice=kind):
            return None
        pending.append((kind, asked + c.days(10, 70)))
    if c.chance(0.1):
        c.add(
            "exception_recorded",
            asked + c.days(5, 20),
            reason="missed_appointment",
            applies_to="advice",
            advice="psychological",
        )
    if c.chance(0.05) and c.add("request_withdrawn", asked + c.days(25, 40)):
        return None
    for kind, arrives in sorted(pending, key=lambda p: p[1]):
        if not c.add("advice_received", arrives, advice=kind):
            return None
    last_advice = max(arrives for _kind, arrives in pending)
    if c.chance(0.06):
        c.add("decision_not_to_issue", last_advice + c.days(3, 20))
        return None
    if c.chance(0.08):
        c.add(
            "exception_recorded",
            last_advice,
            reason=c.rng.choice(("personal_circumstances", "school_closure")),
            applies_to="final_plan",
        )
    draft = last_advice + c.days(5, 35)
    if not c.add("draft_plan_issued", draft):
        return None
    final = draft + c.days(15, 45)
    if not c.add("final_plan_issued", final):
        return None
    return final


def _plan_years(c: _Case, last: date) -> None:
    """Annual reviews, amendments and phase transfers while the plan lasts."""
    if c.chance(0.2):
        year = last.year + 1 if last.month < 9 else last.year + 2
        c.add(
            "phase_transfer_scheduled",
            last + c.days(10, 60),
            transfer_year=year,
            to=c.rng.choice(("school", "post16")),
        )
    while not c.stopped:
        meeting = last + c.days(300, 380)
        if not c.add("review_meeting_held", meeting):
            return
        c.add("review_report_sent", meeting + c.days(3, 20))
        outcome = c.rng.choices(("maintain", "amend", "cease"), (0.6, 0.35, 0.05))[0]
        decided = meeting + c.days(10, 40)
        if not c.add("review_decision", decided, outcome=outcome):
            return
        if outcome == "cease":
            c.add("plan_ceased", decided + c.days(30, 60), reason="needs_met")
            return
        if outcome == "amend":
            notice = decided + c.days(0, 20)
            if not c.add("amendment_notice_sent", notice):
                return
            if c.chance(0.1):
                c.add("decision_not_to_amend", notice + c.days(20, 50))
            else:
                c.add("amended_plan_issued", notice + c.days(30, 90))
        last = decided


def case_history(ref: str, rng: random.Random, start: date, end: date) -> list[dict[str, Any]]:
    """One case's events from `start`, stopping at `end` (what had happened by then)."""
    c = _Case(ref, rng, end)
    if c.chance(0.08):
        c.add("plan_transferred_in", start, last_reviewed=(start - c.days(30, 300)).isoformat())
        c.add("transfer_notice_sent", start + c.days(10, 60))
        _plan_years(c, start)
        return c.events
    final = _assessment(c, start)
    if final is not None:
        _plan_years(c, final)
    return c.events


def generate(
    count: int, *, end: date, years: float = 3.0, seed: int = 2024, prefix: str = "EHC"
) -> Iterator[dict[str, Any]]:
    """Import lines (spec section 8) for `count` cases whose stories start within
    `years` before `end` and stop at `end`. The same seed gives the same cohort."""
    rng = random.Random(seed)
    span = int(365 * years)
    width = max(5, len(str(count)))
    for n in range(1, count + 1):
        ref = f"{prefix}{n:0{width}d}"
        team = rng.choice(TEAMS)
        officer = rng.choice(OFFICERS[team])
        start = end - timedelta(days=rng.randint(0, span))
        events = case_history(ref, rng, start, end)
        for i, event in enumerate(events):
            line = {"case": ref, **event}
            if i == 0:
                line.update(team=team, officer=officer)
            yield line
