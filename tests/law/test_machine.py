"""The state machine of spec section 2a: every state x every event type, and the guards."""

from __future__ import annotations

from datetime import date

import pytest

from workflow.errors import EventNotAllowed
from workflow.law.deadlines import evaluate
from workflow.law.events import Event, EventType, parse_event
from workflow.law.machine import (
    MACHINE,
    STAGES,
    STATE_AFTER,
    STATE_NAMES,
    CaseFlow,
    State,
    accepts,
    quoted,
    refusal,
)

# Written out by hand from the spec's table, not derived from the machine's own table.
ANYWHERE = {
    "exception_recorded",
    "mediation_adviser_contacted",
    "mediation_requested",
    "mediation_held",
    "mediation_withdrawn",
    "mediation_certificate_issued",
    "appeal_registered",
    "mediation_agreement",
    "appeal_conceded",
    "tribunal_order",
}
PLAN = {
    "advice_received",
    "review_meeting_held",
    "review_report_sent",
    "review_decision",
    "amendment_notice_sent",
    "amended_plan_issued",
    "decision_not_to_amend",
    "phase_transfer_scheduled",
    "transfer_notice_sent",
    # v3
    "advice_requested",
    "review_meeting_notice_sent",
    "review_papers_circulated",
    "reassessment_requested",
    "decision_to_reassess",
    "decision_not_to_reassess",
    "cease_proposed",
    "cease_notice_sent",
    "move_reported",
}
# v3: a ceased case with a cease decision still takes the dispute about it (guarded).
CEASE_DISPUTE = {
    "mediation_adviser_contacted",
    "mediation_requested",
    "mediation_held",
    "mediation_withdrawn",
    "mediation_certificate_issued",
    "appeal_registered",
}
EXPECTED: dict[str, dict[str, str]] = {
    "new": {"request_received": "requested", "plan_transferred_in": "plan_in_force"},
    "requested": {
        "decision_to_assess": "assessing",
        "decision_not_to_assess": "not_assessed",
        "request_withdrawn": "withdrawn",
        **dict.fromkeys(ANYWHERE, "requested"),
    },
    "assessing": {
        "advice_requested": "assessing",
        "advice_received": "assessing",
        "draft_plan_issued": "draft_issued",
        "decision_not_to_issue": "not_issued",
        "request_withdrawn": "withdrawn",
        **dict.fromkeys(ANYWHERE, "assessing"),
    },
    "draft_issued": {
        "advice_requested": "draft_issued",
        "advice_received": "draft_issued",
        "draft_plan_issued": "draft_issued",
        "final_plan_issued": "plan_in_force",
        "request_withdrawn": "withdrawn",
        **dict.fromkeys(ANYWHERE, "draft_issued"),
    },
    "not_assessed": {
        "decision_to_assess": "assessing",
        "request_withdrawn": "withdrawn",  # v3
        **dict.fromkeys(ANYWHERE, "not_assessed"),
    },
    "not_issued": {
        "draft_plan_issued": "draft_issued",
        "request_withdrawn": "withdrawn",  # v3
        **dict.fromkeys(ANYWHERE, "not_issued"),
    },
    "plan_in_force": {
        **dict.fromkeys(PLAN, "plan_in_force"),
        "plan_ceased": "ceased",
        "plan_transferred_out": "transferred_out",  # v3
        **dict.fromkeys(ANYWHERE, "plan_in_force"),
    },
    "withdrawn": {},
    "ceased": {
        **dict.fromkeys(CEASE_DISPUTE, "ceased"),
        "plan_transferred_out": "transferred_out",
    },
    "transferred_out": {},
}

TABLE = [(state.value, event.value) for state in State for event in EventType]


def test_every_state_is_in_the_table() -> None:
    assert set(EXPECTED) == {s.value for s in State}


@pytest.mark.parametrize("state, event", TABLE)
def test_state_by_event(state: str, event: str) -> None:
    expected_next = EXPECTED[state].get(event)
    assert (event in accepts(state)) is (expected_next is not None)
    flow = CaseFlow("T1", state)
    if expected_next is None:
        assert not MACHINE.get_transitions(trigger=event, source=state)
    else:
        # The machine alone (guards are tested below, with real histories).
        MACHINE.events[event].trigger(flow)
        assert flow.state == expected_next


@pytest.mark.parametrize(
    "state, event", [(s.value, event) for s in State for event in MACHINE.get_triggers(s.value)]
)
def test_state_after_agrees_with_the_machine(state: str, event: str) -> None:
    flow = CaseFlow("T1", state)
    MACHINE.events[event].trigger(flow)
    # A state-changing event leaves the case in its state wherever it was; any other
    # event leaves the case where it was.
    assert flow.state == STATE_AFTER.get(event, state)


def test_state_after_holds_the_events_that_move_a_case() -> None:
    moving = {
        event
        for state, accepted in EXPECTED.items()
        for event, to in accepted.items()
        if to != state
    }
    assert set(STATE_AFTER) == moving
    assert {event: str(s) for event, s in STATE_AFTER.items()} == {
        event: to
        for accepted in EXPECTED.values()
        for event, to in accepted.items()
        if event in moving
    }


def _history(*events: tuple[str, str, dict[str, object]]) -> list:
    return [
        parse_event({"type": t, "date": d, **fields}, index=i)
        for i, (t, d, fields) in enumerate(events)
    ]


REQUEST = ("request_received", "2024-01-08", {"source": "parent"})
ASSESS = ("decision_to_assess", "2024-02-12", {})
DRAFT = ("draft_plan_issued", "2024-04-22", {})
FINAL = ("final_plan_issued", "2024-05-20", {})
PLAN_IN_FORCE = (REQUEST, ASSESS, DRAFT, FINAL)
ORDER_WORDS = {
    "assess": "assess",
    "issue_plan": "issue a plan",
    "amend": "amend the plan",
    "name_school": "name a school",
}


def _refusal(*events: tuple[str, str, dict[str, object]]) -> str:
    with pytest.raises(EventNotAllowed) as caught:
        evaluate("G1", _history(*events), date(2026, 1, 1))
    return str(caught.value)


def _accepted(*events: tuple[str, str, dict[str, object]]) -> str:
    return evaluate("G1", _history(*events), date(2026, 1, 1)).state


def test_refusal_names_case_event_state_and_what_it_accepts() -> None:
    """What the case can take, the case's own next steps first, the disputes last."""
    assert _refusal(REQUEST, ASSESS, FINAL) == (
        "Case G1 is being assessed, so it cannot take \u201cFinal plan issued\u201d on "
        "20 May 2024. It can take instead: \u201cAdvice requested\u201d, "
        "\u201cAdvice received\u201d, \u201cStatutory exception recorded\u201d, "
        "\u201cDraft plan issued\u201d, \u201cDecision not to issue a plan\u201d, "
        "\u201cFamily contacted the mediation adviser\u201d, "
        "\u201cMediation requested\u201d, \u201cMediation held\u201d, "
        "\u201cMediation withdrawn\u201d, \u201cMediation certificate issued\u201d, "
        "\u201cAgreement reached at mediation\u201d, "
        "\u201cAppeal registered with the tribunal\u201d, \u201cAppeal conceded\u201d, "
        "\u201cTribunal order\u201d or \u201cRequest withdrawn\u201d."
    )


def test_every_event_type_is_in_one_stage() -> None:
    staged = [t for _, types in STAGES for t in types]
    assert sorted(staged) == sorted(EventType) and len(staged) == len(set(staged))


def test_a_refusal_by_a_guard_says_why_in_plain_words() -> None:
    message = _refusal(
        REQUEST, ASSESS, ("advice_received", "2024-03-01", {"advice": "social_care"})
    )
    assert message.startswith(
        "Case G1 is being assessed, so it cannot take \u201cAdvice received\u201d on "
        "1 March 2024 (there is no unanswered request for social care advice). "
        "It can take instead: "
    )


def test_a_closed_case_says_it_takes_nothing_more() -> None:
    withdrawn = ("request_withdrawn", "2024-02-01", {})
    assert _refusal(REQUEST, withdrawn, ASSESS) == (
        "Case G1 is closed: the request was withdrawn, so it cannot take "
        "\u201cDecision to assess\u201d on 12 February 2024. It cannot take any more events."
    )


def test_an_order_the_state_does_not_take_names_whom_it_is_for() -> None:
    order = ("tribunal_order", "2024-03-01", {"order": "issue_plan"})
    assert (
        "(an order to issue a plan applies only to a case the council decided not to "
        "issue a plan for or a case being assessed)" in _refusal(REQUEST, order)
    )


def test_every_state_has_a_plain_name() -> None:
    assert set(STATE_NAMES) == set(State)
    assert all("_" not in name and name == name.strip() for name in STATE_NAMES.values())


@pytest.mark.parametrize("state, event", TABLE)
def test_every_refusal_is_in_plain_words(state: str, event: str) -> None:
    """No internal identifier: the state, the event and the alternatives by their names."""
    if event in accepts(state):
        return
    message = refusal("G1", Event(EventType(event), date(2024, 5, 20)), state)
    assert f"Case G1 is {STATE_NAMES[State(state)]}, so it cannot take " in message
    assert quoted(event) in message and " on 20 May 2024." in message
    for other in accepts(state):
        assert quoted(other) in message.split("It can take instead: ", 1)[1]
    assert "_" not in message and "2024-05-20" not in message


def test_advice_received_needs_a_request_of_that_kind_and_ref() -> None:
    asked = ("advice_requested", "2024-02-13", {"advice": "other", "ref": "hearing"})
    assert "no unanswered request for health advice" in _refusal(
        REQUEST, ASSESS, ("advice_received", "2024-03-01", {"advice": "health"})
    )
    # An absent ref pairs only with requests without one.
    assert "other advice" in _refusal(
        REQUEST, ASSESS, asked, ("advice_received", "2024-03-01", {"advice": "other"})
    )
    got = ("advice_received", "2024-03-01", {"advice": "other", "ref": "hearing"})
    assert _accepted(REQUEST, ASSESS, asked, got) == "assessing"
    # Each request is answered once.
    assert "unanswered" in _refusal(
        REQUEST, ASSESS, asked, got, ("advice_received", "2024-03-02", {**got[2]})
    )


def test_review_report_needs_a_meeting_whose_report_is_not_sent() -> None:
    report = ("review_report_sent", "2025-03-10", {})
    assert "no review meeting" in _refusal(*PLAN_IN_FORCE, report)
    meeting = ("review_meeting_held", "2025-03-01", {})
    assert _accepted(*PLAN_IN_FORCE, meeting, report) == "plan_in_force"
    assert "no review meeting" in _refusal(
        *PLAN_IN_FORCE, meeting, report, ("review_report_sent", "2025-03-11", {})
    )


def test_review_decision_needs_a_meeting_since_the_last_decision() -> None:
    decision = ("review_decision", "2025-03-20", {"outcome": "maintain"})
    assert "no review meeting has been held" in _refusal(*PLAN_IN_FORCE, decision)
    meeting = ("review_meeting_held", "2025-03-01", {})
    assert _accepted(*PLAN_IN_FORCE, meeting, decision) == "plan_in_force"
    again = ("review_decision", "2025-03-25", {"outcome": "amend"})
    assert "since the last review decision" in _refusal(*PLAN_IN_FORCE, meeting, decision, again)


def test_amended_plan_needs_a_notice_or_an_order() -> None:
    amended = ("amended_plan_issued", "2025-06-01", {})
    assert "no amendment notice" in _refusal(*PLAN_IN_FORCE, amended)
    notice = ("amendment_notice_sent", "2025-04-01", {})
    assert _accepted(*PLAN_IN_FORCE, notice, amended) == "plan_in_force"
    # The notice is used up by the amended plan.
    assert "no amendment notice" in _refusal(
        *PLAN_IN_FORCE, notice, amended, ("amended_plan_issued", "2025-07-01", {})
    )
    order = ("tribunal_order", "2025-05-01", {"order": "name_school"})
    assert _accepted(*PLAN_IN_FORCE, order, amended) == "plan_in_force"


def test_decision_not_to_amend_needs_a_notice() -> None:
    no = ("decision_not_to_amend", "2025-06-01", {})
    assert "no amendment notice" in _refusal(*PLAN_IN_FORCE, no)
    notice = ("amendment_notice_sent", "2025-04-01", {})
    assert _accepted(*PLAN_IN_FORCE, notice, no) == "plan_in_force"


def test_mediation_held_or_withdrawn_needs_an_open_request() -> None:
    held = ("mediation_held", "2024-03-10", {})
    assert "mediation has not been requested" in _refusal(REQUEST, held)
    asked = ("mediation_requested", "2024-03-01", {})
    assert _accepted(REQUEST, asked, held) == "requested"
    withdrawn = ("mediation_withdrawn", "2024-03-12", {})
    assert "mediation has not been requested" in _refusal(REQUEST, asked, held, withdrawn)


@pytest.mark.parametrize(
    "order, history, allowed",
    [
        ("assess", (REQUEST,), False),
        ("assess", (REQUEST, ("decision_not_to_assess", "2024-02-12", {})), True),
        ("issue_plan", (REQUEST, ASSESS), True),
        ("issue_plan", (REQUEST, ASSESS, DRAFT), False),
        ("issue_plan", (REQUEST, ASSESS, ("decision_not_to_issue", "2024-04-01", {})), True),
        ("amend", (REQUEST, ASSESS), False),
        ("amend", PLAN_IN_FORCE, True),
        ("name_school", PLAN_IN_FORCE, True),
        ("name_school", (REQUEST,), False),
    ],
)
def test_orders_only_in_their_states(order: str, history: tuple, allowed: bool) -> None:
    for event_type in ("tribunal_order", "mediation_agreement", "appeal_conceded"):
        events = (*history, (event_type, "2025-06-30", {"order": order}))
        if allowed:
            _accepted(*events)
        else:
            assert f"an order to {ORDER_WORDS[order]} applies only" in _refusal(*events)


def test_dates_served_or_received_before_sending_are_refused() -> None:
    assert "received before it was sent" in _refusal(
        REQUEST,
        ASSESS,
        ("advice_requested", "2024-02-13", {"advice": "health", "received_on": "2024-02-12"}),
    )
    assert "served before it was sent" in _refusal(
        REQUEST, ASSESS, ("draft_plan_issued", "2024-04-22", {"served_on": "2024-04-21"})
    )


def test_final_states_take_nothing() -> None:
    message = _refusal(REQUEST, ("request_withdrawn", "2024-01-20", {}), ASSESS)
    assert message.endswith("It cannot take any more events.")
