"""A figure of the scorecard: a month's value with its numerator and denominator.

Numerators and denominators are exact integers from SQL; Python only divides and
rounds (`Decimal`, half up, one decimal place).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

ONE_DECIMAL = Decimal("0.1")
DAYS_PER_WEEK = 7


@dataclass(frozen=True)
class Figure:
    month: str
    value: Decimal | int | None
    numerator: int | None = None
    denominator: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "value": json_number(self.value),
            "numerator": self.numerator,
            "denominator": self.denominator,
        }


def percent(numerator: int, denominator: int) -> Decimal | None:
    """numerator / denominator as a percentage, one decimal place, half up; None for 0/0."""
    if denominator == 0:
        return None
    return (Decimal(100 * numerator) / Decimal(denominator)).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def mean_weeks(total_days: int, count: int) -> Decimal | None:
    """The exact mean of `count` intervals totalling `total_days`, in weeks, one decimal."""
    if count == 0:
        return None
    return (Decimal(total_days) / Decimal(DAYS_PER_WEEK * count)).quantize(
        ONE_DECIMAL, ROUND_HALF_UP
    )


def json_number(value: Decimal | int | None) -> float | int | None:
    """For JSON: whole Decimals (targets) as integers, rounded figures as floats (67.1)."""
    if value is None or isinstance(value, int):
        return value
    return int(value) if value.as_tuple().exponent == 0 else float(value)


@dataclass(frozen=True)
class BandCount:
    band: str
    cases: int
    disputed: int

    def to_json(self) -> dict[str, Any]:
        return {"band": self.band, "cases": self.cases, "disputed": self.disputed}


@dataclass(frozen=True)
class MonthBands:
    month: str
    bands: tuple[BandCount, ...]

    def to_json(self) -> dict[str, Any]:
        return {"month": self.month, "bands": [b.to_json() for b in self.bands]}
