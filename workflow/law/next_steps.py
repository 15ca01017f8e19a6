"""What happens next on a case: its open statutory steps, soonest due first (issue 19).

A pure function of an `Evaluation` and `as_of`. Each open deadline becomes the step that
completes it (the event that meets it, in plain English, and who must act); each family
window still open becomes the family's step. Steps are ordered by due date, then in the
order the law takes them (the spec's order of deadline kinds, then the family's windows).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from workflow.law.deadlines import KINDS, Deadline, Evaluation, Window
from workflow.law.events import EventType

E = EventType
COUNCIL = "The council"
FAMILY = "The family"

# Chase an adviser a week before the reg 8(1) six weeks are up.
CHASE_BEFORE = timedelta(days=7)

# Deadline kind -> (event that completes it, what the council must do).
STEPS: dict[str, tuple[EventType, str]] = {
    "decision_to_assess": (E.DECISION_TO_ASSESS, "Decide whether to assess"),
    "advice": (E.ADVICE_RECEIVED, "Receive the advice"),
    # Reg 10(1) limits a decision not to issue; issuing a draft ends it (CFA s.38).
    "decision_not_to_issue": (
        E.DRAFT_PLAN_ISSUED,
        "Issue a draft plan, or decide not to issue one",
    ),
    "final_plan": (E.FINAL_PLAN_ISSUED, "Issue the final plan"),
    "annual_review": (E.REVIEW_MEETING_HELD, "Hold the annual review meeting"),
    "review_report": (E.REVIEW_REPORT_SENT, "Send the review report"),
    "review_decision": (E.REVIEW_DECISION, "Decide whether to keep, amend or cease the plan"),
    "amended_plan": (E.AMENDED_PLAN_ISSUED, "Issue the amended plan"),
    "phase_transfer": (E.AMENDED_PLAN_ISSUED, "Review and amend the plan for the phase transfer"),
    "transfer_notice": (E.TRANSFER_NOTICE_SENT, "Tell the family the plan has transferred"),
    "mediation": (E.MEDIATION_HELD, "Hold the mediation"),
    "order_compliance": (E.TRIBUNAL_ORDER, "Do what the order requires"),
    "reassessment_decision": (E.DECISION_TO_REASSESS, "Decide whether to re-assess"),
    "reassessment_final": (
        E.AMENDED_PLAN_ISSUED,
        "Finish the re-assessment: issue the amended plan, or decide not to amend it",
    ),
    # Born met: never an open step, but every kind has one.
    "review_meeting_notice": (
        E.REVIEW_MEETING_NOTICE_SENT,
        "Send the notice of the review meeting",
    ),
    "review_papers": (E.REVIEW_PAPERS_CIRCULATED, "Send out the papers for the review meeting"),
    "transfer_out": (E.PLAN_TRANSFERRED_OUT, "Transfer the plan to the new council"),
}
assert set(STEPS) == set(KINDS), "every deadline kind needs a step"

# The step of an order (reg 44(2), 42(2), 45), by the deadline's ref.
ORDER_STEPS: dict[str, tuple[EventType, str]] = {
    "assess": (E.DECISION_TO_ASSESS, "Decide to assess, as ordered"),
    "issue_plan_draft": (E.DRAFT_PLAN_ISSUED, "Issue the draft plan, as ordered"),
    "issue_plan_final": (E.FINAL_PLAN_ISSUED, "Issue the final plan, as ordered"),
    "amend": (E.AMENDED_PLAN_ISSUED, "Issue the amended plan, as ordered"),
    "name_school": (E.AMENDED_PLAN_ISSUED, "Name the school in the plan, as ordered"),
    "reassess": (E.DECISION_TO_REASSESS, "Decide to re-assess, as ordered"),
}

# Who acts on each kind, when it is not the council: reg 20(4) has the person arranging
# the review meeting (the head teacher or principal) send the papers.
WHO: dict[str, str] = {"review_papers": "The school or college"}

ADVISERS: dict[str, tuple[str, str]] = {
    "educational": ("The educational adviser", "educational"),
    "health": ("The health adviser", "health"),
    "psychological": ("The educational psychologist", "psychological"),
    "social_care": ("The social care adviser", "social care"),
    "adulthood": ("The preparing for adulthood adviser", "preparing for adulthood"),
    "other": ("The adviser", "other"),
}

# The family's windows: the event that records what they did, if any, and what it is.
WINDOWS: dict[str, tuple[EventType | None, str]] = {
    "representations": (None, "Family's representations on the draft plan close"),
    "amendment_representations": (
        None,
        "Family's representations on the proposed amendments close",
    ),
    "appeal": (E.APPEAL_REGISTERED, "Family's time to appeal to the tribunal ends"),
}
LAW_ORDER = {kind: i for i, kind in enumerate((*KINDS, *WINDOWS))}


@dataclass(frozen=True)
class NextStep:
    kind: str  # the deadline or window kind
    event: EventType | None  # what records it; None for a window no event closes
    label: str
    due: date
    days_left: int  # negative when overdue
    who: str
    regulation: str
    chase_on: date | None = None  # advice only: when to chase the adviser

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "event": self.event.value if self.event else None,
            "label": self.label,
            "due": self.due.isoformat(),
            "days_left": self.days_left,
            "who": self.who,
        }
        if self.chase_on is not None:
            out["chase_on"] = self.chase_on.isoformat()
        return out


def next_steps(evaluation: Evaluation, as_of: date) -> list[NextStep]:
    """The case's open steps as of a day, soonest due first."""
    steps = [
        _deadline_step(d, evaluation, as_of)
        for d in evaluation.deadlines
        if d.open and not _limit_passed(d, as_of)
    ]
    steps += [_window_step(w, as_of) for w in evaluation.windows if w.opens <= as_of <= w.closes]
    steps = _one_review_decision(steps)
    return sorted(steps, key=lambda s: (s.due, LAW_ORDER[s.kind], s.who, s.label))


def _limit_passed(deadline: Deadline, as_of: date) -> bool:
    # Reg 10(1) only limits when the council may decide not to issue: once it has passed,
    # the step left is the final plan, not this one (and it is no breach, spec section 5).
    return deadline.kind == "decision_not_to_issue" and as_of > deadline.due


def _deadline_step(deadline: Deadline, evaluation: Evaluation, as_of: date) -> NextStep:
    event, label = STEPS[deadline.kind]
    who, chase_on = WHO.get(deadline.kind, COUNCIL), None
    if deadline.kind == "advice":
        who, kind = ADVISERS.get(deadline.advice or "other", ADVISERS["other"])
        label = f"Receive the {kind} advice" + (f" ({deadline.ref})" if deadline.ref else "")
        chase_on = deadline.due - CHASE_BEFORE
    elif deadline.kind == "order_compliance" and deadline.ref in ORDER_STEPS:
        event, label = ORDER_STEPS[deadline.ref]
    elif deadline.kind == "annual_review" and _meeting_held(deadline, evaluation):
        # The meeting has been held: the review is finished by its decision (s.44(1)).
        event, label = E.REVIEW_DECISION, "Finish the annual review with a decision"
    return NextStep(
        kind=deadline.kind,
        event=event,
        label=label,
        due=deadline.due,
        days_left=(deadline.due - as_of).days,
        who=who,
        regulation=deadline.regulation,
        chase_on=chase_on,
    )


def _one_review_decision(steps: list[NextStep]) -> list[NextStep]:
    """After the meeting one decision meets both the s.44(1) review and reg 20(10): one
    step, due by the sooner of the two, rather than two rows recording the same event."""
    review = next(
        (s for s in steps if s.kind == "annual_review" and s.event is E.REVIEW_DECISION), None
    )
    decision = next((s for s in steps if s.kind == "review_decision"), None)
    if review is None or decision is None:
        return steps
    sooner = min(review, decision, key=lambda s: (s.due, LAW_ORDER[s.kind]))
    merged = replace(
        sooner,
        label=STEPS["review_decision"][1],
        regulation=f"{review.regulation}; {decision.regulation}",
    )
    return [s for s in steps if s is not review and s is not decision] + [merged]


def _meeting_held(review: Deadline, evaluation: Evaluation) -> bool:
    """A reg 20 meeting since this review year began made its decision clock."""
    return any(
        d.kind == "review_decision" and d.starts >= review.starts for d in evaluation.deadlines
    )


def _window_step(window: Window, as_of: date) -> NextStep:
    event, label = WINDOWS[window.kind]
    regulation = (
        "HESC Rules 2008 r.20(1)(c)"
        if window.kind == "appeal"
        else "SEND Regulations 2014 reg 13(1)(a)"
        if window.kind == "representations"
        else "SEND Regulations 2014 reg 22(2)(c)"
    )
    return NextStep(
        kind=window.kind,
        event=event,
        label=label,
        due=window.closes,
        days_left=(window.closes - as_of).days,
        who=FAMILY,
        regulation=regulation,
    )
