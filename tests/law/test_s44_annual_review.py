"""CFA 2014 s.44(1): a review within every "period of 12 months starting with" the plan
or its last review; and the month arithmetic of spec section 1 underneath it."""

from __future__ import annotations

import pytest

from tests.law._cases import PLAN_2023_05_22, all_of, d, ev, run, summary
from workflow.law import timescales as ts


@pytest.mark.parametrize(
    "day, months, same_day_on",
    [
        ("2024-10-01", 2, "2024-12-01"),  # Tue -> Sun, the spec's example
        ("2023-12-31", 2, "2024-02-29"),  # Sun -> Thu, clamped to a leap February
        ("2024-12-31", 2, "2025-02-28"),  # Tue -> Fri, clamped to a plain February
        ("2024-01-31", 1, "2024-02-29"),  # Wed -> Thu
        ("2024-03-31", 1, "2024-04-30"),  # Sun -> Tue, 30-day month
        ("2024-11-15", 2, "2025-01-15"),  # Fri -> Wed, across the year end
        ("2024-02-29", 12, "2025-02-28"),  # Thu -> Fri, no 29 Feb in 2025
    ],
)
def test_add_months(day: str, months: int, same_day_on: str) -> None:
    assert ts.add_months(d(day), months) == d(same_day_on)


@pytest.mark.parametrize(
    "start, due",
    [
        ("2025-03-10", "2026-03-09"),  # Mon -> Mon, the spec's example
        ("2023-03-01", "2024-02-29"),  # Wed -> Thu, ends on the leap day
        ("2024-02-29", "2025-02-28"),  # Thu -> Fri, starts on the leap day
        ("2024-03-01", "2025-02-28"),  # Fri -> Fri
        ("2023-02-28", "2024-02-27"),  # Tue -> Tue, 28 Feb 2024 exists, so the day before
        ("2024-02-28", "2025-02-27"),  # Wed -> Thu
        ("2024-01-01", "2024-12-31"),  # Mon -> Tue, a calendar year
        ("2023-12-31", "2024-12-30"),  # Sun -> Mon, year end
        ("2024-01-31", "2025-01-30"),  # Wed -> Thu, month end
        ("2023-05-22", "2024-05-21"),  # Mon -> Tue, golden case 07
    ],
)
def test_annual_review_due(start: str, due: str) -> None:
    assert ts.annual_review_due(d(start)) == d(due)


@pytest.mark.parametrize(
    "start, months, end",
    [
        ("2024-05-01", 3, "2024-07-31"),  # Wed -> Wed, the spec's example
        ("2023-11-30", 3, "2024-02-29"),  # Thu -> Thu, no 30 Feb: the month's last day
        ("2023-11-29", 3, "2024-02-28"),  # Wed -> Wed, 29 Feb 2024 exists: the day before
        ("2022-11-30", 3, "2023-02-28"),  # Wed -> Tue, no 30 Feb in a plain year
        ("2024-10-15", 3, "2025-01-14"),  # Tue -> Tue, across the year end
        ("2024-12-31", 3, "2025-03-30"),  # Tue -> Sun, 31 Mar exists: the day before
    ],
)
def test_period_end(start: str, months: int, end: str) -> None:
    assert ts.period_end(d(start), months) == d(end)


def test_first_review_runs_from_the_final_plan() -> None:
    result = run(PLAN_2023_05_22, "2024-05-21")
    (review,) = all_of(result, "annual_review")
    assert summary(review) == ("2023-05-22", "2024-05-21", None, "pending", False, None)
    assert review.regulation == "Children and Families Act 2014 s.44(1)"


@pytest.mark.parametrize(
    "outcome, decided, first, second",
    [
        # maintained on Mon 20 May 2024: met; the next period starts that day
        (
            "maintain",
            "2024-05-20",
            ("2023-05-22", "2024-05-21", "2024-05-20", "met", False, None),
            ("2024-05-20", "2025-05-19", None, "pending", False, None),
        ),
        # amended on Fri 24 May: 3 days late; the next still runs from the decision
        (
            "amend",
            "2024-05-24",
            ("2023-05-22", "2024-05-21", "2024-05-24", "late", True, 3),
            ("2024-05-24", "2025-05-23", None, "pending", False, None),
        ),
    ],
)
def test_review_decision_meets_and_restarts_the_year(
    outcome: str, decided: str, first: tuple, second: tuple
) -> None:
    result = run(
        [
            *PLAN_2023_05_22,
            ev("review_meeting_held", "2024-04-29"),  # Mon
            ev("review_decision", decided, outcome=outcome),
        ],
        "2024-06-01",
    )
    reviews = sorted(all_of(result, "annual_review"), key=lambda x: x.starts)
    assert [summary(x) for x in reviews] == [first, second]


def test_plan_made_on_a_leap_day() -> None:
    result = run(
        [
            ev("request_received", "2023-10-12", source="parent"),  # Thu
            ev("decision_to_assess", "2023-11-16"),  # Thu
            ev("draft_plan_issued", "2024-01-25"),  # Thu
            ev("final_plan_issued", "2024-02-29"),  # Thu, day 140
            ev("review_meeting_held", "2025-02-10"),  # Mon
            ev("review_decision", "2025-02-28", outcome="maintain"),  # Fri, the last day
        ],
        "2025-03-01",
    )
    reviews = sorted(all_of(result, "annual_review"), key=lambda x: x.starts)
    assert [summary(x) for x in reviews] == [
        ("2024-02-29", "2025-02-28", "2025-02-28", "met", False, None),
        ("2025-02-28", "2026-02-27", None, "pending", False, None),
    ]


def test_cease_meets_every_open_review_and_starts_no_new_year() -> None:
    result = run(
        [
            *PLAN_2023_05_22,
            ev("review_meeting_held", "2024-04-29"),  # Mon
            ev("review_decision", "2024-05-13", outcome="cease"),  # Mon
        ],
        "2024-09-01",
    )
    (review,) = all_of(result, "annual_review")
    assert summary(review) == ("2023-05-22", "2024-05-21", "2024-05-13", "met", False, None)


@pytest.mark.parametrize(
    "ceased, status, days_late",
    [
        ("2024-05-10", "cancelled", None),  # Fri, before the year ran out
        ("2024-06-21", "lapsed", 31),  # Fri, the review was already a month late
    ],
)
def test_plan_ceased_cancels_the_review(ceased: str, status: str, days_late: int | None) -> None:
    result = run(
        [*PLAN_2023_05_22, ev("plan_ceased", ceased, reason="moved_la")],
        "2024-09-01",
    )
    (review,) = all_of(result, "annual_review")
    assert (review.status, review.days_late) == (status, days_late)
