"""Transfer to another authority (spec v3 change 11), reg 15(2): the old authority transfers
the plan on the move date when it knew at least 15 working days before, else within 15
working days beginning with the day it knew. The case then ends (state transferred_out)."""

from __future__ import annotations

import pytest

from tests.law._cases import PLAN_2023_05_22, all_of, d, ev, one, run, summary
from workflow.errors import EventNotAllowed
from workflow.law import timescales as ts
from workflow.law.calendar import WorkingDays

WORKING_DAYS = WorkingDays()


@pytest.mark.parametrize(
    "aware, move, due",
    [
        # the spec's example: Mon 16 Dec 2024, a move too soon -> the 15th working day
        # beginning with it, Wed 8 Jan 2025 (25, 26 Dec and 1 Jan skipped)
        ("2024-12-16", "2024-12-20", "2025-01-08"),
        # known 15 working days ahead (Mon 3 Jun .. Fri 21 Jun): on the move date
        ("2024-06-03", "2024-06-24", "2024-06-24"),
        # 14 working days ahead (Tue 4 Jun .. Fri 21 Jun): the 15th working day, Mon 24 Jun
        ("2024-06-04", "2024-06-24", "2024-06-24"),
        ("2024-06-05", "2024-06-24", "2024-06-25"),
        # known on a Saturday: day 1 is the Monday
        ("2024-06-01", "2024-06-05", "2024-06-21"),
        # a move already past when the LA learned of it
        ("2024-06-10", "2024-06-01", "2024-06-28"),
    ],
)
def test_transfer_out_due(aware: str, move: str, due: str) -> None:
    assert ts.transfer_out_due(d(aware), d(move), WORKING_DAYS) == d(due)


@pytest.mark.parametrize(
    "first, last, count",
    [
        ("2024-06-03", "2024-06-21", 15),
        ("2024-12-23", "2025-01-02", 6),  # 23, 24, 27?, ... without 25, 26 Dec and 1 Jan
        ("2024-06-08", "2024-06-09", 0),  # a weekend
        ("2024-06-10", "2024-06-09", 0),  # an empty range
    ],
)
def test_working_days_count(first: str, last: str, count: int) -> None:
    assert WORKING_DAYS.count(d(first), d(last)) == count


MOVING = [*PLAN_2023_05_22, ev("move_reported", "2024-06-03", move_date="2024-06-24")]


def test_transferred_out_in_time_ends_the_case() -> None:
    result = run([*MOVING, ev("plan_transferred_out", "2024-06-24", to_la="Kent")], "2024-07-01")
    assert summary(one(result, "transfer_out")) == (
        "2024-06-03",
        "2024-06-24",
        "2024-06-24",
        "met",
        False,
        None,
    )
    assert result.state == "transferred_out"
    # the plan's duties end with it: the review due 21 May 2024 had already lapsed
    assert one(result, "annual_review").status == "lapsed"
    with pytest.raises(EventNotAllowed, match="cannot take any more events"):
        run(
            [
                *MOVING,
                ev("plan_transferred_out", "2024-06-24"),
                ev("review_meeting_held", "2024-06-25"),
            ],
            "2024-07-01",
        )


def test_a_later_report_replaces_the_earlier() -> None:
    result = run([*MOVING, ev("move_reported", "2024-06-10", move_date="2024-07-22")], "2024-06-12")
    assert [(x.status, x.due.isoformat()) for x in all_of(result, "transfer_out")] == [
        ("cancelled", "2024-06-24"),
        ("pending", "2024-07-22"),
    ]


def test_plan_ceased_leaves_the_transfer_open_and_it_can_still_be_made() -> None:
    """Second review: the transfer never happened, so the duty stays and can be overdue."""
    ceased = [*MOVING, ev("plan_ceased", "2024-06-20", reason="moved_la")]
    result = run(ceased, "2024-07-01")
    assert summary(one(result, "transfer_out"))[3:] == ("overdue", True, 7)
    later = run([*ceased, ev("plan_transferred_out", "2024-07-03")], "2024-07-10")
    assert later.state == "transferred_out"
    assert summary(one(later, "transfer_out"))[2:] == ("2024-07-03", "late", True, 9)


def test_a_ceased_case_without_a_move_cannot_transfer_out() -> None:
    with pytest.raises(EventNotAllowed, match="no move"):
        run(
            [
                *PLAN_2023_05_22,
                ev("plan_ceased", "2024-06-20", reason="moved_la"),
                ev("plan_transferred_out", "2024-07-03"),
            ],
            "2024-07-10",
        )
