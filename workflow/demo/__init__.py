"""The synthetic demo cohort: fictional cases in the import format (spec section 8).

`generate` yields import lines for `ehc demo generate`, `ehc demo load`, tests and
benchmarks. The stories (`stories`) follow the statutory path with timings
calibrated to a real council's published figures (`calibration`); the people
(`people`) are invented and look it. The same seed gives the same cohort.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from workflow.demo.people import OFFICERS, TEAMS, people
from workflow.demo.staff import add_demo_staff
from workflow.demo.stories import case_events

__all__ = ["OFFICERS", "TEAMS", "add_demo_staff", "generate", "json_lines"]


def generate(
    count: int,
    *,
    end: date,
    years: float = 3.0,
    seed: int = 2024,
    prefix: str = "EHC",
    start: date | None = None,
) -> Iterator[dict[str, Any]]:
    """Import lines for `count` cases whose stories start between `start` (default:
    `years` before `end`) and `end`, cut at `end`. The first line of each case
    carries its team, officer, date of birth and people."""
    first = (start or end - timedelta(days=int(365 * years))).toordinal()
    last = end.toordinal()
    if first > last:
        raise ValueError("the cohort's start must be on or before its end")
    rng = random.Random(seed)
    width = max(5, len(str(count)))
    iso: dict[int, str] = {}  # ordinal -> "YYYY-MM-DD", shared by every case
    for n in range(1, count + 1):
        ref = f"{prefix}{n:0{width}d}"
        team = TEAMS[rng.randrange(len(TEAMS))]
        officer = OFFICERS[team][rng.randrange(len(OFFICERS[team]))]
        dob, events = case_events(rng, first, last)
        opened = events[0][0]
        for i, (day, _order, _seq, kind, fields) in enumerate(events):
            text = iso.get(day)
            if text is None:
                text = iso[day] = date.fromordinal(day).isoformat()
            line = {"case": ref, "type": kind, "date": text, **fields}
            if i == 0:
                line["team"] = team
                line["officer"] = officer
                line["date_of_birth"] = date.fromordinal(dob).isoformat()
                line["people"] = people(
                    rng, (opened - dob) // 365, young_person=(last - dob) // 365 >= 16
                )
            yield line


def json_lines(count: int, **options: Any) -> Iterator[str]:
    """`generate`'s lines as JSON text, one per line (compact, keys in a fixed order)."""
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    for line in generate(count, **options):
        yield encode(line)
