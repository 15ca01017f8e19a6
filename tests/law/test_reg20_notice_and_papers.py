"""Review meeting notice and papers (spec v3 change 12), reg 20(3)-(4) and 21(3)-(4): the
notice of the meeting and the advice and information for it go out "at least two weeks
before" the meeting P, so both are due P - 14. The notice is met by its own event; the
papers by review_papers_circulated, and they are no longer due once a meeting is held on or
after P, or after the notice's date (second review)."""

from __future__ import annotations

import pytest

from tests.law._cases import PLAN_2023_05_22, all_of, d, ev, one, run, summary
from workflow.errors import EventNotAllowed
from workflow.law import timescales as ts


@pytest.mark.parametrize(
    "meeting, due",
    [
        ("2024-03-01", "2024-02-16"),  # the spec's example
        ("2024-03-14", "2024-02-29"),  # a leap day
        ("2025-01-06", "2024-12-23"),  # calendar days over Christmas, never moved
    ],
)
def test_review_notice_due(meeting: str, due: str) -> None:
    assert ts.review_notice_due(d(meeting)) == d(due)


@pytest.mark.parametrize(
    "sent, meeting, notice",
    [
        (
            "2024-02-12",
            "2024-03-01",
            ("2024-02-12", "2024-02-16", "2024-02-12", "met", False, None),
        ),
        (
            "2024-02-16",
            "2024-03-01",
            ("2024-02-16", "2024-02-16", "2024-02-16", "met", False, None),
        ),
        ("2024-02-20", "2024-03-01", ("2024-02-20", "2024-02-16", "2024-02-20", "late", True, 4)),
    ],
)
def test_notice_is_born_met_or_late(sent: str, meeting: str, notice: tuple) -> None:
    result = run(
        [*PLAN_2023_05_22, ev("review_meeting_notice_sent", sent, meeting_date=meeting)],
        "2024-02-25",
    )
    assert summary(one(result, "review_meeting_notice")) == notice


NOTICE = ev("review_meeting_notice_sent", "2024-02-12", meeting_date="2024-03-01")


@pytest.mark.parametrize(
    "later, papers",
    [
        (
            [ev("review_papers_circulated", "2024-02-15")],
            ("2024-02-12", "2024-02-16", "2024-02-15", "met", False, None),
        ),
        (
            [ev("review_papers_circulated", "2024-02-19")],
            ("2024-02-12", "2024-02-16", "2024-02-19", "late", True, 3),
        ),
        ([], ("2024-02-12", "2024-02-16", None, "overdue", True, 4)),
        # the meeting held on its day, papers never sent: lapsed, the breach kept
        (
            [ev("review_meeting_held", "2024-03-01")],
            ("2024-02-12", "2024-02-16", None, "lapsed", True, 14),
        ),
    ],
)
def test_papers(later: list, papers: tuple) -> None:
    as_of = "2024-02-20" if not later or later[0]["date"] < "2024-03-01" else "2024-03-05"
    result = run([*PLAN_2023_05_22, NOTICE, *later], as_of)
    assert summary(one(result, "review_papers")) == papers


def test_papers_a_notice_sent_on_the_meeting_day_is_overdue_from_the_start() -> None:
    """Due P - 14 precedes its start; a meeting the same day as the notice does not end it
    (H = N, H < P), one held later does."""
    late_notice = ev("review_meeting_notice_sent", "2024-02-20", meeting_date="2024-02-27")
    result = run(
        [*PLAN_2023_05_22, late_notice, ev("review_meeting_held", "2024-02-20")], "2024-02-21"
    )
    assert summary(one(result, "review_papers"))[3] == "overdue"


def test_a_later_notice_replaces_the_papers() -> None:
    result = run(
        [
            *PLAN_2023_05_22,
            NOTICE,
            ev("review_meeting_notice_sent", "2024-02-14", meeting_date="2024-03-08"),
        ],
        "2024-02-15",
    )
    assert [(x.status, x.due.isoformat()) for x in all_of(result, "review_papers")] == [
        ("cancelled", "2024-02-16"),
        ("pending", "2024-02-23"),
    ]


@pytest.mark.parametrize(
    "events, message",
    [
        (
            [*PLAN_2023_05_22, ev("review_papers_circulated", "2024-02-15")],
            "no review meeting notice",
        ),
        (
            [
                *PLAN_2023_05_22,
                ev("review_meeting_notice_sent", "2024-02-15", meeting_date="2024-02-14"),
            ],
            "cannot be before the notice",
        ),
    ],
)
def test_guards(events: list, message: str) -> None:
    with pytest.raises(EventNotAllowed, match=message):
        run(events, "2024-03-01")
