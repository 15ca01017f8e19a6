"""The generated cohort meets its calibration (workflow/demo/calibration.py), measured with
the engine's own clock (`workflow.law.deadlines.evaluate`), not the generator's internals."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest

from workflow import demo
from workflow.law.deadlines import KINDS, Deadline, Evaluation, evaluate
from workflow.law.events import ORDER_KINDS, EventType, parse_event

START, END = date(2023, 11, 1), date(2026, 10, 31)
CASE_KEYS = ("case", "team", "officer", "date_of_birth", "people")


@pytest.fixture(scope="module")
def evaluations() -> list[Evaluation]:
    """The engine's own clock over every case of the cohort, on its last day."""
    cases: dict[str, list[dict[str, object]]] = defaultdict(list)
    for line in demo.generate(3000, start=START, end=END, seed=5):
        cases[str(line["case"])].append({k: v for k, v in line.items() if k not in CASE_KEYS})
    out: list[Evaluation] = []
    for ref, raw in cases.items():
        events = [parse_event(r, index=i) for i, r in enumerate(raw, start=1)]
        out.append(evaluate(ref, events, END))
    return out


@pytest.fixture(scope="module")
def deadlines(evaluations: list[Evaluation]) -> list[Deadline]:
    return [d for evaluation in evaluations for d in evaluation.deadlines]


def share(hits: list[bool]) -> float:
    assert len(hits) > 100  # enough to measure
    return sum(hits) / len(hits)


@pytest.mark.parametrize(
    "advice, low, high",
    [("psychological", 0.92, 0.98), ("health", 0.73, 0.93), ("social_care", 0.17, 0.60)],
)
def test_advice_on_time_falls_in_the_plans_band(
    deadlines: list[Deadline], advice: str, low: float, high: float
) -> None:
    on_time = [
        d.met_on is not None and d.met_on <= d.due
        for d in deadlines
        if d.kind == "advice" and d.advice == advice and d.exception is None
        and d.cancelled_on is None and d.due <= END
    ]  # fmt: skip
    assert low <= share(on_time) <= high


def test_twenty_week_timeliness_rises_from_about_12_to_about_67_percent(
    deadlines: list[Deadline],
) -> None:
    plans = [d for d in deadlines if d.kind == "final_plan" and d.met_on is not None]
    early = [d.met_on <= d.due for d in plans if d.met_on and d.met_on < date(2024, 5, 1)]
    late = [d.met_on <= d.due for d in plans if d.met_on and d.met_on >= date(2026, 5, 1)]
    assert 0.05 <= share(early) <= 0.20
    assert 0.60 <= share(late) <= 0.75


def test_annual_reviews_have_a_backlog(deadlines: list[Deadline]) -> None:
    decisions = [d for d in deadlines if d.kind == "review_decision"]
    waiting = [d for d in decisions if d.met_on is None and d.cancelled_on is None and d.due < END]
    assert len(waiting) > 50  # meetings held, decisions overdue on the cohort's last day
    reviews = [d for d in deadlines if d.kind == "annual_review" and d.due <= END]
    assert 0.3 <= share([d.met_on is not None and d.met_on <= d.due for d in reviews]) <= 0.8


def test_every_kind_of_story_happens() -> None:
    """The demo shows every event of spec v3, every order and every phase transfer."""
    lines = list(demo.generate(3000, start=START, end=END, seed=5))
    assert {str(line["type"]) for line in lines} == {t.value for t in EventType}
    orders = {str(line["order"]) for line in lines if "order" in line}
    assert orders == set(ORDER_KINDS)
    phases = {str(line["to"]) for line in lines if line["type"] == "phase_transfer_scheduled"}
    assert phases == {"school", "post16", "post16_institution"}


def test_every_kind_of_deadline_and_warning_happens(evaluations: list[Evaluation]) -> None:
    assert {d.kind for e in evaluations for d in e.deadlines} == set(KINDS)
    kinds = {w.kind for e in evaluations for w in e.law_warnings}
    assert kinds == {"ceased_during_appeal_period"}  # spec 5a's one warning
