"""Reg 5(1): the decision whether to assess, within 6 weeks (42 days) of the request."""

from __future__ import annotations

import pytest

from tests.law._cases import d, ev, one, run, summary
from workflow.law import timescales as ts


@pytest.mark.parametrize(
    "request_day, due",
    [
        ("2024-01-08", "2024-02-19"),  # Mon -> Mon, the spec's example
        ("2023-12-20", "2024-01-31"),  # Wed -> Wed, across the year end
        ("2024-01-18", "2024-02-29"),  # Thu -> Thu, lands on a leap day
        ("2023-01-18", "2023-03-01"),  # Wed -> Wed, no leap day in 2023
        ("2024-11-13", "2024-12-25"),  # Wed -> Wed, Christmas Day: holidays never move it
        ("2024-07-20", "2024-08-31"),  # Sat -> Sat, a weekend request counts from that day
    ],
)
def test_decision_to_assess_due(request_day: str, due: str) -> None:
    assert ts.decision_to_assess_due(d(request_day)) == d(due)


REQUEST = ev("request_received", "2024-01-08", source="parent")  # Mon; due Mon 19 Feb


@pytest.mark.parametrize(
    "later, as_of, expected",
    [
        # nothing yet, on the due day: pending
        ([], "2024-02-19", ("2024-01-08", "2024-02-19", None, "pending", False, None)),
        # nothing by Tue 20 Feb: overdue by 1 day
        ([], "2024-02-20", ("2024-01-08", "2024-02-19", None, "overdue", True, 1)),
        # decided on the due day (Mon 19 Feb): met
        (
            [ev("decision_to_assess", "2024-02-19")],
            "2024-06-01",
            ("2024-01-08", "2024-02-19", "2024-02-19", "met", False, None),
        ),
        # decided Wed 21 Feb: 2 days late
        (
            [ev("decision_to_assess", "2024-02-21")],
            "2024-06-01",
            ("2024-01-08", "2024-02-19", "2024-02-21", "late", True, 2),
        ),
        # a decision not to assess meets it too (Fri 9 Feb)
        (
            [ev("decision_not_to_assess", "2024-02-09")],
            "2024-06-01",
            ("2024-01-08", "2024-02-19", "2024-02-09", "met", False, None),
        ),
        # withdrawn Fri 9 Feb, before it was due: cancelled
        (
            [ev("request_withdrawn", "2024-02-09")],
            "2024-06-01",
            ("2024-01-08", "2024-02-19", None, "cancelled", False, None),
        ),
        # withdrawn Mon 26 Feb, a week after it was due: lapsed, 7 days late
        (
            [ev("request_withdrawn", "2024-02-26")],
            "2024-06-01",
            ("2024-01-08", "2024-02-19", None, "lapsed", True, 7),
        ),
        # a decision after as_of is ignored: still overdue on Fri 23 Feb
        (
            [ev("decision_to_assess", "2024-02-26")],
            "2024-02-23",
            ("2024-01-08", "2024-02-19", None, "overdue", True, 4),
        ),
    ],
)
def test_decision_to_assess_whole_case(
    later: list[dict[str, str]], as_of: str, expected: tuple[object, ...]
) -> None:
    result = run([REQUEST, *later], as_of)
    deadline = one(result, "decision_to_assess")
    assert summary(deadline) == expected
    assert deadline.regulation.endswith("reg 5(1)")
