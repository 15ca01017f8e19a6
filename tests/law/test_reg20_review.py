"""Reg 20(7): the review report within 2 weeks of the meeting; reg 20(10): the LA's decision
within 4 weeks of it. A later (reconvened) meeting replaces both."""

from __future__ import annotations

import pytest

from tests.law._cases import PLAN_2023_05_22, all_of, d, ev, one, run, summary
from workflow.law import timescales as ts


@pytest.mark.parametrize(
    "meeting, due",
    [
        ("2024-04-29", "2024-05-13"),  # Mon -> Mon
        ("2024-12-18", "2025-01-01"),  # Wed -> Wed, New Year's Day: not moved
        ("2024-02-15", "2024-02-29"),  # Thu -> Thu, leap day
    ],
)
def test_review_report_due(meeting: str, due: str) -> None:
    assert ts.review_report_due(d(meeting)) == d(due)


@pytest.mark.parametrize(
    "meeting, due",
    [
        ("2024-04-29", "2024-05-27"),  # Mon -> Mon, a bank holiday: not moved
        ("2024-12-18", "2025-01-15"),  # Wed -> Wed, across the year end
        ("2024-02-01", "2024-02-29"),  # Thu -> Thu, leap day
        ("2023-02-01", "2023-03-01"),  # Wed -> Wed, no leap day
    ],
)
def test_review_decision_due(meeting: str, due: str) -> None:
    assert ts.review_decision_due(d(meeting)) == d(due)


MEETING = ev("review_meeting_held", "2024-04-29")  # Mon


def test_report_and_decision_whole_case() -> None:
    result = run(
        [
            *PLAN_2023_05_22,
            MEETING,
            ev("review_report_sent", "2024-05-14"),  # Tue, a day late
            ev("review_decision", "2024-05-24", outcome="maintain"),  # Fri
        ],
        "2024-06-01",
    )
    report = one(result, "review_report")
    assert summary(report) == ("2024-04-29", "2024-05-13", "2024-05-14", "late", True, 1)
    assert report.party == "institution"
    assert summary(one(result, "review_decision")) == (
        "2024-04-29",
        "2024-05-27",
        "2024-05-24",
        "met",
        False,
        None,
    )


def test_nothing_sent() -> None:
    result = run([*PLAN_2023_05_22, MEETING], "2024-05-28")  # Tue
    assert summary(one(result, "review_report"))[3:] == ("overdue", True, 15)
    assert summary(one(result, "review_decision"))[3:] == ("overdue", True, 1)


def test_a_reconvened_meeting_replaces_the_earlier_clocks() -> None:
    result = run(
        [
            *PLAN_2023_05_22,
            MEETING,
            # Reconvened Mon 20 May: the first report (due Mon 13 May) had already run
            # out, so it lapses; the first decision (due Mon 27 May) had not: cancelled.
            ev("review_meeting_held", "2024-05-20"),
        ],
        "2024-06-01",
    )
    reports = sorted(all_of(result, "review_report"), key=lambda x: x.starts)
    decisions = sorted(all_of(result, "review_decision"), key=lambda x: x.starts)
    assert [summary(x) for x in reports] == [
        ("2024-04-29", "2024-05-13", None, "lapsed", True, 7),
        ("2024-05-20", "2024-06-03", None, "pending", False, None),  # Mon
    ]
    assert [summary(x) for x in decisions] == [
        ("2024-04-29", "2024-05-27", None, "cancelled", False, None),
        ("2024-05-20", "2024-06-17", None, "pending", False, None),  # Mon
    ]


def test_plan_ceased_ends_review_clocks() -> None:
    result = run(
        [*PLAN_2023_05_22, MEETING, ev("plan_ceased", "2024-05-06", reason="needs_met")],
        "2024-06-01",
    )
    assert one(result, "review_report").status == "cancelled"
    assert one(result, "review_decision").status == "cancelled"
