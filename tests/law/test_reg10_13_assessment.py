"""Reg 10(1) (16 weeks to decide not to issue) and reg 13(2) (20 weeks to the final plan)."""

from __future__ import annotations

import pytest

from tests.law._cases import d, ev, one, run, summary
from workflow.law import timescales as ts


@pytest.mark.parametrize(
    "request_day, due",
    [
        ("2024-01-08", "2024-04-29"),  # Mon -> Mon, 112 days
        ("2023-10-12", "2024-02-01"),  # Thu -> Thu, across the year end
        ("2024-12-09", "2025-03-31"),  # Mon -> Mon
    ],
)
def test_decision_not_to_issue_due(request_day: str, due: str) -> None:
    assert ts.decision_not_to_issue_due(d(request_day), after_order=False) == d(due)


def test_decision_not_to_issue_after_an_order_is_10_weeks() -> None:
    assert ts.decision_not_to_issue_due(d("2024-03-04"), after_order=True) == d(
        "2024-05-13"
    )  # Mon -> Mon, 70 days


@pytest.mark.parametrize(
    "request_day, twenty_week_days, due",
    [
        ("2024-01-08", 140, "2024-05-27"),  # Mon -> Mon (Spring bank holiday, not moved)
        ("2024-01-08", 139, "2024-05-26"),  # Mon -> Sun, DfE "day 1 = receipt"
        ("2023-10-12", 140, "2024-02-29"),  # Thu -> Thu, lands on a leap day
        ("2023-10-12", 139, "2024-02-28"),  # Thu -> Wed
        ("2022-10-13", 140, "2023-03-02"),  # Thu -> Thu, no leap day in 2023
        ("2024-08-12", 140, "2024-12-30"),  # Mon -> Mon, between Christmas and New Year
    ],
)
def test_final_plan_due(request_day: str, twenty_week_days: int, due: str) -> None:
    got = ts.final_plan_due(d(request_day), twenty_week_days=twenty_week_days, after_order=False)
    assert got == d(due)


@pytest.mark.parametrize("twenty_week_days", [139, 140])
def test_final_plan_after_an_order_is_14_weeks_whatever_the_setting(
    twenty_week_days: int,
) -> None:
    got = ts.final_plan_due(d("2024-03-04"), twenty_week_days=twenty_week_days, after_order=True)
    assert got == d("2024-06-10")  # Mon -> Mon, 98 days


REQUEST = ev("request_received", "2024-01-08", source="school")  # Mon
ASSESS = ev("decision_to_assess", "2024-02-05")  # Mon


@pytest.mark.parametrize(
    "twenty_week_days, final_on, expected",
    [
        (140, "2024-05-27", ("2024-01-08", "2024-05-27", "2024-05-27", "met", False, None)),
        (139, "2024-05-27", ("2024-01-08", "2024-05-26", "2024-05-27", "late", True, 1)),
        (140, "2024-06-03", ("2024-01-08", "2024-05-27", "2024-06-03", "late", True, 7)),
    ],
)
def test_final_plan_whole_case(twenty_week_days: int, final_on: str, expected: tuple) -> None:
    result = run(
        [
            REQUEST,
            ASSESS,
            ev("draft_plan_issued", "2024-04-15"),  # Mon
            ev("final_plan_issued", final_on),
        ],
        "2024-07-01",
        twenty_week_days=twenty_week_days,
    )
    assert summary(one(result, "final_plan")) == expected
    # the draft cancelled the decision-not-to-issue limit before it was due
    assert summary(one(result, "decision_not_to_issue")) == (
        "2024-01-08",
        "2024-04-29",
        None,
        "cancelled",
        False,
        None,
    )


def test_decision_not_to_issue_meets_its_limit_and_ends_the_final_plan() -> None:
    result = run(
        [REQUEST, ASSESS, ev("decision_not_to_issue", "2024-04-22")],  # Mon, a week early
        "2024-07-01",
    )
    assert summary(one(result, "decision_not_to_issue")) == (
        "2024-01-08",
        "2024-04-29",
        "2024-04-22",
        "met",
        False,
        None,
    )
    assert one(result, "final_plan").status == "cancelled"
    assert result.state == "not_issued"


def test_deadlines_start_with_the_request_not_the_decision() -> None:
    result = run([REQUEST, ASSESS], "2024-02-05")
    assert one(result, "final_plan").starts == d("2024-01-08")
    assert one(result, "decision_not_to_issue").starts == d("2024-01-08")
    assert one(result, "final_plan").regulation.endswith("reg 13(2)")
    assert one(result, "decision_not_to_issue").regulation.endswith("reg 10(1)")
