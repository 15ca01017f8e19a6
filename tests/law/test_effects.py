"""Each event's effects, in the order it has them: stored deadlines keep their positions.

`Deadline.position` (the order of creation within a case) is stored with each deadline
(workflow.service), so an event that creates several deadlines must create them in the
same order on every replay. These cases use every event type at least once.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.law._cases import ev, run
from workflow.law.deadlines import Deadline
from workflow.law.effects import EFFECTS
from workflow.law.events import EventType


def row(x: Deadline) -> str:
    """One deadline as a line: position, kind, what it is about, its dates, how it ended."""
    about = " ".join(part for part in (x.advice, x.ref) if part)
    ended = (
        f"met {x.met_on}"
        if x.met_on
        else f"cancelled {x.cancelled_on}"
        if x.cancelled_on
        else "open"
    )
    excused = f", excused {x.exception_on}" if x.exception_on else ""
    return (
        f"{x.position} {x.kind}{' ' + about if about else ''}: created {x.created_on}, "
        f"starts {x.starts}, due {x.due}, {ended}{excused}"
    )


def replayed(raws: list[dict[str, Any]]) -> list[str]:
    result = run(raws, "2026-06-01")
    return [row(x) for x in sorted(result.deadlines, key=lambda x: x.position)]


# Request, refusal, mediation, an order to assess, advice, no plan, a concession, a plan,
# three reviews (amend, maintain, cease), amendments, phase transfers and the end.
ASSESSED_AND_REVIEWED = [
    ev("request_received", "2024-01-08", source="parent"),  # Mon
    ev(
        "exception_recorded", "2024-01-08", applies_to="decision_to_assess", reason="school_closure"
    ),
    ev("decision_not_to_assess", "2024-02-01"),
    ev("mediation_requested", "2024-03-01"),
    ev("mediation_held", "2024-03-10"),
    ev("mediation_certificate_issued", "2024-03-12"),
    ev("appeal_registered", "2024-03-20"),
    ev("tribunal_order", "2024-05-01", order="assess"),
    ev("decision_to_assess", "2024-05-10"),
    ev("advice_requested", "2024-05-13", advice="educational", ref="ep1"),
    ev("advice_requested", "2024-05-13", advice="parent"),
    ev("advice_requested", "2024-05-14", advice="health", received_on="2024-05-15"),
    ev("advice_received", "2024-05-20", advice="educational", ref="ep1"),
    ev("advice_received", "2024-05-21", advice="parent"),
    ev(
        "exception_recorded",
        "2024-05-22",
        applies_to="advice",
        advice="health",
        reason="missed_appointment",
    ),
    ev("decision_not_to_issue", "2024-06-20"),
    ev("appeal_conceded", "2024-07-01", order="issue_plan"),
    ev(
        "exception_recorded",
        "2024-07-02",
        applies_to="order_compliance",
        ref="issue_plan_final",
        reason="school_closure",
    ),
    ev("draft_plan_issued", "2024-07-20", served_on="2024-07-21"),
    ev("final_plan_issued", "2024-08-01"),
    ev("review_meeting_held", "2025-06-01"),
    ev("review_report_sent", "2025-06-10"),
    ev("review_decision", "2025-06-20", outcome="amend"),
    ev("amendment_notice_sent", "2025-07-01"),
    ev("amended_plan_issued", "2025-08-01"),
    ev("phase_transfer_scheduled", "2025-09-01", to="school", transfer_year=2026),
    ev("mediation_requested", "2025-10-01"),
    ev("mediation_withdrawn", "2025-10-05"),
    ev("mediation_agreement", "2025-11-01", order="amend"),
    ev("amended_plan_issued", "2025-11-20"),
    ev("review_meeting_held", "2026-01-10"),
    ev("review_meeting_held", "2026-01-12"),
    ev("review_decision", "2026-01-20", outcome="maintain"),
    ev("phase_transfer_scheduled", "2026-01-25", to="post16", transfer_year=2027),
    ev("amendment_notice_sent", "2026-02-01", served_on="2026-02-02"),
    ev("decision_not_to_amend", "2026-02-10"),
    ev("review_meeting_held", "2026-03-01"),
    ev("review_decision", "2026-03-10", outcome="cease"),
    ev("plan_ceased", "2026-04-01", reason="needs_met"),
]

TRANSFERRED_IN = [
    ev("plan_transferred_in", "2024-02-05", last_reviewed="2023-06-01"),
    ev("transfer_notice_sent", "2024-03-01"),
    ev("tribunal_order", "2024-04-01", order="name_school"),
    ev("amended_plan_issued", "2024-04-10"),
]

WITHDRAWN = [
    ev("request_received", "2024-01-08", source="school"),
    ev("decision_to_assess", "2024-02-01"),
    ev("advice_requested", "2024-02-05", advice="psychological"),
    ev("request_withdrawn", "2024-03-01"),
]

# v3: review notice and papers, a refused re-assessment, an order to re-assess, advice
# for it (reg 26), its amended plan, a move and the transfer out (reg 15(2)).
REASSESSED_AND_MOVED = [
    ev("plan_transferred_in", "2024-02-05", last_reviewed="2023-06-01"),
    ev("review_meeting_notice_sent", "2024-04-01", meeting_date="2024-04-22"),
    ev("review_papers_circulated", "2024-04-05"),
    ev("review_meeting_held", "2024-04-22"),
    ev("review_decision", "2024-05-01", outcome="maintain"),
    ev("reassessment_requested", "2024-06-03", source="parent"),
    ev("decision_not_to_reassess", "2024-06-14"),
    ev("tribunal_order", "2024-10-01", order="reassess"),
    ev("decision_to_reassess", "2024-10-08"),
    ev("advice_requested", "2024-10-09", advice="psychological"),
    ev("advice_received", "2024-11-01", advice="psychological"),
    ev("amendment_notice_sent", "2024-11-15"),
    ev("amended_plan_issued", "2024-12-20"),
    ev("move_reported", "2025-01-06", move_date="2025-03-03"),
    ev("plan_transferred_out", "2025-03-03", to_la="Kent"),
]

# v3: a cease outside a review (reg 31), and the mediation about it, which survives the
# plan's end (spec 3, second review).
CEASED_OUTSIDE_REVIEW = [
    ev("request_received", "2024-01-08", source="parent"),
    ev("decision_to_assess", "2024-02-01"),
    ev("draft_plan_issued", "2024-04-15"),
    ev("final_plan_issued", "2024-05-20"),
    ev("cease_proposed", "2025-01-06"),
    ev("cease_notice_sent", "2025-02-03"),
    ev("mediation_adviser_contacted", "2025-02-10", pursue_mediation=True),
    ev("mediation_requested", "2025-02-12"),
    ev("plan_ceased", "2025-03-03", reason="needs_met"),
]


@pytest.mark.parametrize(
    "raws, rows",
    [
        (
            ASSESSED_AND_REVIEWED,
            [
                "0 decision_to_assess: created 2024-01-08, starts 2024-01-08, due 2024-02-19, "
                "met 2024-02-01, excused 2024-01-08",
                "1 mediation: created 2024-03-01, starts 2024-03-01, due 2024-03-31, "
                "met 2024-03-10",
                "2 order_compliance assess: created 2024-05-01, starts 2024-05-01, "
                "due 2024-05-15, met 2024-05-10",
                # An order to assess: both reg 44(2)(b) clocks start on the order's day.
                "3 decision_not_to_issue: created 2024-05-10, starts 2024-05-01, "
                "due 2024-07-10, met 2024-06-20",
                "4 final_plan: created 2024-05-10, starts 2024-05-01, due 2024-08-07, "
                "cancelled 2024-06-20",
                "5 advice educational ep1: created 2024-05-13, starts 2024-05-13, "
                "due 2024-06-24, met 2024-05-20",
                # No deadline for the parent's advice; health runs from receipt.
                "6 advice health: created 2024-05-14, starts 2024-05-15, due 2024-06-26, "
                "cancelled 2024-06-20, excused 2024-05-22",
                "7 order_compliance issue_plan_draft: created 2024-07-01, starts 2024-07-01, "
                "due 2024-08-05, met 2024-07-20",
                "8 order_compliance issue_plan_final: created 2024-07-01, starts 2024-07-01, "
                "due 2024-09-16, met 2024-08-01, excused 2024-07-02",
                "9 annual_review: created 2024-08-01, starts 2024-08-01, due 2025-07-31, "
                "met 2025-06-20",
                "10 review_report: created 2025-06-01, starts 2025-06-01, due 2025-06-15, "
                "met 2025-06-10",
                "11 review_decision: created 2025-06-01, starts 2025-06-01, due 2025-06-29, "
                "met 2025-06-20",
                "12 annual_review: created 2025-06-20, starts 2025-06-20, due 2026-06-19, "
                "met 2026-01-20",
                # Devon: min(N + 56, M + 84) = 2025-06-01 + 84.
                "13 amended_plan: created 2025-07-01, starts 2025-07-01, due 2025-08-24, "
                "met 2025-08-01",
                "14 phase_transfer: created 2025-09-01, starts 2025-09-01, due 2026-02-14, "
                "met 2025-11-20",
                "15 mediation: created 2025-10-01, starts 2025-10-01, due 2025-10-31, "
                "cancelled 2025-10-05",
                "16 order_compliance amend: created 2025-11-01, starts 2025-11-01, "
                "due 2025-12-06, met 2025-11-20",
                "17 review_report: created 2026-01-10, starts 2026-01-10, due 2026-01-24, "
                "cancelled 2026-01-12",
                "18 review_decision: created 2026-01-10, starts 2026-01-10, due 2026-02-07, "
                "cancelled 2026-01-12",
                "19 review_report: created 2026-01-12, starts 2026-01-12, due 2026-01-26, "
                "cancelled 2026-03-01",
                "20 review_decision: created 2026-01-12, starts 2026-01-12, due 2026-02-09, "
                "met 2026-01-20",
                "21 annual_review: created 2026-01-20, starts 2026-01-20, due 2027-01-19, "
                "met 2026-03-10",
                "22 phase_transfer: created 2026-01-25, starts 2026-09-01, due 2027-03-30, "
                "cancelled 2026-04-01",
                "23 amended_plan: created 2026-02-01, starts 2026-02-01, due 2026-03-29, "
                "met 2026-02-10",
                "24 review_report: created 2026-03-01, starts 2026-03-01, due 2026-03-15, "
                "cancelled 2026-04-01",
                "25 review_decision: created 2026-03-01, starts 2026-03-01, due 2026-03-29, "
                "met 2026-03-10",
            ],
        ),
        (
            TRANSFERRED_IN,
            [
                "0 annual_review: created 2024-02-05, starts 2024-02-05, due 2024-05-31, open",
                "1 transfer_notice: created 2024-02-05, starts 2024-02-05, due 2024-03-18, "
                "met 2024-03-01",
                "2 order_compliance name_school: created 2024-04-01, starts 2024-04-01, "
                "due 2024-04-15, met 2024-04-10",
            ],
        ),
        (
            WITHDRAWN,
            [
                "0 decision_to_assess: created 2024-01-08, starts 2024-01-08, due 2024-02-19, "
                "met 2024-02-01",
                "1 decision_not_to_issue: created 2024-02-01, starts 2024-01-08, "
                "due 2024-04-29, cancelled 2024-03-01",
                "2 final_plan: created 2024-02-01, starts 2024-01-08, due 2024-05-27, "
                "cancelled 2024-03-01",
                "3 advice psychological: created 2024-02-05, starts 2024-02-05, "
                "due 2024-03-18, cancelled 2024-03-01",
            ],
        ),
        (
            REASSESSED_AND_MOVED,
            [
                "0 annual_review: created 2024-02-05, starts 2024-02-05, due 2024-05-31, "
                "met 2024-05-01",
                "1 transfer_notice: created 2024-02-05, starts 2024-02-05, due 2024-03-18, "
                "cancelled 2025-03-03",
                # Reg 20(3)-(4): both due two weeks before the meeting; the notice is born met.
                "2 review_meeting_notice: created 2024-04-01, starts 2024-04-01, "
                "due 2024-04-08, met 2024-04-01",
                "3 review_papers: created 2024-04-01, starts 2024-04-01, due 2024-04-08, "
                "met 2024-04-05",
                "4 review_report: created 2024-04-22, starts 2024-04-22, due 2024-05-06, "
                "cancelled 2025-03-03",
                "5 review_decision: created 2024-04-22, starts 2024-04-22, due 2024-05-20, "
                "met 2024-05-01",
                "6 annual_review: created 2024-05-01, starts 2024-05-01, due 2025-04-30, "
                "cancelled 2025-03-03",
                "7 reassessment_decision: created 2024-06-03, starts 2024-06-03, "
                "due 2024-06-18, met 2024-06-14",
                "8 order_compliance reassess: created 2024-10-01, starts 2024-10-01, "
                "due 2024-10-15, met 2024-10-08",
                # After the order: 14 weeks from the order (reg 44(2)(b)(ii)), no amended_plan.
                "9 reassessment_final: created 2024-10-08, starts 2024-10-01, "
                "due 2025-01-07, met 2024-12-20",
                "10 advice psychological: created 2024-10-09, starts 2024-10-09, "
                "due 2024-11-20, met 2024-11-01",
                "11 transfer_out: created 2025-01-06, starts 2025-01-06, due 2025-03-03, "
                "met 2025-03-03",
            ],
        ),
        (
            CEASED_OUTSIDE_REVIEW,
            [
                "0 decision_to_assess: created 2024-01-08, starts 2024-01-08, "
                "due 2024-02-19, met 2024-02-01",
                "1 decision_not_to_issue: created 2024-02-01, starts 2024-01-08, "
                "due 2024-04-29, cancelled 2024-04-15",
                "2 final_plan: created 2024-02-01, starts 2024-01-08, due 2024-05-27, "
                "met 2024-05-20",
                "3 annual_review: created 2024-05-20, starts 2024-05-20, due 2025-05-19, "
                "cancelled 2025-03-03",
                "4 mediation: created 2025-02-12, starts 2025-02-12, due 2025-03-14, open",
            ],
        ),
    ],
    ids=[
        "assessed-and-reviewed",
        "transferred-in",
        "withdrawn",
        "reassessed-and-moved",
        "ceased-outside-review",
    ],
)
def test_deadlines_keep_their_order_of_creation(
    raws: list[dict[str, Any]], rows: list[str]
) -> None:
    assert replayed(raws) == rows


def test_the_cases_use_every_event_type() -> None:
    used = {
        raw["type"]
        for raw in ASSESSED_AND_REVIEWED
        + TRANSFERRED_IN
        + WITHDRAWN
        + REASSESSED_AND_MOVED
        + CEASED_OUTSIDE_REVIEW
    }
    assert used == {t.value for t in EventType}


def test_every_event_type_has_its_effect() -> None:
    assert set(EFFECTS) == set(EventType)


@pytest.mark.parametrize("event_type", list(EventType), ids=str)
def test_each_effect_cites_its_law(event_type: EventType) -> None:
    doc = (EFFECTS[event_type].__doc__ or "").lower()
    assert any(law in doc for law in ("reg ", "cfa s.", "hesc r.", "regulations", "spec section"))
