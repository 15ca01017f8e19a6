"""Working days, and the one way a day is written for people.

Working days: Monday to Friday, not an England and Wales bank holiday. Bank
holidays come from `holidays` (UK, subdivision ENG) plus a local list of
one-off holidays that the package does not know yet (a coronation, a state
funeral), one `YYYY-MM-DD` per line, `#` starting a comment. Used only where a
rule says working days (the appeal window, HESC r.12; a transfer out, reg 15(2)).

`govuk_date` writes a day as GOV.UK does ("5 January 2026"); letters and web
pages both use it (their weekday and timestamp forms build on it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

import holidays


class WorkingDays:
    def __init__(self, extra_holidays: Iterable[date] = ()) -> None:
        self._bank = holidays.country_holidays("GB", subdiv="ENG")
        self._extra = frozenset(extra_holidays)
        # Each day looked up once: `holidays` converts and checks its key on every look-up
        # (about 20 us), and a national import or refresh asks about the same days often.
        self._known: dict[date, bool] = {}

    def is_holiday(self, day: date) -> bool:
        known = self._known.get(day)
        if known is None:
            known = self._known[day] = day in self._extra or day in self._bank
        return known

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and not self.is_holiday(day)

    def next_on_or_after(self, day: date) -> date:
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def count(self, first: date, last: date) -> int:
        """The working days from `first` to `last`, both included (0 when last < first)."""
        days, day = 0, first
        while day <= last:
            days += self.is_working_day(day)
            day += timedelta(days=1)
        return days

    def nth_beginning_with(self, day: date, n: int) -> date:
        """'The Nth working day beginning with' `day`: `day` is the first when it is one."""
        first = self.next_on_or_after(day)
        return self.add(first, n - 1)

    def add(self, day: date, working_days: int) -> date:
        """The working day `working_days` after `day` (negative counts back)."""
        step = 1 if working_days >= 0 else -1
        remaining = abs(working_days)
        while remaining:
            day += timedelta(days=step)
            if self.is_working_day(day):
                remaining -= 1
        return day


def read_extra_holidays(path: Path) -> list[date]:
    """Read a local holiday file; a bad line is an error naming its number."""
    days = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            days.append(date.fromisoformat(text.split()[0]))
        except ValueError:
            raise ValueError(
                f"{path} line {number}: '{text}' is not a date in the form YYYY-MM-DD"
            ) from None
    return days


def govuk_date(day: date | None) -> str:
    """GOV.UK style: 5 January 2026 (no leading zero, no weekday, no ordinal); no day is ""."""
    if day is None:
        return ""
    return f"{day.day} {day:%B} {day.year}"
