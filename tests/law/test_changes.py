"""What a change to a history does (`workflow.law.changes.compare`): recording an event
(before: the history, after: the history and the event) and correcting one (after: the
history with an event voided or replaced) are both two evaluations compared.

Dates follow the spec: a request on Mon 8 January 2024 makes the reg 5(1) decision due
6 weeks later, Mon 19 February; a decision to assess then starts the reg 10(1) limit,
16 weeks from the request (Mon 29 April) and the reg 13(2) final plan, 20 weeks (Mon 27 May).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.law._cases import ev, run
from workflow.law.changes import Changes, DeadlineChange, DeadlineDelta, WindowChange, compare

AS_OF = "2024-12-31"

REQUEST = ev("request_received", "2024-01-08", source="parent")  # Mon
ASSESS = ev("decision_to_assess", "2024-02-05")  # Mon, in time
NOT_ASSESS = ev("decision_not_to_assess", "2024-02-05")  # Mon, in time
HEALTH = ev("advice_requested", "2024-02-06", advice="health")  # Tue -> Tue 19 Mar
ASSESSING = [REQUEST, ASSESS, HEALTH]


def changes(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> Changes:
    return compare(run(before, AS_OF), run(after, AS_OF))


def row(x: DeadlineDelta) -> tuple[str, ...]:
    """(change, deadline, due, then) with dates as text; `then` is what the events did."""
    d = x.deadline
    name = d.kind if d.advice is None else f"{d.advice} advice"
    if x.change is DeadlineChange.MET:
        assert d.met_on is not None
        then = f"met {d.met_on}" + (f", {d.days_late} days late" if d.days_late else "")
    elif x.change is DeadlineChange.ENDED:
        assert d.cancelled_on is not None
        then = f"ended {d.cancelled_on}" + (f", {d.days_late} days late" if d.days_late else "")
    elif x.change is DeadlineChange.EXCUSED:
        then = f"exception {d.exception}"
    elif x.change is DeadlineChange.MOVED:
        assert x.before is not None
        then = f"was due {x.before.due}"
    else:
        then = ""
    return (x.change.value, name, d.due.isoformat(), then)


def windows(c: Changes) -> list[tuple[str, str, str, str]]:
    return [
        (w.change.value, w.window.kind, w.window.opens.isoformat(), w.window.closes.isoformat())
        for w in c.windows
    ]


@pytest.mark.parametrize(
    "before, added, state, deadlines",
    [
        (  # the first event opens the case and its reg 5(1) clock
            [],
            [REQUEST],
            ("new", "requested"),
            [("created", "decision_to_assess", "2024-02-19", "")],
        ),
        (  # in time: reg 5(1) met; reg 10(1) and 13(2) start from the request
            [REQUEST],
            [ASSESS],
            ("requested", "assessing"),
            [
                ("met", "decision_to_assess", "2024-02-19", "met 2024-02-05"),
                ("created", "decision_not_to_issue", "2024-04-29", ""),
                ("created", "final_plan", "2024-05-27", ""),
            ],
        ),
        (  # Wed 21 Feb, two days after it was due
            [REQUEST],
            [ev("decision_to_assess", "2024-02-21")],
            ("requested", "assessing"),
            [
                ("met", "decision_to_assess", "2024-02-19", "met 2024-02-21, 2 days late"),
                ("created", "decision_not_to_issue", "2024-04-29", ""),
                ("created", "final_plan", "2024-05-27", ""),
            ],
        ),
        (  # reg 8(1): the adviser's clock, 6 weeks from the request
            [REQUEST, ASSESS],
            [HEALTH],
            ("assessing", "assessing"),
            [("created", "health advice", "2024-03-19", "")],
        ),
        (
            ASSESSING,
            [ev("advice_received", "2024-03-01", advice="health")],
            ("assessing", "assessing"),
            [("met", "health advice", "2024-03-19", "met 2024-03-01")],
        ),
        (  # reg 8(2): an exception excuses the advice, never moving its date
            ASSESSING,
            [
                ev(
                    "exception_recorded",
                    "2024-03-01",
                    applies_to="advice",
                    advice="health",
                    reason="personal_circumstances",
                )
            ],
            ("assessing", "assessing"),
            [
                (
                    "excused",
                    "health advice",
                    "2024-03-19",
                    "exception personal_circumstances",
                )
            ],
        ),
        (  # withdrawn: every clock of the request ends
            ASSESSING,
            [ev("request_withdrawn", "2024-03-04")],
            ("assessing", "withdrawn"),
            [
                ("ended", "health advice", "2024-03-19", "ended 2024-03-04"),
                ("ended", "decision_not_to_issue", "2024-04-29", "ended 2024-03-04"),
                ("ended", "final_plan", "2024-05-27", "ended 2024-03-04"),
            ],
        ),
        (  # withdrawn after the decision was due: that clock lapses
            [REQUEST],
            [ev("request_withdrawn", "2024-02-26")],
            ("requested", "withdrawn"),
            [("ended", "decision_to_assess", "2024-02-19", "ended 2024-02-26, 7 days late")],
        ),
    ],
)
def test_recording_an_event(
    before: list[dict[str, Any]],
    added: list[dict[str, Any]],
    state: tuple[str, str],
    deadlines: list[tuple[str, ...]],
) -> None:
    c = changes(before, before + added)
    assert (c.state_before, c.state_after) == state
    assert c.state_changed is (state[0] != state[1])
    assert [row(x) for x in c.deadlines] == deadlines
    assert not c.nothing


@pytest.mark.parametrize(
    "before, added, expected",
    [
        (  # HESC r.20(1)(c): 2 months to appeal, Mon 5 Feb -> Fri 5 Apr
            [REQUEST],
            [NOT_ASSESS],
            [("opened", "appeal", "2024-02-05", "2024-04-05")],
        ),
        (  # a certificate on Wed 20 Mar: 1 month on is Sat 20 Apr, so Mon 22 Apr
            [REQUEST, NOT_ASSESS],
            [ev("mediation_certificate_issued", "2024-03-20")],
            [("moved", "appeal", "2024-02-05", "2024-04-22")],
        ),
        (  # reg 13(1)(a): 15 days beginning with the day served, Mon 15 Apr -> Mon 29 Apr
            ASSESSING,
            [ev("draft_plan_issued", "2024-04-15")],
            [("opened", "representations", "2024-04-15", "2024-04-29")],
        ),
        (  # served two days after it was sent: the window runs from the serving
            ASSESSING,
            [ev("draft_plan_issued", "2024-04-15", served_on="2024-04-17")],
            [("opened", "representations", "2024-04-17", "2024-05-01")],
        ),
        (ASSESSING, [ev("advice_received", "2024-03-01", advice="health")], []),
    ],
)
def test_windows_an_event_opens_or_moves(
    before: list[dict[str, Any]],
    added: list[dict[str, Any]],
    expected: list[tuple[str, str, str, str]],
) -> None:
    assert windows(changes(before, before + added)) == expected


def test_a_moved_window_keeps_what_it_was() -> None:
    c = changes(
        [REQUEST, NOT_ASSESS],
        [REQUEST, NOT_ASSESS, ev("mediation_certificate_issued", "2024-03-20")],
    )
    (moved,) = c.windows_of(WindowChange.MOVED)
    assert moved.before is not None and moved.before.closes.isoformat() == "2024-04-05"
    assert c.opened == () and c.deadlines == ()


def test_a_draft_plan_ends_the_reg_10_limit_and_opens_representations() -> None:
    c = changes(ASSESSING, [*ASSESSING, ev("draft_plan_issued", "2024-04-15")])
    assert [row(x) for x in c.ended] == [
        ("ended", "decision_not_to_issue", "2024-04-29", "ended 2024-04-15")
    ]
    assert [w.window.kind for w in c.opened] == ["representations"]
    assert (c.state_before, c.state_after) == ("assessing", "draft_issued")


def test_a_final_plan_before_representations_close_adds_a_warning() -> None:
    drafted = [*ASSESSING, ev("draft_plan_issued", "2024-04-15")]
    c = changes(drafted, [*drafted, ev("final_plan_issued", "2024-04-20")])
    assert len(c.warnings_added) == 1
    assert "before the family's representations window closed" in c.warnings_added[0]
    assert [row(x)[:2] for x in c.met] == [("met", "final_plan")]
    assert [row(x)[:2] for x in c.created] == [("created", "annual_review")]


def test_the_same_history_changes_nothing() -> None:
    c = changes(ASSESSING, ASSESSING)
    assert c.nothing
    assert (c.deadlines, c.windows, c.warnings_added) == ((), (), ())


# -- corrections: the same comparison, the other way round -----------------------------


@pytest.mark.parametrize(
    "before, after, state, deadlines",
    [
        (  # voiding the decision to assess: its clocks go, reg 5(1) is open again
            [REQUEST, ASSESS],
            [REQUEST],
            ("assessing", "requested"),
            [
                ("reopened", "decision_to_assess", "2024-02-19", ""),
                ("removed", "decision_not_to_issue", "2024-04-29", ""),
                ("removed", "final_plan", "2024-05-27", ""),
            ],
        ),
        (  # the request's date corrected from Mon 8 to Mon 15 Jan: every clock moves a week
            [REQUEST, ASSESS],
            [ev("request_received", "2024-01-15", source="parent"), ASSESS],
            ("assessing", "assessing"),
            [
                ("moved", "decision_to_assess", "2024-02-26", "was due 2024-02-19"),
                ("moved", "decision_not_to_issue", "2024-05-06", "was due 2024-04-29"),
                ("moved", "final_plan", "2024-06-03", "was due 2024-05-27"),
            ],
        ),
        (  # the decision's date corrected to after it was due: met on another day, late
            [REQUEST, ASSESS],
            [REQUEST, ev("decision_to_assess", "2024-02-21")],
            ("assessing", "assessing"),
            [("met", "decision_to_assess", "2024-02-19", "met 2024-02-21, 2 days late")],
        ),
        (  # voiding an exception: the deadline is no longer excused
            [
                *ASSESSING,
                ev(
                    "exception_recorded",
                    "2024-03-01",
                    applies_to="advice",
                    advice="health",
                    reason="personal_circumstances",
                ),
            ],
            ASSESSING,
            ("assessing", "assessing"),
            [("unexcused", "health advice", "2024-03-19", "")],
        ),
        (  # health advice corrected to social care advice
            ASSESSING,
            [REQUEST, ASSESS, ev("advice_requested", "2024-02-06", advice="social_care")],
            ("assessing", "assessing"),
            [
                ("removed", "health advice", "2024-03-19", ""),
                ("created", "social_care advice", "2024-03-19", ""),
            ],
        ),
    ],
)
def test_correcting_a_history(
    before: list[dict[str, Any]],
    after: list[dict[str, Any]],
    state: tuple[str, str],
    deadlines: list[tuple[str, ...]],
) -> None:
    c = changes(before, after)
    assert (c.state_before, c.state_after) == state
    assert [row(x) for x in c.deadlines] == deadlines


def test_voiding_an_appealable_decision_removes_its_appeal_window() -> None:
    c = changes([REQUEST, NOT_ASSESS], [REQUEST])
    assert windows(c) == [("removed", "appeal", "2024-02-05", "2024-04-05")]
    assert [row(x) for x in c.deadlines] == [("reopened", "decision_to_assess", "2024-02-19", "")]


def test_a_moved_deadline_says_what_it_was() -> None:
    c = changes([REQUEST], [ev("request_received", "2024-01-15", source="parent")])
    (moved,) = c.of(DeadlineChange.MOVED)
    assert moved.before is not None and moved.after is not None
    assert (moved.before.starts.isoformat(), moved.after.starts.isoformat()) == (
        "2024-01-08",
        "2024-01-15",
    )


def test_two_requests_for_the_same_advice_are_told_apart_by_order() -> None:
    """Two open health requests on one day: the answer meets the older, the other stays."""
    twice = [*ASSESSING, HEALTH]
    c = changes(twice, [*twice, ev("advice_received", "2024-03-01", advice="health")])
    assert [row(x) for x in c.deadlines] == [
        ("met", "health advice", "2024-03-19", "met 2024-03-01")
    ]
