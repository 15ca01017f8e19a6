"""Who a letter is for, and which details it needs before it can be written.

CFA 2014 s.80 and s.83(2): once a child is over compulsory school age they are
a "young person" and the rights (and the letters) are theirs. We take that as
from the end of the academic year (31 August) in which they turn 16. Their
parent gets a copy only when the young person has agreed (`parent_copy`).
Letters to professionals go to the adviser, addressed by role.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

Audience = Literal["family", "adviser"]

YOUNG_PERSON_AGE = 16
ACADEMIC_YEAR_ENDS = (8, 31)  # 31 August


def _sixteenth_birthday(dob: date) -> date:
    try:
        return dob.replace(year=dob.year + YOUNG_PERSON_AGE)
    except ValueError:  # born on 29 February: 16 on 1 March in a common year
        return date(dob.year + YOUNG_PERSON_AGE, 3, 1)


def young_person_from(dob: date) -> date:
    """The 31 August that ends the academic year (1 September - 31 August) they turn 16 in."""
    sixteen = _sixteenth_birthday(dob)
    month, day = ACADEMIC_YEAR_ENDS
    year = sixteen.year if (sixteen.month, sixteen.day) <= (month, day) else sixteen.year + 1
    return date(year, month, day)


def is_young_person(dob: date, on: date) -> bool:
    return on >= young_person_from(dob)


def family_recipient(dob: date, on: date) -> Literal["parent", "young_person"]:
    return "young_person" if is_young_person(dob, on) else "parent"


def delivery(people: Mapping[str, Any]) -> Literal["post", "email"]:
    """Email only when that is the recorded preference; post otherwise."""
    return "email" if people.get("communication") == "email" else "post"


def missing_for(
    audience: Audience,
    role: str | None,
    people: Mapping[str, Any],
) -> list[str]:
    """The details a letter still needs, by field name (in the order a form asks them).

    Every letter needs the child's name and date of birth (the date of birth
    decides who a family letter is for). A parent's letter needs the parent's
    name and, by their preference, address or email; a young person's needs
    their own address or email.
    """
    missing = [name for name in ("child_name", "date_of_birth") if not people.get(name)]
    if audience == "adviser" or role is None:
        return missing
    how = delivery(people)
    if role == "parent":
        needed = ["parent_name", "parent_email" if how == "email" else "parent_address"]
    else:
        needed = ["young_person_email" if how == "email" else "young_person_address"]
    return missing + [name for name in needed if not people.get(name)]
