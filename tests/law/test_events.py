"""parse_event's checks on what every event may carry (spec section 2)."""

from __future__ import annotations

import pytest

from workflow.errors import InvalidEvent
from workflow.law.events import MAX_ACTOR, parse_event


def test_the_actor_fits_its_column_or_is_refused_with_the_line() -> None:
    """Found by the import fuzz test: a 101-character actor failed on PostgreSQL's insert,
    mid-import, instead of as a plain refusal of its line."""
    raw = {"type": "request_received", "date": "2024-01-08", "source": "parent"}
    assert parse_event({**raw, "actor": "a" * MAX_ACTOR}).actor == "a" * MAX_ACTOR
    with pytest.raises(InvalidEvent, match="the actor must be 100 characters or fewer") as e:
        parse_event({**raw, "actor": "a" * (MAX_ACTOR + 1)}, where="Line 7")
    assert e.value.field == "actor" and "Line 7" in str(e.value)
