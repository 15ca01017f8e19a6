"""Typed contexts: exactly what each letter's template may use.

Every letter's context is a frozen pydantic model. It is stored with the
letter as JSON (`to_json`) and read back (`from_json`) to re-render it: the
same context always renders the same HTML. Dates are `date`s; templates format
them with the `govuk_date` filter ("22 July 2024").
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Role = Literal["parent", "young_person", "adviser"]
Delivery = Literal["post", "email"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Contact(_Model):
    name: str
    phone: str
    email: str
    website: str


class Adviser(_Model):
    name: str
    address: str | None = None
    email: str | None = None


class Council(_Model):
    name: str
    team: str
    address: str
    phone: str
    email: str
    local_offer_url: str
    timeline_url: str
    signatory_name: str
    signatory_role: str
    sendiass: Contact
    mediation: Contact
    advisers: dict[str, Adviser]


class Addressee(_Model):
    role: Role
    name: str
    address: str | None = None
    email: str | None = None
    delivery: Delivery = "post"
    is_copy: bool = False  # a parent's copy of a letter to the young person


class Child(_Model):
    name: str
    date_of_birth: date
    setting: str | None = None


class LetterContext(_Model):
    """What every letter has: who from, who to, about whom, and when."""

    letter_type: str
    case_ref: str
    letter_date: date
    council: Council
    to: Addressee
    child: Child
    # The letter speaks to the young person ("you") rather than about a child.
    to_young_person: bool = False
    large_print: bool = False

    @property
    def subject(self) -> str:
        """Who the letter is about, as the reader would say it."""
        return "you" if self.to_young_person else self.first_name

    @property
    def possessive(self) -> str:
        return "your" if self.to_young_person else f"{self.first_name}'s"

    @property
    def first_name(self) -> str:
        return self.child.name.split()[0]

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LetterContext:
        return cls.model_validate(data)


# -- one model per letter --------------------------------------------------------


class AcknowledgementContext(LetterContext):
    request_date: date
    requested_by: str
    decision_due: date
    final_plan_due: date


class DecisionToAssessContext(LetterContext):
    request_date: date
    decision_date: date
    decision_not_to_issue_due: date
    final_plan_due: date


class DecisionNotToAssessContext(LetterContext):
    decision_date: date
    reasons: str
    appeal_by: date


class AdviceRequestContext(LetterContext):
    advice: str
    advice_ref: str | None
    requested_on: date
    received_on: date
    advice_due: date


class AdviceChaserContext(AdviceRequestContext):
    chased_on: date
    days_overdue: int | None


class DecisionNotToIssueContext(LetterContext):
    decision_date: date
    reasons: str
    appeal_by: date


class DraftPlanContext(LetterContext):
    issued_on: date
    served_on: date
    representations_close: date
    final_plan_due: date | None


class FinalPlanContext(LetterContext):
    issued_on: date
    appeal_by: date
    annual_review_due: date


class ReviewDecisionContext(LetterContext):
    decision_date: date
    outcome: Literal["maintain", "amend", "cease"]
    appeal_by: date | None
    annual_review_due: date | None


class ProposedAmendmentsContext(LetterContext):
    notice_date: date
    served_on: date
    representations_close: date
    amended_plan_due: date
    after_reassessment: bool = False  # a re-assessment's draft: due under reg 27(2)


class AmendedPlanContext(LetterContext):
    issued_on: date
    appeal_by: date


class DecisionNotToAmendContext(LetterContext):
    decision_date: date
    reasons: str
    appeal_by: date


class PlanCeasedContext(LetterContext):
    ceased_on: date
    reason: str
    appeal_by: date | None


class TransferInContext(LetterContext):
    transferred_on: date
    notice_date: date
    will_assess: bool
    review_due: date


class DecisionNotToReassessContext(LetterContext):
    """A refusal of a request to re-assess (CFA s.44(2)-(3), reg 25; appeal s.51(2)(d))."""

    decision_date: date
    reasons: str
    appeal_by: date


class DecisionToReassessContext(LetterContext):
    """A decision to re-assess (reg 25(1)); the plan, amended or not, by reg 27(2)."""

    decision_date: date
    reassessment_final_due: date


class CeaseProposalContext(LetterContext):
    """The council is considering ceasing the plan (reg 31(1)): the family's views first."""

    proposed_on: date


class CeaseNoticeContext(LetterContext):
    """The decision to cease the plan (CFA s.45; reg 31(2)-(3); appeal s.51(2)(f))."""

    decision_date: date
    reasons: str
    appeal_by: date


class TransferOutContext(LetterContext):
    """The plan transferred to the council of the family's new area (reg 15(2)); that
    council must tell the family within 6 weeks what it will do (reg 15(4))."""

    transferred_on: date
    to_la: str | None
    new_council_notice_by: date


class ReviewMeetingNoticeContext(LetterContext):
    """The annual review meeting (reg 20(3)-(4)): 2 weeks' notice, papers 2 weeks before."""

    notice_date: date
    meeting_date: date
    papers_by: date


class CorrectionContext(LetterContext):
    """A correction to a letter withdrawn after its event was voided or corrected."""

    withdrawn_title: str  # the withdrawn letter's heading, as the reader saw it
    withdrawn_date: date  # the date on the withdrawn letter
    corrected: bool  # the event was corrected (a corrected letter follows), not voided
