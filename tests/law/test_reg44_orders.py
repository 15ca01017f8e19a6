"""Reg 44(2) Tribunal orders (and reg 42(2) mediation agreements, reg 45 concessions):
assess in 2 weeks; issue a plan: draft in 5 weeks, final in 11; amend in 5 weeks; name a
school in 2 weeks. After an order to assess, reg 44(2)(b) runs 10 and 14 weeks from it."""

from __future__ import annotations

import pytest

from tests.law._cases import PLAN_2023_05_22, all_of, d, ev, one, run, summary
from workflow.errors import EventNotAllowed
from workflow.law import timescales as ts


@pytest.mark.parametrize(
    "order, made, steps",
    [
        ("assess", "2024-03-04", [("assess", "2024-03-18")]),  # Mon -> Mon, 14 days
        (
            "issue_plan",
            "2024-03-04",  # Mon
            [("issue_plan_draft", "2024-04-08"), ("issue_plan_final", "2024-05-20")],  # Mon, Mon
        ),
        ("amend", "2024-07-01", [("amend", "2024-08-05")]),  # Mon -> Mon, 35 days
        ("name_school", "2024-07-01", [("name_school", "2024-07-15")]),  # Mon -> Mon
        ("name_school", "2024-12-20", [("name_school", "2025-01-03")]),  # Fri -> Fri, Christmas
        ("amend", "2024-12-20", [("amend", "2025-01-24")]),  # Fri -> Fri
    ],
)
def test_order_steps(order: str, made: str, steps: list[tuple[str, str]]) -> None:
    assert ts.order_steps(order, d(made)) == [(ref, d(due)) for ref, due in steps]


REQUEST = ev("request_received", "2024-01-08", source="parent")  # Mon
NOT_ASSESS = ev("decision_not_to_assess", "2024-02-05")  # Mon
ASSESS = ev("decision_to_assess", "2024-02-05")  # Mon


def test_order_to_assess_restarts_the_clocks_from_the_order() -> None:
    result = run(
        [
            REQUEST,
            NOT_ASSESS,
            ev("tribunal_order", "2024-03-04", order="assess"),  # Mon
            ev("decision_to_assess", "2024-03-15"),  # Fri
        ],
        "2024-04-01",
        twenty_week_days=139,  # not used after an order
    )
    order = one(result, "order_compliance", ref="assess")
    assert summary(order) == ("2024-03-04", "2024-03-18", "2024-03-15", "met", False, None)
    assert order.regulation.endswith("reg 44(2)")
    # reg 44(2)(b): 10 weeks (Mon 13 May) and 14 weeks (Mon 10 Jun) from the order
    limit = one(result, "decision_not_to_issue")
    final = one(result, "final_plan")
    assert summary(limit) == ("2024-03-04", "2024-05-13", None, "pending", False, None)
    assert summary(final) == ("2024-03-04", "2024-06-10", None, "pending", False, None)
    assert final.regulation.endswith("reg 44(2)(b)")


def test_order_to_issue_after_a_decision_not_to_issue() -> None:
    result = run(
        [
            REQUEST,
            ASSESS,
            ev("decision_not_to_issue", "2024-04-22"),  # Mon
            ev("appeal_conceded", "2024-07-01", order="issue_plan"),  # Mon
            ev("draft_plan_issued", "2024-08-02"),  # Fri
            ev("final_plan_issued", "2024-09-20"),  # Fri
        ],
        "2024-10-01",
    )
    draft = one(result, "order_compliance", ref="issue_plan_draft")
    final = one(result, "order_compliance", ref="issue_plan_final")
    assert summary(draft) == ("2024-07-01", "2024-08-05", "2024-08-02", "met", False, None)
    assert summary(final) == ("2024-07-01", "2024-09-16", "2024-09-20", "late", True, 4)
    assert draft.regulation.endswith("reg 45")
    # the 20-week clock ended with the decision not to issue and never lapses
    assert summary(one(result, "final_plan"))[1:4] == ("2024-05-27", None, "cancelled")


def test_order_to_issue_while_assessing_leaves_the_20_weeks_as_they_were() -> None:
    result = run(
        [
            REQUEST,
            ASSESS,
            ev("tribunal_order", "2024-03-04", order="issue_plan"),  # Mon
            ev("draft_plan_issued", "2024-04-08"),  # Mon
            ev("final_plan_issued", "2024-05-20"),  # Mon
        ],
        "2024-06-01",
    )
    assert summary(one(result, "final_plan")) == (
        "2024-01-08",
        "2024-05-27",
        "2024-05-20",
        "met",
        False,
        None,
    )
    assert one(result, "order_compliance", ref="issue_plan_draft").status == "met"
    assert one(result, "order_compliance", ref="issue_plan_final").status == "met"


@pytest.mark.parametrize(
    "kind, order, issued, expected",
    [
        # an order to amend, met on the day by an amended plan (no notice needed)
        (
            "tribunal_order",
            "amend",
            "2024-08-05",  # Mon
            ("2024-07-01", "2024-08-05", "2024-08-05", "met", False, None),
        ),
        # a mediation agreement to name a school, met a day late
        (
            "mediation_agreement",
            "name_school",
            "2024-07-16",  # Tue
            ("2024-07-01", "2024-07-15", "2024-07-16", "late", True, 1),
        ),
    ],
)
def test_orders_on_a_plan(kind: str, order: str, issued: str, expected: tuple) -> None:
    result = run(
        [
            *PLAN_2023_05_22,
            ev(kind, "2024-07-01", order=order),  # Mon
            ev("amended_plan_issued", issued),
        ],
        "2024-09-01",
    )
    assert summary(one(result, "order_compliance", ref=order)) == expected


def test_one_amended_plan_meets_every_open_order() -> None:
    result = run(
        [
            *PLAN_2023_05_22,
            ev("tribunal_order", "2024-07-01", order="amend"),  # Mon -> Mon 5 Aug
            ev("tribunal_order", "2024-07-01", order="name_school"),  # Mon -> Mon 15 Jul
            ev("amended_plan_issued", "2024-07-10"),  # Wed
        ],
        "2024-09-01",
    )
    orders = all_of(result, "order_compliance")
    assert sorted((x.ref, x.met_on, x.status) for x in orders) == [
        ("amend", d("2024-07-10"), "met"),
        ("name_school", d("2024-07-10"), "met"),
    ]


def test_unmet_order_is_overdue() -> None:
    result = run(
        [*PLAN_2023_05_22, ev("tribunal_order", "2024-07-01", order="name_school")],
        "2024-07-22",  # Mon, a week after Mon 15 Jul
    )
    assert summary(one(result, "order_compliance"))[3:] == ("overdue", True, 7)


@pytest.mark.parametrize(
    "history, order, words",
    [
        ([REQUEST], "assess", "assess"),  # assess only once the LA has refused
        # issue_plan only when assessing or not issued
        ([REQUEST, NOT_ASSESS], "issue_plan", "issue a plan"),
        ([REQUEST, ASSESS], "amend", "amend"),  # amend and name_school only once a plan exists
        (PLAN_2023_05_22, "assess", "assess"),
    ],
)
def test_order_in_the_wrong_state_is_refused(history: list, order: str, words: str) -> None:
    with pytest.raises(EventNotAllowed, match=f"an order to {words}"):
        run([*history, ev("tribunal_order", "2024-07-01", order=order)], "2024-09-01")
