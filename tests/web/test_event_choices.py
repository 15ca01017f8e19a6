"""The record-event page's choices: the events meeting the open deadlines first, soonest
due first, then the rest the case's state accepts by stage (web.event_forms)."""

from __future__ import annotations

from datetime import date

from web.event_forms import EVENT_HINTS, EVENT_LABELS, MEETS, event_choices, likely_next
from workflow.law.deadlines import Deadline
from workflow.law.events import EventType
from workflow.law.machine import State, accepts


def _deadline(kind: str, due: date, ref: str | None = None, **kw: object) -> Deadline:
    return Deadline(kind=kind, starts=date(2026, 1, 5), due=due, regulation="r", ref=ref, **kw)  # type: ignore[arg-type]


def test_every_event_type_has_a_name_and_a_hint_in_words() -> None:
    assert set(EVENT_LABELS) == set(EVENT_HINTS) == {t.value for t in EventType}
    assert all("_" not in text for text in [*EVENT_LABELS.values(), *EVENT_HINTS.values()])


def test_the_next_steps_are_soonest_due_first_and_only_what_the_state_takes() -> None:
    deadlines = [
        _deadline("amended_plan", date(2026, 6, 1)),
        _deadline("review_decision", date(2026, 3, 1)),
        _deadline("order_compliance", date(2026, 2, 1), ref="name_school"),
        _deadline("annual_review", date(2026, 1, 1), met_on=date(2025, 12, 1)),  # met
        _deadline("final_plan", date(2026, 1, 2)),  # not taken under a plan
    ]
    assert likely_next(deadlines, accepts(State.PLAN_IN_FORCE)) == [
        "amended_plan_issued",  # the order to name a school, due first
        "review_decision",
        "decision_not_to_amend",  # with the amended plan, already listed
    ]


def test_every_kind_of_deadline_is_met_by_events_that_exist() -> None:
    types = {t.value for t in EventType}
    assert all(set(events) <= types for events in MEETS.values())


def test_a_closed_case_has_no_choices() -> None:
    assert event_choices(accepts(State.WITHDRAWN), []) == ([], [])


def test_each_accepted_event_is_offered_once() -> None:
    for state in State:
        likely, groups = event_choices(accepts(state), [_deadline("advice", date(2026, 2, 1))])
        offered = [c.value for c in likely] + [c.value for _, cs in groups for c in cs]
        assert sorted(offered) == sorted(accepts(state)), state
