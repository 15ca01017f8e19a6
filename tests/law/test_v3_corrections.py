"""Spec v3 corrections to v2 rules not covered by their own regulation's file: the Devon cap
only on the review's own amendment (change 4; R (L, M & P) v Devon [2022] EWHC 493), advice
pairing (change 5; reg 8(1)), orders and mediation ending with the case (change 6; reg 44,
42(2), 45), and exceptions by the regulation that set the deadline (change 7; reg 10(4),
13(3), 44(3))."""

from __future__ import annotations

import pytest

from tests.law._cases import PLAN_2023_05_22, all_of, ev, one, run
from workflow.errors import EventNotAllowed, InvalidEvent, InvalidException

REVIEW_AMEND = [
    *PLAN_2023_05_22,
    ev("review_meeting_held", "2024-03-04"),  # M: cap M + 84 = 27 May 2024
    ev("review_decision", "2024-03-25", outcome="amend"),
]


@pytest.mark.parametrize(
    "between, notice, due",
    [
        # the review's own amendment: capped
        ([], "2024-04-15", "2024-05-27"),
        # proposals re-sent while it is unfinished: still capped
        ([ev("amendment_notice_sent", "2024-04-01")], "2024-04-15", "2024-05-27"),
        # after the review's amendment was issued, a reg 28 amendment: N + 56
        (
            [ev("amendment_notice_sent", "2024-04-01"), ev("amended_plan_issued", "2024-05-01")],
            "2024-06-03",
            "2024-07-29",
        ),
        # after a decision not to amend: N + 56
        (
            [ev("amendment_notice_sent", "2024-04-01"), ev("decision_not_to_amend", "2024-04-20")],
            "2024-06-03",
            "2024-07-29",
        ),
    ],
)
def test_devon_cap_only_for_the_reviews_amendment(between: list, notice: str, due: str) -> None:
    result = run([*REVIEW_AMEND, *between, ev("amendment_notice_sent", notice)], "2024-06-10")
    latest = max(all_of(result, "amended_plan"), key=lambda x: x.position)
    assert latest.due.isoformat() == due


ASSESSING = [
    ev("request_received", "2024-01-08", source="parent"),
    ev("decision_to_assess", "2024-02-05"),
]


@pytest.mark.parametrize(
    "requests, received, met",
    [
        # pairs with the oldest open request the adviser had received by then
        (
            [
                ev("advice_requested", "2024-02-06", advice="health", received_on="2024-02-20"),
                ev("advice_requested", "2024-02-07", advice="health"),
            ],
            "2024-02-10",
            [None, "2024-02-10"],
        ),
        (
            [
                ev("advice_requested", "2024-02-06", advice="health"),
                ev("advice_requested", "2024-02-07", advice="health"),
            ],
            "2024-02-10",
            ["2024-02-10", None],
        ),
    ],
)
def test_advice_pairs_with_a_request_already_received(
    requests: list, received: str, met: list
) -> None:
    result = run(
        [*ASSESSING, *requests, ev("advice_received", received, advice="health")], "2024-02-12"
    )
    got = [
        x.met_on.isoformat() if x.met_on else None
        for x in sorted(all_of(result, "advice"), key=lambda x: x.position)
    ]
    assert got == met


@pytest.mark.parametrize(
    "events, message",
    [
        # the only request reached the adviser after the advice came
        (
            [
                *ASSESSING,
                ev("advice_requested", "2024-02-06", advice="health", received_on="2024-02-20"),
                ev("advice_received", "2024-02-10", advice="health"),
            ],
            "only on 20 February 2024",
        ),
        # a request closed by a decision not to issue never pairs
        (
            [
                *ASSESSING,
                ev("advice_requested", "2024-02-06", advice="health"),
                ev("decision_not_to_issue", "2024-03-01"),
                ev("draft_plan_issued", "2024-03-10"),
                ev("advice_received", "2024-03-12", advice="health"),
            ],
            "no unanswered request",
        ),
    ],
)
def test_advice_refused(events: list, message: str) -> None:
    with pytest.raises(EventNotAllowed, match=message):
        run(events, "2024-04-01")


REFUSED = [
    ev("request_received", "2024-01-08", source="parent"),
    ev("decision_not_to_assess", "2024-02-05"),
]


@pytest.mark.parametrize(
    "withdrawn, status, days_late",
    [("2024-03-10", "cancelled", None), ("2024-03-20", "lapsed", 5)],
)
def test_orders_and_mediation_end_with_a_withdrawal(
    withdrawn: str, status: str, days_late: int | None
) -> None:
    """A not_assessed case accepts a withdrawal (v3); the order (T + 14 = 15 Mar) and the
    mediation (Q + 30 = 2 Apr) end with it."""
    result = run(
        [
            *REFUSED,
            ev("mediation_requested", "2024-03-03"),
            ev("mediation_agreement", "2024-03-01", order="assess"),
            ev("request_withdrawn", withdrawn),
        ],
        "2024-06-01",
    )
    assert result.state == "withdrawn"
    order = one(result, "order_compliance")
    assert (order.status, order.days_late) == (status, days_late)
    assert one(result, "mediation").status == "cancelled"


ORDERED = [
    *REFUSED,
    ev("tribunal_order", "2024-03-01", order="assess"),
    ev("decision_to_assess", "2024-03-10"),
]


@pytest.mark.parametrize(
    "events, applies_to, reason, allowed",
    [
        (ASSESSING, "final_plan", "late_representations", False),  # reg 13(3)
        (ASSESSING, "final_plan", "early_years_closure", True),
        (ORDERED, "final_plan", "late_representations", True),  # reg 44(3) after an order
        (ORDERED, "decision_not_to_issue", "late_representations", True),
        (ORDERED, "order_compliance", "late_representations", True),
        (ASSESSING, "decision_to_assess", "early_years_closure", False),  # reg 5(4)
    ],
)
def test_exceptions_follow_the_deadlines_regulation(
    events: list, applies_to: str, reason: str, allowed: bool
) -> None:
    raws = [*events, ev("exception_recorded", "2024-03-20", applies_to=applies_to, reason=reason)]
    if allowed:
        x = max(all_of(run(raws, "2024-04-01"), applies_to), key=lambda x: x.position)
        assert x.exception == reason
    else:
        with pytest.raises((InvalidException, InvalidEvent), match="not an allowed exception"):
            run(raws, "2024-04-01")


def test_the_refusal_of_an_exception_names_the_event_and_the_regulation() -> None:
    raws = [
        *ASSESSING,
        ev(
            "exception_recorded",
            "2024-03-20",
            applies_to="final_plan",
            reason="late_representations",
        ),
    ]
    with pytest.raises(InvalidException) as err:
        run(raws, "2024-04-01")
    assert str(err.value).startswith(
        "Case T1: \u201cStatutory exception recorded\u201d on 20 March 2024: "
        "late representations is not "
        "an allowed exception for the final plan deadline set under SEND Regulations 2014 "
        "reg 13(2)"
    )
