"""Reg 8(1): advice within 6 weeks of the request for it being received."""

from __future__ import annotations

import pytest

from tests.law._cases import all_of, d, ev, one, run, summary
from workflow.law import timescales as ts


@pytest.mark.parametrize(
    "received, due",
    [
        ("2024-02-12", "2024-03-25"),  # Mon -> Mon (the spec's output example)
        ("2023-12-04", "2024-01-15"),  # Mon -> Mon, across Christmas and the year end
        ("2024-01-18", "2024-02-29"),  # Thu -> Thu, a leap day
        ("2024-11-13", "2024-12-25"),  # Wed -> Wed, Christmas Day is not moved
    ],
)
def test_advice_due(received: str, due: str) -> None:
    assert ts.advice_due(d(received)) == d(due)


ASSESSING = [
    ev("request_received", "2024-01-08", source="parent"),  # Mon
    ev("decision_to_assess", "2024-02-05"),  # Mon
]


def test_clock_runs_from_received_on_not_the_request() -> None:
    result = run(
        [
            *ASSESSING,
            # asked Mon 5 Feb, the body received it Mon 12 Feb: due Mon 25 Mar
            ev("advice_requested", "2024-02-05", advice="psychological", received_on="2024-02-12"),
            ev("advice_received", "2024-03-20", advice="psychological"),  # Wed
        ],
        "2024-06-01",
    )
    assert summary(one(result, "advice", advice="psychological")) == (
        "2024-02-12",
        "2024-03-25",
        "2024-03-20",
        "met",
        False,
        None,
    )


def test_without_received_on_the_clock_runs_from_the_request() -> None:
    result = run(
        [
            *ASSESSING,
            ev("advice_requested", "2024-02-05", advice="health"),  # Mon -> Mon 18 Mar
            ev("advice_received", "2024-03-19", advice="health"),  # Tue, 1 day late
        ],
        "2024-06-01",
    )
    deadline = one(result, "advice", advice="health")
    assert summary(deadline) == ("2024-02-05", "2024-03-18", "2024-03-19", "late", True, 1)
    assert deadline.party == "adviser"


def test_parent_advice_has_no_statutory_clock() -> None:
    result = run(
        [*ASSESSING, ev("advice_requested", "2024-02-05", advice="parent")],
        "2024-06-01",
    )
    assert all_of(result, "advice") == []


def test_advice_pairs_by_ref_and_oldest_first() -> None:
    result = run(
        [
            *ASSESSING,
            ev("advice_requested", "2024-02-05", advice="health", ref="OT"),  # Mon -> 18 Mar
            ev("advice_requested", "2024-02-06", advice="health", ref="SALT"),  # Tue -> 19 Mar
            ev("advice_requested", "2024-02-07", advice="health"),  # Wed -> 20 Mar, no ref
            ev("advice_requested", "2024-02-08", advice="health"),  # Thu -> 21 Mar, no ref
            ev("advice_received", "2024-03-01", advice="health", ref="SALT"),  # Fri
            ev("advice_received", "2024-03-04", advice="health"),  # Mon: the oldest no-ref one
        ],
        "2024-03-19",  # Tue
    )
    assert summary(one(result, "advice", ref="OT")) == (
        "2024-02-05",
        "2024-03-18",
        None,
        "overdue",
        True,
        1,
    )
    assert one(result, "advice", ref="SALT").met_on == d("2024-03-01")
    no_ref = sorted(all_of(result, "advice", ref=None), key=lambda x: x.starts)
    assert [summary(x)[2:4] for x in no_ref] == [("2024-03-04", "met"), (None, "pending")]


@pytest.mark.parametrize(
    "ending, status, days_late",
    [
        (ev("decision_not_to_issue", "2024-03-11"), "cancelled", None),  # Mon, before due
        (ev("request_withdrawn", "2024-03-25"), "lapsed", 7),  # Mon, a week after due
    ],
)
def test_advice_cancelled_by_no_issue_or_withdrawal(
    ending: dict[str, str], status: str, days_late: int | None
) -> None:
    result = run(
        [*ASSESSING, ev("advice_requested", "2024-02-05", advice="educational"), ending],
        "2024-06-01",
    )
    deadline = one(result, "advice", advice="educational")
    assert (deadline.due, deadline.status, deadline.days_late) == (
        d("2024-03-18"),
        status,
        days_late,
    )
