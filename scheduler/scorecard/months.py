"""The scorecard's months: `YYYY-MM`, and the periods a caller may ask for (spec kpis.md).

Each month's figures are read as of its last day, so only months that have ended
can be asked for, and at most `MAX_SCORECARD_MONTHS` at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from workflow.errors import InvalidInput

# The months are a table of literals in one statement (SQLite allows 500 terms).
MAX_SCORECARD_MONTHS = 120


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """`YYYY-MM`; raises ValueError otherwise."""
        parts = text.strip().split("-")
        if len(parts) != 2 or len(parts[0]) != 4 or len(parts[1]) != 2:
            raise ValueError(f"{text!r} is not a month in the form YYYY-MM")
        year, month = int(parts[0]), int(parts[1])
        if not 1 <= month <= 12 or year < 1900:
            raise ValueError(f"{text!r} is not a month in the form YYYY-MM")
        return cls(year, month)

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return self.next().first - timedelta(days=1)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def label(self) -> str:
        """As the plan heads its columns: Dec-23."""
        return self.first.strftime("%b-%y")

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def scorecard_months(
    first: str, last: str | None, today: date, names: tuple[str, str] = ("--from", "--to")
) -> tuple[Month, Month]:
    """The scorecard's first and last months from `YYYY-MM` texts (`last` defaults to `first`).

    Every caller (CLI, API, scorecard page) checks them here; `names` are what the
    caller calls the two inputs, for the messages.
    """
    from_name, to_name = names

    def parse(text: str, name: str) -> Month:
        try:
            return Month.parse(text)
        except ValueError:
            message = f"{name} must be a month in the form YYYY-MM (got {text!r})"
            raise InvalidInput(message, field=name) from None

    start = parse(first, from_name)
    end = parse(last, to_name) if last else start
    check_scorecard_period(start, end, today, names)
    return start, end


def check_scorecard_period(
    first: Month, last: Month, today: date, names: tuple[str, str] = ("--from", "--to")
) -> None:
    """The last month must not be before the first, and must have ended (its figures
    are read as of its last day)."""
    from_name, to_name = names
    if last < first:
        raise InvalidInput(
            f"{to_name} ({last}) must not be before {from_name} ({first})", field=to_name
        )
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    if months > MAX_SCORECARD_MONTHS:
        raise InvalidInput(
            f"{first} to {last} is {months} months: "
            f"enter at most {MAX_SCORECARD_MONTHS} ({MAX_SCORECARD_MONTHS // 12} years)"
        )
    if last >= Month.of(today):
        ends = f", {last.last.isoformat()}" if last.year < date.max.year else ""
        raise InvalidInput(
            f"{last} has not ended yet: its figures are as of its last day{ends}. "
            f"Enter a {to_name} month that has ended"
        )


def month_range(first: Month, last: Month) -> list[Month]:
    if last < first:
        raise ValueError(f"the months run backwards: {first} to {last}")
    out = [first]
    while out[-1] < last:
        out.append(out[-1].next())
    return out
