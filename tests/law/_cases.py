"""Small builders for whole-case tests of the clock (not a conftest: plain imports).

Dates are written as the spec writes them, YYYY-MM-DD strings; `ev` parses each
raw event through `workflow.law.events.parse_event`, as the CLI does.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from workflow.law.deadlines import Deadline, Evaluation, Settings, evaluate
from workflow.law.events import Event, parse_event


def d(text: str) -> date:
    return date.fromisoformat(text)


def ev(type_: str, day: str, **fields: Any) -> dict[str, Any]:
    """A raw event as it appears in a case file."""
    return {"type": type_, "date": day, **fields}


def parse(raws: list[dict[str, Any]]) -> list[Event]:
    return [parse_event(raw, index=i) for i, raw in enumerate(raws)]


def run(raws: list[dict[str, Any]], as_of: str, **settings: Any) -> Evaluation:
    return evaluate("T1", parse(raws), d(as_of), Settings(**settings))


def all_of(result: Evaluation, kind: str, **match: Any) -> list[Deadline]:
    return [
        x
        for x in result.deadlines
        if x.kind == kind and all(getattr(x, k) == v for k, v in match.items())
    ]


def one(result: Evaluation, kind: str, **match: Any) -> Deadline:
    found = all_of(result, kind, **match)
    assert len(found) == 1, f"expected one {kind} {match}, found {found}"
    return found[0]


def summary(x: Deadline) -> tuple[str, str, str | None, str, bool, int | None]:
    """(starts, due, met_on, status, breach, days_late) with dates as text."""
    return (
        x.starts.isoformat(),
        x.due.isoformat(),
        x.met_on.isoformat() if x.met_on else None,
        x.status,
        x.breach,
        x.days_late,
    )


def windows(result: Evaluation, kind: str) -> list[tuple[str, str]]:
    return [(w.opens.isoformat(), w.closes.isoformat()) for w in result.windows if w.kind == kind]


# A request that goes the whole way to a final plan, on time, with the plan
# issued on Mon 22 May 2023 (golden case 07's opening).
PLAN_2023_05_22 = [
    ev("request_received", "2023-01-09", source="school"),  # Mon
    ev("decision_to_assess", "2023-02-13"),  # Mon
    ev("draft_plan_issued", "2023-04-17"),  # Mon
    ev("final_plan_issued", "2023-05-22"),  # Mon
]

# A plan in force from a transfer-in on Mon 15 Jan 2024, last reviewed Mon 10 Jul 2023.
TRANSFERRED_2024_01_15 = [
    ev("plan_transferred_in", "2024-01-15", last_reviewed="2023-07-10"),
]
