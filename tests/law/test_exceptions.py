"""Spec section 4: statutory exceptions (reg 5(4), 8(2), 10(4), 13(3), 44(3)). Allowed
reasons per deadline kind; anything else is an input error; an exception attaches to the
most recently created deadline of its kind, met or not, and never moves the due date."""

from __future__ import annotations

from typing import Any

import pytest

from tests.law._cases import PLAN_2023_05_22, all_of, d, ev, one, parse, run, summary
from workflow.errors import InvalidEvent, InvalidException

ALLOWED = [
    # reg 5(4)(a)-(c)
    ("decision_to_assess", "school_closure"),
    ("decision_to_assess", "personal_circumstances"),
    ("decision_to_assess", "absence_from_area"),
    # reg 10(4), 13(3)
    ("decision_not_to_issue", "school_closure"),
    ("decision_not_to_issue", "early_years_closure"),
    ("decision_not_to_issue", "personal_circumstances"),
    ("decision_not_to_issue", "absence_from_area"),
    ("final_plan", "school_closure"),
    ("final_plan", "early_years_closure"),
    ("final_plan", "personal_circumstances"),
    ("final_plan", "absence_from_area"),
    # reg 8(2)
    ("advice", "personal_circumstances"),
    ("advice", "absence_from_area"),
    ("advice", "missed_appointment"),
    # reg 44(3)
    ("order_compliance", "school_closure"),
    ("order_compliance", "early_years_closure"),
    ("order_compliance", "personal_circumstances"),
    ("order_compliance", "absence_from_area"),
]


def exception(day: str, applies_to: str, reason: str, **more: Any) -> dict[str, Any]:
    return ev("exception_recorded", day, applies_to=applies_to, reason=reason, **more)


@pytest.mark.parametrize("applies_to, reason", ALLOWED)
def test_allowed_reasons_parse(applies_to: str, reason: str) -> None:
    more = {"advice": "health"} if applies_to == "advice" else {}
    (event,) = parse([exception("2024-03-01", applies_to, reason, **more)])
    assert event.get("reason") == reason


@pytest.mark.parametrize(
    "applies_to, reason, more",
    [
        ("decision_to_assess", "early_years_closure", {}),  # not in reg 5(4)
        ("decision_to_assess", "missed_appointment", {}),
        ("advice", "school_closure", {"advice": "health"}),  # not in reg 8(2)
        ("final_plan", "missed_appointment", {}),
        ("order_compliance", "missed_appointment", {}),
        ("final_plan", "staff_shortage", {}),  # no such exception
        ("annual_review", "personal_circumstances", {}),  # the kind takes no exception
        ("amended_plan", "personal_circumstances", {}),
        ("phase_transfer", "school_closure", {}),
        ("advice", "personal_circumstances", {}),  # which advice?
        ("final_plan", "personal_circumstances", {"advice": "health"}),  # advice on final
        ("final_plan", "personal_circumstances", {"ref": "x"}),  # ref on final
    ],
)
def test_bad_exceptions_are_input_errors(applies_to: str, reason: str, more: dict) -> None:
    with pytest.raises(InvalidEvent, match="exception_recorded"):
        parse([exception("2024-03-01", applies_to, reason, **more)])


REQUEST = ev("request_received", "2024-01-08", source="parent")  # Mon
ASSESS = ev("decision_to_assess", "2024-02-05")  # Mon


@pytest.mark.parametrize(
    "history, bad",
    [
        # no final plan clock before a decision to assess
        ([REQUEST], exception("2024-01-15", "final_plan", "personal_circumstances")),
        # no psychological advice was asked for
        (
            [REQUEST, ASSESS, ev("advice_requested", "2024-02-05", advice="health")],
            exception("2024-03-01", "advice", "missed_appointment", advice="psychological"),
        ),
        # asked with ref OT; an exception without a ref does not match it
        (
            [REQUEST, ASSESS, ev("advice_requested", "2024-02-05", advice="health", ref="OT")],
            exception("2024-03-01", "advice", "missed_appointment", advice="health"),
        ),
        # no order
        ([REQUEST, ASSESS], exception("2024-03-01", "order_compliance", "school_closure")),
        # the exception comes before the deadline it names is created
        (
            [REQUEST, ASSESS, ev("advice_requested", "2024-02-06", advice="health")],
            exception("2024-02-05", "advice", "missed_appointment", advice="health"),
        ),
    ],
)
def test_exception_with_nothing_to_attach_to_is_an_error(history: list, bad: dict) -> None:
    with pytest.raises(InvalidException, match="no .* deadline for the exception"):
        run([*history, bad], "2024-06-01")


def test_exception_after_the_event_excuses_a_late_final_plan() -> None:
    result = run(
        [
            REQUEST,
            ASSESS,
            ev("draft_plan_issued", "2024-05-13"),  # Mon
            ev("final_plan_issued", "2024-06-03"),  # Mon, 7 days late
            exception("2024-06-10", "final_plan", "school_closure"),  # recorded afterwards
        ],
        "2024-07-01",
    )
    final = one(result, "final_plan")
    assert summary(final) == ("2024-01-08", "2024-05-27", "2024-06-03", "late", False, 7)
    assert final.exception == "school_closure"


def test_exception_attaches_to_the_most_recent_request_of_that_advice() -> None:
    result = run(
        [
            REQUEST,
            ASSESS,
            ev("advice_requested", "2024-02-05", advice="health"),  # Mon -> Mon 18 Mar
            ev("advice_requested", "2024-02-12", advice="health"),  # Mon -> Mon 25 Mar
            ev("advice_requested", "2024-02-12", advice="health", ref="OT"),  # other ref
            exception("2024-03-01", "advice", "absence_from_area", advice="health"),
        ],
        "2024-04-01",  # Mon
    )
    got = sorted(
        (x.starts, x.ref or "", x.status, x.exception, x.breach, x.days_late)
        for x in all_of(result, "advice")
    )
    assert got == [
        (d("2024-02-05"), "", "overdue", None, True, 14),
        (d("2024-02-12"), "", "overdue", "absence_from_area", False, 7),
        (d("2024-02-12"), "OT", "overdue", None, True, 7),
    ]


def test_same_day_exception_follows_the_request_in_processing_order() -> None:
    result = run(
        [
            REQUEST,
            exception("2024-01-08", "decision_to_assess", "personal_circumstances"),
        ],
        "2024-03-01",
    )
    deadline = one(result, "decision_to_assess")
    assert (deadline.status, deadline.exception, deadline.breach) == (
        "overdue",
        "personal_circumstances",
        False,
    )


def test_order_exception_by_ref_and_by_recency() -> None:
    result = run(
        [
            *PLAN_2023_05_22,
            ev("tribunal_order", "2024-07-01", order="name_school"),  # Mon -> Mon 15 Jul
            ev("tribunal_order", "2024-07-08", order="amend"),  # Mon -> Mon 12 Aug
            exception("2024-07-09", "order_compliance", "absence_from_area", ref="name_school"),
        ],
        "2024-09-02",
    )
    assert one(result, "order_compliance", ref="name_school").exception == "absence_from_area"
    assert one(result, "order_compliance", ref="amend").breach is True
    # without a ref: the most recently created order deadline
    result = run(
        [
            *PLAN_2023_05_22,
            ev("tribunal_order", "2024-07-01", order="name_school"),
            ev("tribunal_order", "2024-07-08", order="amend"),
            exception("2024-07-09", "order_compliance", "personal_circumstances"),
        ],
        "2024-09-02",
    )
    assert one(result, "order_compliance", ref="amend").exception == "personal_circumstances"
    assert one(result, "order_compliance", ref="name_school").exception is None


def test_exception_after_as_of_is_ignored() -> None:
    result = run(
        [REQUEST, exception("2024-03-04", "decision_to_assess", "absence_from_area")],
        "2024-03-01",
    )
    assert one(result, "decision_to_assess").breach is True
