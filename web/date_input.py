"""Reading a GOV.UK date input (day, month and year boxes) with the Design System's messages.

https://design-system.service.gov.uk/components/date-input/ : say which part is
missing, "must be a real date" for one that does not exist, and name the date
in every message ("Date the event happened must include a month"). The date itself is
read by `workflow.law.events.parse_date`, as the API and the import read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from workflow.law.events import parse_date

PARTS = ("day", "month", "year")


@dataclass(frozen=True)
class DateAnswer:
    """What was typed (to show again) and the date it makes, or the error."""

    name: str
    entered: dict[str, str]
    value: date | None = None
    error: str | None = None
    error_part: str = "day"  # the box the error summary links to

    @property
    def anchor(self) -> str:
        return f"{self.name}-{self.error_part}"


def entered_parts(form: Mapping[str, object], name: str) -> dict[str, str]:
    return {part: str(form.get(f"{name}-{part}") or "").strip() for part in PARTS}


def read_date(
    form: Mapping[str, object],
    name: str,
    label: str,
    *,
    required: bool = True,
    latest: date | None = None,
) -> DateAnswer:
    """The date `name-day`, `name-month`, `name-year` of a form.

    `label` starts each message ("Date the event happened"); `latest` is the
    last day allowed (today, for something that has happened).
    """
    entered = entered_parts(form, name)
    missing = [part for part in PARTS if not entered[part]]
    if len(missing) == len(PARTS):
        if required:
            return DateAnswer(name, entered, error=f"Enter the {label[0].lower()}{label[1:]}")
        return DateAnswer(name, entered)
    if missing:
        message = f"{label} must include a {' and '.join(missing)}"
        return DateAnswer(name, entered, error=message, error_part=missing[0])
    # ASCII digits only: str.isdigit() is true of other scripts' digits too (٣, ３, 𝟑).
    not_numbers = [part for part in PARTS if not _ascii_digits(entered[part])]
    if not_numbers:
        return DateAnswer(
            name, entered, error=f"{label} must be a real date", error_part=not_numbers[0]
        )
    if len(entered["year"]) != 4:
        return DateAnswer(name, entered, error="Year must include 4 numbers", error_part="year")
    if len(entered["day"]) > 2 or len(entered["month"]) > 2:
        return DateAnswer(name, entered, error=f"{label} must be a real date")
    # The boxes put together as YYYY-MM-DD, read by the parser of the API and the import.
    iso = f"{entered['year']}-{entered['month']:0>2}-{entered['day']:0>2}"
    try:
        value = parse_date(iso)
    except ValueError:
        return DateAnswer(name, entered, error=f"{label} must be a real date")
    if latest is not None and value > latest:
        return DateAnswer(name, entered, error=f"{label} must be today or in the past")
    return DateAnswer(name, entered, value=value)


def _ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()
