"""The catalogue: which event makes which letter, for whom, with which context.

| event | letter | to | law |
|---|---|---|---|
| request_received | acknowledgement_of_request | family | CFA s.36; reg 4, 5 |
| decision_to_assess | decision_to_assess | family | reg 5, 6, 10, 13 |
| decision_not_to_assess | decision_not_to_assess | family | s.36(5), s.51; reg 5 |
| advice_requested (not parent) | request_for_advice | adviser | reg 6, 8 |
| (scheduler sweep) | advice_reminder, advice_overdue | adviser | reg 8(1) |
| decision_not_to_issue | decision_not_to_issue | family | reg 10; s.51 |
| draft_plan_issued | draft_plan_cover | family | s.38, s.39, s.49; reg 13 |
| final_plan_issued | final_plan_cover | family | reg 13(2), 14; s.51 |
| review_decision | review_decision | family | reg 20(10); s.51 |
| amendment_notice_sent | proposed_amendments | family | reg 22 |
| amended_plan_issued | amended_plan | family | reg 22(3); s.51 |
| decision_not_to_amend | decision_not_to_amend | family | reg 22(4); s.51 |
| plan_ceased | plan_ceased | family | s.45; reg 31 |
| transfer_notice_sent | transfer_in_notice | family | reg 15(4) |
| decision_not_to_reassess | decision_not_to_reassess | family | s.44(2)-(3), s.51; reg 25 |
| decision_to_reassess | decision_to_reassess | family | reg 25(1), 27(2) |
| cease_proposed | cease_proposal | family | s.45; reg 31(1) |
| cease_notice_sent | cease_notice | family | s.45, s.51; reg 31(2)-(3) |
| review_meeting_notice_sent | review_meeting_notice | family | reg 20(3)-(4), 21(3)-(4) |
| plan_transferred_out | transfer_out_notice | family | reg 15(2)-(4) |
| (an officer, after a void) | correction | family | none: putting a mistake right |

"family" is the parent, or the young person from the 31 August ending the
academic year they turn 16 in (`letters.recipients`). Bump a letter's `version`
whenever its template's wording changes: the version is stored with each letter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from letters import contexts as c
from letters.recipients import Audience
from workflow.law.events import Event, EventType
from workflow.law.events import EventType as E

ContextType = type[c.LetterContext]


@dataclass(frozen=True)
class LetterSpec:
    type: str
    title: str
    audience: Audience
    context: ContextType
    law: str
    event: EventType | None = None  # None: queued by the scheduler, not by an event
    version: int = 1
    # Details of the letter itself, not of the people, that an officer may need to add.
    letter_fields: tuple[str, ...] = ()

    @property
    def template(self) -> str:
        return f"{self.type}.html.j2"


_SPECS = [
    LetterSpec(
        "acknowledgement_of_request",
        "We have received the request for an EHC needs assessment",
        "family",
        c.AcknowledgementContext,
        "Children and Families Act 2014 s.36; SEND Regulations 2014 reg 4 and 5",
        E.REQUEST_RECEIVED,
    ),
    LetterSpec(
        "decision_to_assess",
        "We will carry out an EHC needs assessment",
        "family",
        c.DecisionToAssessContext,
        "SEND Regulations 2014 reg 5, 6, 10 and 13",
        E.DECISION_TO_ASSESS,
    ),
    LetterSpec(
        "decision_not_to_assess",
        "We have decided not to carry out an EHC needs assessment",
        "family",
        c.DecisionNotToAssessContext,
        "Children and Families Act 2014 s.36(5) and s.51; SEND Regulations 2014 reg 5",
        E.DECISION_NOT_TO_ASSESS,
        letter_fields=("reasons",),
    ),
    LetterSpec(
        "request_for_advice",
        "Request for advice for an EHC needs assessment",
        "adviser",
        c.AdviceRequestContext,
        "SEND Regulations 2014 reg 6 and 8",
        E.ADVICE_REQUESTED,
    ),
    LetterSpec(
        "advice_reminder",
        "Reminder: advice for an EHC needs assessment is due soon",
        "adviser",
        c.AdviceChaserContext,
        "SEND Regulations 2014 reg 8(1)",
    ),
    LetterSpec(
        "advice_overdue",
        "Advice for an EHC needs assessment is overdue",
        "adviser",
        c.AdviceChaserContext,
        "SEND Regulations 2014 reg 8(1)",
    ),
    LetterSpec(
        "decision_not_to_issue",
        "We have decided not to issue an EHC plan",
        "family",
        c.DecisionNotToIssueContext,
        "SEND Regulations 2014 reg 10; Children and Families Act 2014 s.51",
        E.DECISION_NOT_TO_ISSUE,
        letter_fields=("reasons",),
    ),
    LetterSpec(
        "draft_plan_cover",
        "Your draft EHC plan",
        "family",
        c.DraftPlanContext,
        "Children and Families Act 2014 s.38, s.39 and s.49; SEND Regulations 2014 reg 13",
        E.DRAFT_PLAN_ISSUED,
    ),
    LetterSpec(
        "final_plan_cover",
        "Your final EHC plan",
        "family",
        c.FinalPlanContext,
        "SEND Regulations 2014 reg 13(2) and 14; Children and Families Act 2014 s.51",
        E.FINAL_PLAN_ISSUED,
    ),
    LetterSpec(
        "review_decision",
        "Our decision after the annual review",
        "family",
        c.ReviewDecisionContext,
        "SEND Regulations 2014 reg 20(10); Children and Families Act 2014 s.51",
        E.REVIEW_DECISION,
    ),
    LetterSpec(
        "proposed_amendments",
        "We propose to change the EHC plan",
        "family",
        c.ProposedAmendmentsContext,
        "SEND Regulations 2014 reg 22(2) and 22(3)",
        E.AMENDMENT_NOTICE_SENT,
    ),
    LetterSpec(
        "amended_plan",
        "Your amended EHC plan",
        "family",
        c.AmendedPlanContext,
        "SEND Regulations 2014 reg 22(3); Children and Families Act 2014 s.51",
        E.AMENDED_PLAN_ISSUED,
    ),
    LetterSpec(
        "decision_not_to_amend",
        "We have decided not to change the EHC plan",
        "family",
        c.DecisionNotToAmendContext,
        "SEND Regulations 2014 reg 22(4); Children and Families Act 2014 s.51",
        E.DECISION_NOT_TO_AMEND,
        letter_fields=("reasons",),
    ),
    LetterSpec(
        "plan_ceased",
        "The EHC plan has ended",
        "family",
        c.PlanCeasedContext,
        "Children and Families Act 2014 s.45; SEND Regulations 2014 reg 31",
        E.PLAN_CEASED,
    ),
    LetterSpec(
        "transfer_in_notice",
        "Your EHC plan has moved to us",
        "family",
        c.TransferInContext,
        "SEND Regulations 2014 reg 15(4) and 15(5)",
        E.TRANSFER_NOTICE_SENT,
        letter_fields=("will_assess",),
    ),
    LetterSpec(
        "decision_not_to_reassess",
        "We have decided not to carry out a new EHC needs assessment",
        "family",
        c.DecisionNotToReassessContext,
        "Children and Families Act 2014 s.44(2) and s.51; SEND Regulations 2014 reg 25",
        E.DECISION_NOT_TO_REASSESS,
        letter_fields=("reasons",),
    ),
    LetterSpec(
        "decision_to_reassess",
        "We will carry out a new EHC needs assessment",
        "family",
        c.DecisionToReassessContext,
        "Children and Families Act 2014 s.44(2); SEND Regulations 2014 reg 25(1) and 27(2)",
        E.DECISION_TO_REASSESS,
    ),
    LetterSpec(
        "cease_proposal",
        "We are thinking about ending the EHC plan",
        "family",
        c.CeaseProposalContext,
        "Children and Families Act 2014 s.45; SEND Regulations 2014 reg 31(1)",
        E.CEASE_PROPOSED,
    ),
    LetterSpec(
        "cease_notice",
        "We have decided to end the EHC plan",
        "family",
        c.CeaseNoticeContext,
        "Children and Families Act 2014 s.45 and s.51; SEND Regulations 2014 reg 31(2) and 31(3)",
        E.CEASE_NOTICE_SENT,
        letter_fields=("reasons",),
    ),
    LetterSpec(
        "transfer_out_notice",
        "Your EHC plan has moved to your new council",
        "family",
        c.TransferOutContext,
        "SEND Regulations 2014 reg 15(2), 15(3) and 15(4)",
        E.PLAN_TRANSFERRED_OUT,
    ),
    LetterSpec(
        "review_meeting_notice",
        "The annual review meeting for the EHC plan",
        "family",
        c.ReviewMeetingNoticeContext,
        "SEND Regulations 2014 reg 20(3) and 20(4), or reg 21(3) and 21(4)",
        E.REVIEW_MEETING_NOTICE_SENT,
    ),
    LetterSpec(
        "correction",
        "A correction to our letter",
        "family",
        c.CorrectionContext,
        "",  # no statute: it puts right a letter withdrawn after its event was corrected
    ),
]

CATALOGUE: dict[str, LetterSpec] = {spec.type: spec for spec in _SPECS}
CHASERS = ("advice_reminder", "advice_overdue")
CORRECTION = "correction"  # made by an officer for a withdrawn letter that may have gone out


def spec(letter_type: str) -> LetterSpec:
    return CATALOGUE[letter_type]


def letters_for_event(event: Event) -> list[LetterSpec]:
    """The letters an event makes.

    The family's own advice needs no letter (the decision to assess asks for
    their views); a plan that ends because the child has died gets no form
    letter: the officer writes personally.
    """
    if event.type is E.ADVICE_REQUESTED and event.get("advice") == "parent":
        return []
    if event.type is E.PLAN_CEASED and event.get("reason") == "deceased":
        return []  # a form letter is not how to write to a bereaved family
    return [s for s in _SPECS if s.event is event.type]


# -- letter details an officer adds -------------------------------------------------


def parse_letter_field(name: str, value: Any) -> Any:
    """Check a letter detail (`ehc letters complete ID --set reasons=...`)."""
    if name == "reasons":
        if not isinstance(value, str) or not value.strip():
            raise ValueError("Enter the reasons for the decision")
        return value.strip()
    if name == "will_assess":
        text = str(value).strip().lower()
        if text in ("true", "yes", "y", "1"):
            return True
        if text in ("false", "no", "n", "0"):
            return False
        raise ValueError("will_assess must be yes or no")
    raise ValueError(f"{name} is not a letter detail")


# What each detail a letter may wait for is called on screen ("Needs: the parent's address").
DETAIL_NAMES = {
    "child_name": "the child's name",
    "date_of_birth": "the child's date of birth",
    "parent_name": "the parent's name",
    "parent_address": "the parent's address",
    "parent_email": "the parent's email address",
    "young_person_address": "the young person's address",
    "young_person_email": "the young person's email address",
    "reasons": "the reasons for the decision",
    "will_assess": "whether we will carry out an assessment",
}


def detail_name(name: str) -> str:
    return DETAIL_NAMES.get(name, name.replace("_", " "))


def letters_needing(event_type: str, field: str) -> list[LetterSpec]:
    """The letters an event type makes that need the letter detail `field` (the record
    form asks for the reasons for these)."""
    return [
        s
        for s in _SPECS
        if s.event is not None and s.event.value == event_type and field in s.letter_fields
    ]
