"""Re-assessment of a plan in force (spec v3 changes 9 and 14): CFA s.44(2)-(3), reg 25(1)
decision within 15 days of the request, reg 27(2) the plan within 14 weeks of the decision
(reg 27(3) exceptions); after a Tribunal order or a concession to re-assess, notify within
2 weeks (reg 44(2)(b), 45(3)) and finish within 14 weeks of the order (reg 44(2)(b)(ii),
45(3A)(b)), with the reg 44(3) exceptions."""

from __future__ import annotations

from typing import Any

import pytest

from tests.law._cases import PLAN_2023_05_22, all_of, d, ev, one, run, summary
from workflow.errors import EventNotAllowed, InvalidEvent, InvalidException
from workflow.law import timescales as ts
from workflow.law.events import parse_event


@pytest.mark.parametrize(
    "requested, due",
    [
        ("2024-02-05", "2024-02-20"),  # the spec's example: Mon + 15 days
        ("2024-02-14", "2024-02-29"),  # into a leap day
        ("2023-02-14", "2023-03-01"),  # a plain February
        ("2024-12-20", "2025-01-04"),  # over Christmas: calendar days, never moved
    ],
)
def test_reassessment_decision_due(requested: str, due: str) -> None:
    assert ts.reassessment_decision_due(d(requested)) == d(due)


@pytest.mark.parametrize(
    "start, due",
    [
        ("2024-03-04", "2024-06-10"),  # Mon + 14 weeks
        ("2024-02-29", "2024-06-06"),  # leap day + 98
        ("2024-10-01", "2025-01-07"),
    ],
)
def test_reassessment_final_due(start: str, due: str) -> None:
    assert ts.reassessment_final_due(d(start)) == d(due)


REQUESTED = [*PLAN_2023_05_22, ev("reassessment_requested", "2024-02-05", source="school")]


@pytest.mark.parametrize(
    "answer, decision, final",
    [
        # decided in time to re-assess: the reg 27(2) clock runs from the decision
        (
            [ev("decision_to_reassess", "2024-02-19")],
            ("2024-02-05", "2024-02-20", "2024-02-19", "met", False, None),
            ("2024-02-19", "2024-05-27", None, "pending", False, None),
        ),
        # decided late
        (
            [ev("decision_to_reassess", "2024-02-23")],
            ("2024-02-05", "2024-02-20", "2024-02-23", "late", True, 3),
            ("2024-02-23", "2024-05-31", None, "pending", False, None),
        ),
        # refused in time: no re-assessment clock
        (
            [ev("decision_not_to_reassess", "2024-02-20")],
            ("2024-02-05", "2024-02-20", "2024-02-20", "met", False, None),
            None,
        ),
        # no answer by 1 Mar: overdue 10 days
        ([], ("2024-02-05", "2024-02-20", None, "overdue", True, 10), None),
    ],
)
def test_reg25_decision_and_reg27_clock(answer: list, decision: tuple, final: Any) -> None:
    result = run([*REQUESTED, *answer], "2024-03-01")
    assert summary(one(result, "reassessment_decision")) == decision
    finals = all_of(result, "reassessment_final")
    assert [summary(x) for x in finals] == ([final] if final else [])
    if finals:
        assert finals[0].regulation.endswith("reg 27(2)")


def test_refusal_opens_an_appeal_window() -> None:
    """CFA s.51(2)(d): a refusal to re-assess is appealable (HESC r.20(1)(c))."""
    result = run([*REQUESTED, ev("decision_not_to_reassess", "2024-02-20")], "2024-03-01")
    assert ("2024-02-20", "2024-04-22") in [
        (w.opens.isoformat(), w.closes.isoformat()) for w in result.windows if w.kind == "appeal"
    ]  # Tue 20 Apr -> Sat 20 Apr -> Mon 22 Apr


REASSESSING = [*REQUESTED, ev("decision_to_reassess", "2024-02-19")]


@pytest.mark.parametrize(
    "closing, met_on",
    [
        # reg 27(1): the draft is an amendment notice, with no reg 22(3) deadline of its own
        (
            [ev("amendment_notice_sent", "2024-04-01"), ev("amended_plan_issued", "2024-05-20")],
            "2024-05-20",
        ),
        # ⚠ convention: a decision not to amend closes a re-assessment that changed nothing
        ([ev("decision_not_to_amend", "2024-05-01")], "2024-05-01"),
        (
            [ev("amendment_notice_sent", "2024-04-01"), ev("decision_not_to_amend", "2024-04-20")],
            "2024-04-20",
        ),
    ],
)
def test_reassessment_final_is_met_by_the_plan_or_a_decision(closing: list, met_on: str) -> None:
    result = run([*REASSESSING, *closing], "2024-06-30")
    assert one(result, "reassessment_final").met_on == d(met_on)
    assert all_of(result, "amended_plan") == []
    # s.44(1) ⚠: the re-assessment's plan does not meet or restart the annual review
    reviews = all_of(result, "annual_review")
    assert [(x.starts, x.met_on) for x in reviews] == [(d("2023-05-22"), None)]


def test_advice_on_a_plan_in_force_only_during_a_reassessment() -> None:
    """Reg 26: advice for a re-assessment; none is sought for a plan otherwise."""
    asked = ev("advice_requested", "2024-02-26", advice="psychological")
    result = run(
        [*REASSESSING, asked, ev("advice_received", "2024-03-20", advice="psychological")],
        "2024-04-01",
    )
    assert summary(one(result, "advice")) == (
        "2024-02-26",
        "2024-04-08",
        "2024-03-20",
        "met",
        False,
        None,
    )
    with pytest.raises(EventNotAllowed, match="only during a re-assessment"):
        run([*PLAN_2023_05_22, asked], "2024-04-01")


@pytest.mark.parametrize(
    "events, message",
    [
        (
            [*PLAN_2023_05_22, ev("decision_not_to_reassess", "2024-02-20")],
            "no request for a re-assessment",
        ),
        ([*REASSESSING, ev("decision_to_reassess", "2024-03-01")], "already under way"),
        (
            [*PLAN_2023_05_22, ev("tribunal_order", "2024-03-01", order="reassess")],
            "needs a decision not to re-assess",
        ),
        (
            [*REASSESSING, ev("tribunal_order", "2024-03-01", order="reassess")],
            "needs a decision not to re-assess",
        ),
        (
            [
                ev("request_received", "2024-01-08", source="parent"),
                ev("reassessment_requested", "2024-01-10"),
            ],
            "cannot take",
        ),
    ],
)
def test_reassessment_guards(events: list, message: str) -> None:
    with pytest.raises(EventNotAllowed, match=message):
        run(events, "2024-06-01")


@pytest.mark.parametrize("source", ["social_care", "other"])
def test_only_the_s44_2_requesters(source: str) -> None:
    with pytest.raises(InvalidEvent, match="source must be one of parent, young_person"):
        parse_event({"type": "reassessment_requested", "date": "2024-02-05", "source": source})


def test_a_mediation_agreement_cannot_order_a_reassessment() -> None:
    with pytest.raises(InvalidEvent, match="order must be one of"):
        parse_event({"type": "mediation_agreement", "date": "2024-02-05", "order": "reassess"})


REFUSED = [*REQUESTED, ev("decision_not_to_reassess", "2024-02-20")]


@pytest.mark.parametrize(
    "order_type, regulation",
    [("tribunal_order", "reg 44(2)(b)(ii)"), ("appeal_conceded", "reg 45(3A)(b)")],
)
def test_order_to_reassess(order_type: str, regulation: str) -> None:
    result = run(
        [
            *REFUSED,
            ev(order_type, "2024-06-03", order="reassess"),
            ev("decision_to_reassess", "2024-06-20"),
        ],
        "2024-07-01",
    )
    assert summary(one(result, "order_compliance", ref="reassess")) == (
        "2024-06-03",
        "2024-06-17",
        "2024-06-20",
        "late",
        True,
        3,
    )
    final = one(result, "reassessment_final")
    assert summary(final) == ("2024-06-03", "2024-09-09", None, "pending", False, None)
    assert final.regulation.endswith(regulation)


@pytest.mark.parametrize(
    "ordered, reason, allowed",
    [
        (False, "school_closure", True),  # reg 27(3)
        (False, "late_representations", False),  # not in reg 27(3)
        (True, "late_representations", True),  # reg 44(3) after an order
        (False, "missed_appointment", False),
    ],
)
def test_reassessment_exceptions_follow_the_regulation(
    ordered: bool, reason: str, allowed: bool
) -> None:
    order = [ev("tribunal_order", "2024-06-03", order="reassess")] if ordered else []
    events = [
        *REFUSED,
        *order,
        ev("decision_to_reassess", "2024-06-10"),
        ev("exception_recorded", "2024-06-11", applies_to="reassessment_final", reason=reason),
    ]
    if allowed:
        assert one(run(events, "2024-07-01"), "reassessment_final").exception == reason
    else:
        with pytest.raises((InvalidException, InvalidEvent), match="not an allowed exception"):
            run(events, "2024-07-01")


def test_reassessment_ends_with_the_plan() -> None:
    result = run([*REASSESSING, ev("plan_ceased", "2024-03-01", reason="needs_met")], "2024-09-01")
    assert one(result, "reassessment_final").status == "cancelled"


def test_refusing_a_second_request_leaves_the_reassessment_under_way() -> None:
    """Advice (reg 26) and a decision not to amend still need the open re-assessment."""
    result = run(
        [
            *REASSESSING,
            ev("reassessment_requested", "2024-03-01", source="parent"),
            ev("decision_not_to_reassess", "2024-03-05"),
            ev("advice_requested", "2024-03-06", advice="health"),
            ev("decision_not_to_amend", "2024-04-01"),
        ],
        "2024-04-02",
    )
    assert one(result, "reassessment_final").met_on == d("2024-04-01")
