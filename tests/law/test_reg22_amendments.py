"""Reg 22(3)-(4): the amended plan (or a decision not to amend) within 8 weeks of the
proposed amendments; after a review decision to amend, never later than 12 weeks from the
review meeting (R (L, M & P) v Devon CC [2022] EWHC 493 (Admin)); due may then precede
the notice."""

from __future__ import annotations

import pytest

from tests.law._cases import PLAN_2023_05_22, all_of, d, ev, one, run, summary
from workflow.law import timescales as ts


@pytest.mark.parametrize(
    "notice, meeting, due",
    [
        ("2024-06-10", None, "2024-08-05"),  # Mon -> Mon, 8 weeks, no review
        ("2023-12-29", None, "2024-02-23"),  # Fri -> Fri, across the year end
        ("2024-06-10", "2024-04-29", "2024-07-22"),  # Mon, Mon -> Mon: the 12-week cap bites
        ("2024-03-04", "2024-02-26", "2024-04-29"),  # Mon, Mon -> Mon: 8 weeks come first
        ("2024-08-05", "2024-04-29", "2024-07-22"),  # Mon, Mon -> Mon: due before the notice
        (
            "2024-05-27",
            "2024-04-01",
            "2024-06-24",
        ),  # Mon, Mon -> Mon: the cap, 4 weeks after the notice
    ],
)
def test_amended_plan_due(notice: str, meeting: str | None, due: str) -> None:
    got = ts.amended_plan_due(d(notice), review_meeting=d(meeting) if meeting else None)
    assert got == d(due)


MEETING = ev("review_meeting_held", "2024-04-29")  # Mon; +12 weeks = Mon 22 Jul
AMEND = ev("review_decision", "2024-05-24", outcome="amend")  # Fri
MAINTAIN = ev("review_decision", "2024-05-24", outcome="maintain")  # Fri


@pytest.mark.parametrize(
    "history, as_of, expected",
    [
        # golden case 07: capped at Mon 22 Jul, issued Mon 29 Jul, 7 days late
        (
            [
                MEETING,
                AMEND,
                ev("amendment_notice_sent", "2024-06-10"),  # Mon
                ev("amended_plan_issued", "2024-07-29"),  # Mon
            ],
            "2024-08-01",
            ("2024-06-10", "2024-07-22", "2024-07-29", "late", True, 7),
        ),
        # proposals sent only on Mon 5 Aug: already overdue when sent (due < starts)
        (
            [MEETING, AMEND, ev("amendment_notice_sent", "2024-08-05")],
            "2024-08-10",
            ("2024-08-05", "2024-07-22", None, "overdue", True, 19),
        ),
        # a decision to maintain is not a decision to amend: plain 8 weeks, Mon 5 Aug
        (
            [MEETING, MAINTAIN, ev("amendment_notice_sent", "2024-06-10")],
            "2024-08-01",
            ("2024-06-10", "2024-08-05", None, "pending", False, None),
        ),
        # proposals before any review decision: plain 8 weeks
        (
            [MEETING, ev("amendment_notice_sent", "2024-05-13")],  # Mon -> Mon 8 Jul
            "2024-07-08",
            ("2024-05-13", "2024-07-08", None, "pending", False, None),
        ),
        # a decision not to amend (Mon 15 Jul) meets it
        (
            [
                MEETING,
                AMEND,
                ev("amendment_notice_sent", "2024-06-10"),
                ev("decision_not_to_amend", "2024-07-15"),
            ],
            "2024-08-01",
            ("2024-06-10", "2024-07-22", "2024-07-15", "met", False, None),
        ),
        # a later review meeting (Mon 3 Jun) ends the cap of the earlier decision to amend
        (
            [
                MEETING,
                AMEND,
                ev("review_meeting_held", "2024-06-03"),
                ev("amendment_notice_sent", "2024-06-10"),
            ],
            "2024-08-01",
            ("2024-06-10", "2024-08-05", None, "pending", False, None),
        ),
    ],
)
def test_amended_plan_whole_case(history: list, as_of: str, expected: tuple) -> None:
    result = run([*PLAN_2023_05_22, *history], as_of)
    deadline = one(result, "amended_plan")
    assert summary(deadline) == expected
    assert deadline.regulation.endswith("reg 22(3)")


def test_resent_proposals_cancel_the_earlier_clock() -> None:
    result = run(
        [
            *PLAN_2023_05_22,
            ev("amendment_notice_sent", "2024-03-04"),  # Mon -> Mon 29 Apr
            ev("amendment_notice_sent", "2024-04-15"),  # Mon -> Mon 10 Jun
            ev("amended_plan_issued", "2024-06-07"),  # Fri
        ],
        "2024-07-01",
    )
    plans = sorted(all_of(result, "amended_plan"), key=lambda x: x.starts)
    assert [summary(x) for x in plans] == [
        ("2024-03-04", "2024-04-29", None, "cancelled", False, None),
        ("2024-04-15", "2024-06-10", "2024-06-07", "met", False, None),
    ]


def test_plan_ceased_after_the_due_day_lapses_the_amendment() -> None:
    result = run(
        [
            *PLAN_2023_05_22,
            ev("amendment_notice_sent", "2024-03-04"),  # Mon -> Mon 29 Apr
            ev("plan_ceased", "2024-05-06", reason="employment"),  # Mon
        ],
        "2024-07-01",
    )
    assert summary(one(result, "amended_plan"))[3:] == ("lapsed", True, 7)
