"""Mediation must take place within 30 days of the LA being told the family wants it
(SEND Regulations 2014; the spec cites no paragraph)."""

from __future__ import annotations

import pytest

from tests.law._cases import all_of, d, ev, one, run, summary
from workflow.law import timescales as ts


@pytest.mark.parametrize(
    "requested, due",
    [
        ("2024-01-15", "2024-02-14"),  # Mon -> Wed, 30 days (not weeks)
        ("2024-12-02", "2025-01-01"),  # Mon -> Wed, New Year's Day: not moved
        ("2024-02-01", "2024-03-02"),  # Thu -> Sat, through a leap February
        ("2023-02-01", "2023-03-03"),  # Wed -> Fri, through a plain February
        ("2024-02-12", "2024-03-13"),  # Mon -> Wed
    ],
)
def test_mediation_due(requested: str, due: str) -> None:
    assert ts.mediation_due(d(requested)) == d(due)


OPENING = [
    ev("request_received", "2024-01-08", source="parent"),  # Mon
    ev("decision_not_to_assess", "2024-02-05"),  # Mon
    ev("mediation_requested", "2024-02-12"),  # Mon -> Wed 13 Mar
]


@pytest.mark.parametrize(
    "later, as_of, expected",
    [
        ([], "2024-03-13", ("2024-02-12", "2024-03-13", None, "pending", False, None)),
        ([], "2024-03-14", ("2024-02-12", "2024-03-13", None, "overdue", True, 1)),
        (
            [ev("mediation_held", "2024-03-13")],  # Wed, the 30th day
            "2024-04-01",
            ("2024-02-12", "2024-03-13", "2024-03-13", "met", False, None),
        ),
        (
            [ev("mediation_held", "2024-03-15")],  # Fri
            "2024-04-01",
            ("2024-02-12", "2024-03-13", "2024-03-15", "late", True, 2),
        ),
        (
            [ev("mediation_withdrawn", "2024-03-01")],  # Fri
            "2024-04-01",
            ("2024-02-12", "2024-03-13", None, "cancelled", False, None),
        ),
        (
            [ev("mediation_withdrawn", "2024-03-20")],  # Wed, a week after it was due
            "2024-04-01",
            ("2024-02-12", "2024-03-13", None, "lapsed", True, 7),
        ),
    ],
)
def test_mediation_whole_case(later: list, as_of: str, expected: tuple) -> None:
    deadline = one(run([*OPENING, *later], as_of), "mediation")
    assert summary(deadline) == expected


def test_held_meets_the_oldest_request() -> None:
    result = run(
        [
            *OPENING,
            ev("mediation_requested", "2024-02-19"),  # Mon -> Wed 20 Mar
            ev("mediation_held", "2024-03-18"),  # Mon
        ],
        "2024-03-21",
    )
    got = sorted((x.starts, x.due, x.met_on, x.status) for x in all_of(result, "mediation"))
    assert got == [
        (d("2024-02-12"), d("2024-03-13"), d("2024-03-18"), "late"),
        (d("2024-02-19"), d("2024-03-20"), None, "overdue"),
    ]
