"""Reg 15(4) (notice within 6 weeks of a transfer-in) and 15(5) (review within the later of
12 months from the last review and 3 months from the transfer)."""

from __future__ import annotations

import pytest

from tests.law._cases import TRANSFERRED_2024_01_15, all_of, d, ev, one, run, summary
from workflow.law import timescales as ts


@pytest.mark.parametrize(
    "transferred, due",
    [
        ("2024-01-15", "2024-02-26"),  # Mon -> Mon
        ("2024-04-15", "2024-05-27"),  # Mon -> Mon, a bank holiday: not moved
        ("2024-01-18", "2024-02-29"),  # Thu -> Thu, leap day
    ],
)
def test_transfer_notice_due(transferred: str, due: str) -> None:
    assert ts.transfer_notice_due(d(transferred)) == d(due)


@pytest.mark.parametrize(
    "transferred, last_reviewed, due",
    [
        # 12 months from Wed 20 Sep 2023 end Thu 19 Sep 2024; 3 from T end Sun 14 Jul
        ("2024-04-15", "2023-09-20", "2024-09-19"),  # Mon, Wed -> Thu: 12 months win
        # 12 months from Wed 10 May 2023 end Thu 9 May 2024, before the 3 months
        ("2024-04-15", "2023-05-10", "2024-07-14"),  # Mon, Wed -> Sun: 3 months win
        # 3 months from Thu 30 Nov 2023: no 30 Feb, so the last day of February
        ("2023-11-30", "2023-01-15", "2024-02-29"),  # Thu, Sun -> Thu
        # 3 months starting with a leap day end Tue 28 May
        ("2024-02-29", "2023-02-28", "2024-05-28"),  # Thu, Tue -> Tue
        # across the year end: 12 months end Wed 1 Jan 2025, 3 months Tue 14 Jan 2025
        ("2024-10-15", "2024-01-02", "2025-01-14"),  # Tue, Tue -> Tue
        # last reviewed Mon 10 Jul 2023: 12 months end Tue 9 Jul 2024
        ("2024-01-15", "2023-07-10", "2024-07-09"),  # Mon, Mon -> Tue
    ],
)
def test_transfer_in_review_due(transferred: str, last_reviewed: str, due: str) -> None:
    assert ts.transfer_in_review_due(d(transferred), d(last_reviewed)) == d(due)


def test_transfer_in_whole_case() -> None:
    result = run(
        [
            *TRANSFERRED_2024_01_15,
            ev("transfer_notice_sent", "2024-02-27"),  # Tue, a day late
            ev("review_meeting_held", "2024-06-17"),  # Mon
            ev("review_decision", "2024-07-01", outcome="maintain"),  # Mon
        ],
        "2024-08-01",
    )
    assert result.state == "plan_in_force"
    assert summary(one(result, "transfer_notice")) == (
        "2024-01-15",
        "2024-02-26",
        "2024-02-27",
        "late",
        True,
        1,
    )
    reviews = sorted(all_of(result, "annual_review"), key=lambda x: x.starts)
    assert [summary(x) for x in reviews] == [
        ("2024-01-15", "2024-07-09", "2024-07-01", "met", False, None),
        ("2024-07-01", "2025-06-30", None, "pending", False, None),  # Mon -> Mon
    ]
    assert reviews[0].regulation.endswith("reg 15(5)")
    assert one(result, "transfer_notice").regulation.endswith("reg 15(4)")


def test_transfer_notice_lapses_when_the_plan_ceases_after_it_was_due() -> None:
    result = run(
        [*TRANSFERRED_2024_01_15, ev("plan_ceased", "2024-03-04", reason="moved_la")],  # Mon
        "2024-08-01",
    )
    assert summary(one(result, "transfer_notice")) == (
        "2024-01-15",
        "2024-02-26",
        None,
        "lapsed",
        True,
        7,
    )
    assert one(result, "annual_review").status == "cancelled"
