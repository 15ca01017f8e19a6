"""Ceasing a plan (spec v3 changes 6, 8 and 10): CFA s.45 and reg 31 outside a review
(a cease_proposed first, reg 31(1); the notice, reg 31(2)-(3), opens an appeal window,
s.51(2)(f)); the plan's duties end with it; a mediation about the cease decision goes on;
and the warning when the plan ceases during its appeal period (s.45, Explanatory Notes
para 247)."""

from __future__ import annotations

import pytest

from tests.law._cases import PLAN_2023_05_22, all_of, ev, one, run, windows
from workflow.errors import EventNotAllowed

PROPOSED = [*PLAN_2023_05_22, ev("cease_proposed", "2024-01-08")]
NOTICE = ev("cease_notice_sent", "2024-02-05")  # Mon -> appeal closes Fri 5 Apr 2024


def test_notice_needs_a_proposal_first() -> None:
    """Reg 31(1): inform and consult before deciding."""
    with pytest.raises(EventNotAllowed, match="considering ceasing"):
        run([*PLAN_2023_05_22, NOTICE], "2024-03-01")
    with pytest.raises(EventNotAllowed, match="considering ceasing"):  # one proposal, one notice
        run([*PROPOSED, NOTICE, ev("cease_notice_sent", "2024-02-20")], "2024-03-01")


def test_a_review_cease_needs_no_proposal() -> None:
    """⚠ The review meeting counts as the reg 31(1) consultation."""
    result = run(
        [
            *PLAN_2023_05_22,
            ev("review_meeting_held", "2024-01-08"),
            ev("review_decision", "2024-01-22", outcome="cease"),
        ],
        "2024-02-01",
    )
    assert result.state == "plan_in_force"


def test_notice_opens_an_appeal_window() -> None:
    result = run([*PROPOSED, NOTICE], "2024-03-01")
    assert ("2024-02-05", "2024-04-05") in windows(result, "appeal")


@pytest.mark.parametrize(
    "ceased, warning",
    [
        ("2024-03-01", ("2024-03-01", "2024-02-05", "2024-04-05")),  # during: warned
        ("2024-04-05", ("2024-04-05", "2024-02-05", "2024-04-05")),  # on the last day
        ("2024-04-08", None),  # after the window closed
    ],
)
def test_ceased_during_appeal_period(ceased: str, warning: tuple | None) -> None:
    result = run([*PROPOSED, NOTICE, ev("plan_ceased", ceased, reason="needs_met")], "2024-06-01")
    got = [
        (w.date.isoformat(), w.notice.isoformat(), w.closes.isoformat())
        for w in result.law_warnings
    ]
    assert got == ([warning] if warning else [])
    assert all(w.kind == "ceased_during_appeal_period" for w in result.law_warnings)
    assert result.to_json()["warnings"] == [
        {"kind": "ceased_during_appeal_period", "date": w[0], "notice": w[1], "closes": w[2]}
        for w in ([warning] if warning else [])
    ]
    # and in words, for the case page and `ehc case show`
    assert any("appeal" in text for text in result.warnings) is (warning is not None)


def test_no_warning_without_a_cease_decision() -> None:
    result = run(
        [*PLAN_2023_05_22, ev("plan_ceased", "2024-03-01", reason="moved_la")], "2024-06-01"
    )
    assert result.law_warnings == [] and result.to_json()["warnings"] == []


@pytest.mark.parametrize(
    "requested, status",
    [
        ("2024-02-10", "pending"),  # about the cease decision: survives the plan's end
        ("2024-01-20", "cancelled"),  # before the decision: ends with the plan
    ],
)
def test_mediation_about_the_cease_decision_survives(requested: str, status: str) -> None:
    events = [*PROPOSED]
    mediation = ev("mediation_requested", requested)
    events += [mediation, NOTICE] if requested < "2024-02-05" else [NOTICE, mediation]
    result = run([*events, ev("plan_ceased", "2024-02-15", reason="needs_met")], "2024-02-20")
    assert one(result, "mediation").status == status


def test_a_ceased_case_takes_the_dispute_about_its_cease_decision() -> None:
    result = run(
        [
            *PROPOSED,
            NOTICE,
            ev("plan_ceased", "2024-02-15", reason="needs_met"),
            ev("mediation_adviser_contacted", "2024-02-20"),
            ev("mediation_requested", "2024-02-21"),
            ev("mediation_held", "2024-03-01"),
            ev("appeal_registered", "2024-03-20"),
        ],
        "2024-04-01",
    )
    assert result.state == "ceased"
    assert one(result, "mediation").status == "met"


@pytest.mark.parametrize(
    "later",
    [
        ev("mediation_requested", "2024-03-01"),
        ev("appeal_registered", "2024-03-01"),
        ev("review_meeting_held", "2024-03-01"),
    ],
)
def test_a_ceased_case_without_a_cease_decision_takes_nothing(later: dict) -> None:
    with pytest.raises(EventNotAllowed):
        run(
            [*PLAN_2023_05_22, ev("plan_ceased", "2024-02-15", reason="needs_met"), later],
            "2024-04-01",
        )


@pytest.mark.parametrize(
    "kind, opening",
    [
        ("order_compliance", [ev("tribunal_order", "2024-01-10", order="amend")]),
        (
            "review_papers",
            [ev("review_meeting_notice_sent", "2024-01-10", meeting_date="2024-03-01")],
        ),
        ("reassessment_decision", [ev("reassessment_requested", "2024-01-10")]),
    ],
)
def test_the_plans_duties_end_with_it(kind: str, opening: list) -> None:
    """v3 change 6: cancelled when ended before due, lapsed (a breach) when after."""
    early = run(
        [*PLAN_2023_05_22, *opening, ev("plan_ceased", "2024-01-12", reason="needs_met")],
        "2024-12-01",
    )
    assert [x.status for x in all_of(early, kind)] == ["cancelled"]
    late = run(
        [*PLAN_2023_05_22, *opening, ev("plan_ceased", "2024-11-01", reason="needs_met")],
        "2024-12-01",
    )
    assert [(x.status, x.breach) for x in all_of(late, kind)] == [("lapsed", True)]


def test_a_ceased_case_without_a_dispute_or_move_says_it_takes_nothing_more() -> None:
    with pytest.raises(EventNotAllowed, match="It cannot take any more events"):
        run(
            [
                *PLAN_2023_05_22,
                ev("plan_ceased", "2024-02-15", reason="needs_met"),
                ev("review_meeting_held", "2024-03-01"),
            ],
            "2024-04-01",
        )


def test_a_ceased_case_after_a_cease_decision_offers_the_dispute() -> None:
    with pytest.raises(EventNotAllowed) as err:
        run(
            [
                *PROPOSED,
                NOTICE,
                ev("plan_ceased", "2024-02-15", reason="needs_met"),
                ev("review_meeting_held", "2024-03-01"),
            ],
            "2024-04-01",
        )
    assert "\u201cMediation requested\u201d" in str(err.value)
    assert "\u201cPlan transferred out to another council\u201d" not in str(err.value)
