"""Who a family letter is for: the parent, then the young person (CFA 2014 s.80, s.83(2))."""

from __future__ import annotations

from datetime import date

import pytest

from letters.recipients import family_recipient, missing_for, young_person_from


@pytest.mark.parametrize(
    "dob, young_person_from_day",
    [
        ("2008-03-14", "2024-08-31"),  # 16 on Thu 14 Mar 2024; that year ends 31 Aug 2024
        ("2008-08-31", "2024-08-31"),  # 16 on Sat 31 Aug 2024, the last day of the year
        ("2008-09-01", "2025-08-31"),  # 16 on Sun 1 Sep 2024, the first day of the next year
        ("2008-02-29", "2024-08-31"),  # leap-day birthday: 16 on 29 Feb 2024
        ("2007-02-28", "2023-08-31"),
    ],
)
def test_young_person_from_the_31_august_ending_the_year_they_turn_16(
    dob: str, young_person_from_day: str
) -> None:
    assert young_person_from(date.fromisoformat(dob)) == date.fromisoformat(young_person_from_day)


@pytest.mark.parametrize(
    "on, recipient",
    [
        ("2024-03-14", "parent"),  # 16th birthday: still the parent
        ("2024-08-30", "parent"),  # Fri, the day before
        ("2024-08-31", "young_person"),  # Sat 31 Aug after the 16th birthday: the young person
        ("2024-09-01", "young_person"),
    ],
)
def test_the_boundary_is_the_31_august_after_the_16th_birthday(on: str, recipient: str) -> None:
    assert family_recipient(date(2008, 3, 14), date.fromisoformat(on)) == recipient


def test_missing_details_are_named_by_recipient_and_preference() -> None:
    assert missing_for("family", "parent", {}) == [
        "child_name",
        "date_of_birth",
        "parent_name",
        "parent_address",
    ]
    people = {"child_name": "A", "date_of_birth": date(2010, 1, 1), "communication": "email"}
    assert missing_for("family", "parent", people) == ["parent_name", "parent_email"]
    assert missing_for("family", "young_person", people) == ["young_person_email"]
    assert missing_for("adviser", "adviser", people) == []
