"""What happens next (workflow.law.next_steps): each open deadline as the step that meets it,
each open family window as the family's step, soonest due first, then in the law's order.

Dates follow the regulations the deadlines cite: reg 5(1) (6 weeks from the request),
reg 8(1) (advice within 6 weeks, chased a week before), reg 10(1) (16 weeks, a limit),
reg 13(2) (20 weeks), reg 13(1)(a) (15 days' representations), HESC r.20(1)(c) (2 months
to appeal), CFA s.44(1) and reg 20(7), 20(10) (the annual review), reg 44(2) (orders).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.law._cases import d, ev, run
from workflow.law.deadlines import Deadline, Evaluation, Window
from workflow.law.next_steps import STEPS, NextStep, next_steps

REQUEST = ev("request_received", "2024-01-08", source="parent")
ASSESS = ev("decision_to_assess", "2024-02-01")
DRAFT = ev("draft_plan_issued", "2024-04-01")
FINAL = ev("final_plan_issued", "2024-05-01")


def steps(raws: list[dict[str, Any]], as_of: str) -> list[NextStep]:
    return next_steps(run(raws, as_of), d(as_of))


def rows(raws: list[dict[str, Any]], as_of: str) -> list[tuple[str | None, str, int, str]]:
    """(event, due, days left, who) of each step, in order."""
    return [
        (s.event.value if s.event else None, s.due.isoformat(), s.days_left, s.who)
        for s in steps(raws, as_of)
    ]


@pytest.mark.parametrize(
    "raws, as_of, expected",
    [
        pytest.param(
            [REQUEST],
            "2024-01-10",
            [("decision_to_assess", "2024-02-19", 40, "The council")],
            id="reg 5(1): decide within 6 weeks of the request",
        ),
        pytest.param(
            [REQUEST],
            "2024-02-22",
            [("decision_to_assess", "2024-02-19", -3, "The council")],
            id="reg 5(1) overdue: days left negative",
        ),
        pytest.param(
            [
                REQUEST,
                ASSESS,
                ev("advice_requested", "2024-02-05", advice="health"),
                ev("advice_requested", "2024-02-01", advice="educational"),
            ],
            "2024-02-10",
            [
                ("advice_received", "2024-03-14", 33, "The educational adviser"),
                ("advice_received", "2024-03-18", 37, "The health adviser"),
                ("draft_plan_issued", "2024-04-29", 79, "The council"),
                ("final_plan_issued", "2024-05-27", 107, "The council"),
            ],
            id="reg 8(1) advice, then reg 10(1), then reg 13(2): soonest first",
        ),
        pytest.param(
            [
                REQUEST,
                ASSESS,
                ev("advice_requested", "2024-02-05", advice="health"),
                ev("advice_received", "2024-03-01", advice="health"),
            ],
            "2024-06-10",
            [("final_plan_issued", "2024-05-27", -14, "The council")],
            id="advice met drops out; the reg 10(1) limit passed is no step",
        ),
        pytest.param(
            [REQUEST, ASSESS, DRAFT],
            "2024-04-05",
            [
                (None, "2024-04-15", 10, "The family"),
                ("final_plan_issued", "2024-05-27", 52, "The council"),
            ],
            id="reg 13(1)(a): the family's 15 days on the draft come first",
        ),
        pytest.param(
            [REQUEST, ASSESS, DRAFT, FINAL],
            "2024-05-05",
            [
                ("appeal_registered", "2024-07-01", 57, "The family"),
                ("review_meeting_held", "2025-04-30", 360, "The council"),
            ],
            id="HESC r.20(1)(c) appeal window, then the CFA s.44(1) review",
        ),
        pytest.param(
            [REQUEST, ASSESS, DRAFT, FINAL, ev("review_meeting_held", "2025-04-20")],
            "2025-04-25",
            [
                ("review_decision", "2025-04-30", 5, "The council"),
                ("review_report_sent", "2025-05-04", 9, "The council"),
            ],
            id="after the meeting: one decision, by the sooner of s.44(1) and reg 20(10)",
        ),
    ],
)
def test_steps_in_order(raws: list[dict[str, Any]], as_of: str, expected: list[Any]) -> None:
    assert rows(raws, as_of) == expected


def test_advice_is_chased_a_week_before_the_six_weeks() -> None:
    (advice,) = [
        s
        for s in steps(
            [REQUEST, ASSESS, ev("advice_requested", "2024-02-01", advice="psychological")],
            "2024-02-02",
        )
        if s.kind == "advice"
    ]
    assert (advice.due, advice.chase_on) == (d("2024-03-14"), d("2024-03-07"))
    assert advice.label == "Receive the psychological advice"
    assert advice.who == "The educational psychologist"
    assert advice.to_json()["chase_on"] == "2024-03-07"


def test_only_advice_has_a_chase_date() -> None:
    (step,) = steps([REQUEST], "2024-01-10")
    assert step.chase_on is None
    assert "chase_on" not in step.to_json()
    assert step.to_json() == {
        "event": "decision_to_assess",
        "label": "Decide whether to assess",
        "due": "2024-02-19",
        "days_left": 40,
        "who": "The council",
    }


def test_the_same_due_date_follows_the_laws_order() -> None:
    # Made up to tie: on one due date the spec's order of kinds decides (reg 5(1) before
    # reg 8(1) before reg 13(2)), then the family's windows.
    due = d("2024-03-14")
    made = [
        Deadline("final_plan", d("2024-01-01"), due, "reg 13(2)"),
        Deadline("advice", d("2024-02-01"), due, "reg 8(1)", party="adviser", advice="health"),
        Deadline("decision_to_assess", d("2024-02-01"), due, "reg 5(1)"),
    ]
    windows = [Window("appeal", d("2024-01-14"), due)]
    evaluation = Evaluation("T1", d("2024-03-01"), "assessing", made, windows)
    kinds = [s.kind for s in next_steps(evaluation, d("2024-03-01"))]
    assert kinds == ["decision_to_assess", "advice", "final_plan", "appeal"]


def test_an_order_names_the_step_it_requires() -> None:
    raws = [
        REQUEST,
        ev("decision_not_to_assess", "2024-02-01"),
        ev("appeal_registered", "2024-03-01"),
        ev("tribunal_order", "2024-06-03", order="assess"),
    ]
    (step,) = steps(raws, "2024-06-04")
    assert step.kind == "order_compliance"
    assert step.event is not None and step.event.value == "decision_to_assess"
    assert step.label == "Decide to assess, as ordered"
    assert step.regulation.endswith("reg 44(2)")


def test_every_deadline_kind_is_completed_by_an_event() -> None:
    assert all(event is not None for event, _label in STEPS.values())


def test_after_the_meeting_one_decision_meets_the_review_and_reg_20_10() -> None:
    meeting = ev("review_meeting_held", "2025-03-03")  # early: reg 20(10) comes first
    decisions = [
        s
        for s in steps([REQUEST, ASSESS, DRAFT, FINAL, meeting], "2025-03-04")
        if s.event is not None and s.event.value == "review_decision"
    ]
    assert [(s.due, s.label) for s in decisions] == [
        (d("2025-03-31"), "Decide whether to keep, amend or cease the plan")
    ]
    assert decisions[0].regulation == (
        "Children and Families Act 2014 s.44(1); SEND Regulations 2014 reg 20(10)"
    )
