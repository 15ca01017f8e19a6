"""The clock, injected: the edges pass `system_clock` in, tests pass a fixed one.

Nothing below the edges reads the time itself; a statutory day is "today in England"
of whatever clock it was handed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]
LONDON = ZoneInfo("Europe/London")


def system_clock() -> datetime:
    """The real clock, for the edges to pass in."""
    return datetime.now(UTC)


def today_in_england(clock: Clock) -> date:
    """The day it is in England by `clock` (statutory dates are English days)."""
    return clock().astimezone(LONDON).date()
