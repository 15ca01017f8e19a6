"""Every event type has one plain-English name (workflow.law.names), the web's, CLI's and API's."""

from __future__ import annotations

from workflow.law.events import EventType
from workflow.law.names import EVENT_NAMES, event_name


def test_every_event_type_has_a_name() -> None:
    assert set(EVENT_NAMES) == set(EventType)
    assert all(name.strip() and name[0].isupper() for name in EVENT_NAMES.values())


def test_names_are_distinct() -> None:
    assert len(set(EVENT_NAMES.values())) == len(EVENT_NAMES)


def test_a_stored_type_is_named_and_an_unknown_one_shown_as_stored() -> None:
    assert event_name("advice_requested") == "Advice requested"
    assert event_name("no_such_event") == "no_such_event"
