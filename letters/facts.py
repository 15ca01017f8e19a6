"""The statutory facts of a letter, read off the pure clock, never recomputed here.

`facts_for(letter_type, event, evaluation, settings)` takes the event that makes
the letter and the case's evaluation (`workflow.law.deadlines.evaluate` over its
whole history) and picks out the deadlines and windows that event created:
decision due, advice due, representations close, appeal-by and so on. The only
date worked out here is the expected final plan date in the acknowledgement of
a request, and that comes from `workflow.law.timescales.final_plan_due`, the same
rule the clock uses once the council decides to assess.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from workflow.errors import WorkflowError
from workflow.law import timescales as ts
from workflow.law.calendar import WorkingDays
from workflow.law.deadlines import (
    Deadline,
    Evaluation,
    Settings,
    Window,
    default_working_days,
)
from workflow.law.events import Event


class MissingFact(WorkflowError):
    """The clock has no deadline or window where the letter needs one (a bug, not bad input)."""


def created(
    evaluation: Evaluation,
    kind: str,
    on: date,
    *,
    advice: str | None = None,
    ref: str | None = None,
    match_advice: bool = False,
) -> Deadline | None:
    """The last deadline of `kind` created by an event on day `on`."""
    found = [
        d
        for d in evaluation.deadlines
        if d.kind == kind
        and d.created_on == on
        and (not match_advice or (d.advice == advice and d.ref == ref))
    ]
    return found[-1] if found else None


def latest_before(evaluation: Evaluation, kind: str, on: date) -> Deadline | None:
    """The most recently created deadline of `kind` created on or before `on`."""
    found = [d for d in evaluation.deadlines if d.kind == kind and (d.created_on or d.starts) <= on]
    found.sort(key=lambda d: d.created_on or d.starts)
    return found[-1] if found else None


def window(evaluation: Evaluation, kind: str, opens: date) -> Window | None:
    return next((w for w in evaluation.windows if w.kind == kind and w.opens == opens), None)


def _need(value: Any, what: str, event: Event) -> Any:
    if value is None:
        raise MissingFact(f"{event.describe()}: the clock has no {what} for this letter")
    return value


def _due(deadline: Deadline | None, what: str, event: Event) -> date:
    found: Deadline = _need(deadline, what, event)
    return found.due


def _appeal_by(evaluation: Evaluation, event: Event) -> date:
    found: Window = _need(window(evaluation, "appeal", event.date), "appeal window", event)
    return found.closes


def facts_for(
    letter_type: str, event: Event, evaluation: Evaluation, settings: Settings
) -> dict[str, Any]:
    """The letter's statutory facts, as JSON (dates as YYYY-MM-DD)."""
    facts = _FACTS[letter_type](event, evaluation, settings)
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in facts.items()}


def _acknowledgement(e: Event, ev: Evaluation, s: Settings) -> Mapping[str, Any]:
    return {
        "request_date": e.date,
        "requested_by": e.get("source"),
        "decision_due": _due(created(ev, "decision_to_assess", e.date), "decision due date", e),
        # The 20-week date the clock will set when the council decides to assess.
        "final_plan_due": ts.final_plan_due(
            e.date, twenty_week_days=s.twenty_week_days, after_order=False
        ),
    }


def _decision_to_assess(e: Event, ev: Evaluation, s: Settings) -> Mapping[str, Any]:
    final = _need(created(ev, "final_plan", e.date), "final plan deadline", e)
    return {
        "request_date": final.starts,
        "decision_date": e.date,
        "decision_not_to_issue_due": _due(
            created(ev, "decision_not_to_issue", e.date), "decision not to issue deadline", e
        ),
        "final_plan_due": final.due,
    }


def _decision_with_appeal(e: Event, ev: Evaluation, s: Settings) -> Mapping[str, Any]:
    # No reasons here: they are a detail given for the letter, never the event's note,
    # which is internal to the case file (issue 17: a note was printed as the reasons).
    return {"decision_date": e.date, "appeal_by": _appeal_by(ev, e)}


def _advice_request(e: Event, ev: Evaluation, s: Settings) -> Mapping[str, Any]:
    advice, ref = e.get("advice"), e.get("ref")
    deadline = _need(
        created(ev, "advice", e.date, advice=advice, ref=ref, match_advice=True),
        "advice deadline",
        e,
    )
    return {
        "advice": advice,
        "advice_ref": ref,
        "requested_on": e.date,
        "received_on": deadline.starts,
        "advice_due": deadline.due,
    }


def _draft_plan(e: Event, ev: Evaluation, s: Settings) -> Mapping[str, Any]:
    served = e.get("served_on") or e.date
    reps = _need(window(ev, "representations", served), "representations window", e)
    final = latest_before(ev, "final_plan", e.date)
    return {
        "issued_on": e.date,
        "served_on": served,
        "representations_close": reps.closes,
        "final_plan_due": final.due if final is not None else None,
    }


def _final_plan(e: Event, ev: Evaluation, s: Settings) -> Mapping[str, Any]:
    return {
        "issued_on": e.date,
        "appeal_by": _appeal_by(ev, e),
        "annual_review_due": _due(created(ev, "annual_review", e.date), "annual review", e),
    }


def _review_decision(e: Event, ev: Evaluation, s: Settings) -> Mapping[str, Any]:
    outcome = e.get("outcome")
    appeal = window(ev, "appeal", e.date) if outcome in ("maintain", "cease") else None
    review = created(ev, "annual_review", e.date) if outcome != "cease" else None
    return {
        "decision_date": e.date,
        "outcome": outcome,
        "appeal_by": appeal.closes if appeal else None,
        "annual_review_due": review.due if review else None,
    }


def _proposed_amendments(e: Event, ev: Evaluation, s: Settings) -> Mapping[str, Any]:
    served = e.get("served_on") or e.date
    reps = _need(window(ev, "amendment_representations", served), "representations window", e)
    amended = created(ev, "amended_plan", e.date)
    # A re-assessment's draft (reg 27(1)) sets no reg 22 deadline: the plan is due by the
    # re-assessment's own date (reg 27(2), or reg 44(2)(b) after an order).
    reassessment = latest_before(ev, "reassessment_final", e.date) if amended is None else None
    return {
        "notice_date": e.date,
        "served_on": served,
        "representations_close": reps.closes,
        "amended_plan_due": _due(amended or reassessment, "amended plan deadline", e),
        "after_reassessment": reassessment is not None,
    }


def _amended_plan(e: Event, ev: Evaluation, s: Settings) -> Mapping[str, Any]:
    return {"issued_on": e.date, "appeal_by": _appeal_by(ev, e)}


def _plan_ceased(e: Event, ev: Evaluation, s: Settings) -> Mapping[str, Any]:
    # The appeal runs from the decision to cease (a review decision to cease or a cease
    # notice), if that window is still open on the day the plan ends: the clock's
    # `ceased_during_appeal_period` warning (spec 5a). Another appeal still open (a
    # refusal to re-assess, say) is not an appeal against ending the plan.
    during = [
        w for w in ev.law_warnings if w.kind == "ceased_during_appeal_period" and w.date == e.date
    ]
    return {
        "ceased_on": e.date,
        "reason": e.get("reason"),
        "appeal_by": during[-1].closes if during else None,
    }


def _transfer_in(e: Event, ev: Evaluation, s: Settings) -> Mapping[str, Any]:
    notice = [d for d in ev.deadlines if d.kind == "transfer_notice" and d.met_on == e.date]
    notice_deadline = _need(notice[-1] if notice else None, "transfer notice deadline", e)
    transferred = notice_deadline.starts
    review = _need(created(ev, "annual_review", transferred), "annual review", e)
    return {
        "transferred_on": transferred,
        "notice_date": e.date,
        "will_assess": None,  # a letter detail: the council says (reg 15(4)(a))
        "review_due": review.due,
    }


def _decision_to_reassess(e: Event, ev: Evaluation, s: Settings) -> Mapping[str, Any]:
    # Reg 27(2): 14 weeks from this decision, or from a Tribunal order to re-assess.
    final = created(ev, "reassessment_final", e.date)
    return {
        "decision_date": e.date,
        "reassessment_final_due": _due(final, "re-assessment final date", e),
    }


def _cease_proposal(e: Event, ev: Evaluation, s: Settings) -> Mapping[str, Any]:
    # Reg 31(1) sets no period for the family's views: the letter gives no date.
    return {"proposed_on": e.date}


def _review_meeting_notice(e: Event, ev: Evaluation, s: Settings) -> Mapping[str, Any]:
    papers = created(ev, "review_papers", e.date)
    return {
        "notice_date": e.date,
        "meeting_date": e.get("meeting_date"),
        "papers_by": _due(papers, "review papers deadline", e),
    }


def _transfer_out(e: Event, ev: Evaluation, s: Settings) -> Mapping[str, Any]:
    # Reg 15(4) is the new council's duty, counted from the transfer: the family is told
    # when to expect its letter (the engine keeps no deadline for another council).
    return {
        "transferred_on": e.date,
        "to_la": e.get("to_la"),
        "new_council_notice_by": ts.transfer_notice_due(e.date),
    }


_FACTS = {
    "acknowledgement_of_request": _acknowledgement,
    "decision_to_assess": _decision_to_assess,
    "decision_not_to_assess": _decision_with_appeal,
    "request_for_advice": _advice_request,
    "decision_not_to_issue": _decision_with_appeal,
    "draft_plan_cover": _draft_plan,
    "final_plan_cover": _final_plan,
    "review_decision": _review_decision,
    "proposed_amendments": _proposed_amendments,
    "amended_plan": _amended_plan,
    "decision_not_to_amend": _decision_with_appeal,
    "plan_ceased": _plan_ceased,
    "transfer_in_notice": _transfer_in,
    "decision_not_to_reassess": _decision_with_appeal,
    "decision_to_reassess": _decision_to_reassess,
    "cease_proposal": _cease_proposal,
    "cease_notice": _decision_with_appeal,
    "review_meeting_notice": _review_meeting_notice,
    "transfer_out_notice": _transfer_out,
}


# -- dates counted from the letter's own date ---------------------------------------------

# Letters that are the notice the appeal runs from (HESC r.20(1)(c): 2 months from the
# date of the notice). Not plan_ceased: its appeal runs from the earlier decision notice.
APPEAL_NOTICES = {
    "decision_not_to_assess": "decision_date",
    "decision_not_to_issue": "decision_date",
    "final_plan_cover": "issued_on",
    "review_decision": "decision_date",
    "amended_plan": "issued_on",
    "decision_not_to_amend": "decision_date",
    "decision_not_to_reassess": "decision_date",
    "cease_notice": "decision_date",
}
# Letters that serve a draft plan or proposed amendments: representations for at least
# 15 days beginning with the day served (reg 13(1)(a), 22(2)(c)).
SERVED_NOTICES = {"draft_plan_cover": "served_on", "proposed_amendments": "served_on"}


@dataclass(frozen=True)
class Counted:
    """A letter's facts with the family's dates counted from the letter's date where the
    law counts them from the notice; `counted_from` is the day they were counted from
    before (the event's date, or the day served), when the letter's date is later."""

    facts: dict[str, Any]
    counted_from: date | None  # None: the letter is not dated after it
    moved: tuple[str, ...]  # the facts counted from the letter's date


def count_from_letter_date(
    letter_type: str,
    facts: Mapping[str, Any],
    letter_date: date,
    working_days: WorkingDays | None = None,
) -> Counted:
    """The dates a letter gives the family that the law counts from the notice, counted
    from the letter's own date when that is later than the day they were counted from,
    never earlier than the clock's own date (the later of the two): a family never gets
    less time than the law gives from the notice they receive. The statutory clock's
    deadlines are not changed: only what this letter says."""
    out = dict(facts)
    days = working_days or default_working_days()
    if letter_type in APPEAL_NOTICES and out.get("appeal_by"):
        name, fact = APPEAL_NOTICES[letter_type], "appeal_by"
        from_letter = ts.appeal_closes(letter_date, None, days)
    elif letter_type in SERVED_NOTICES and out.get("representations_close"):
        name, fact = SERVED_NOTICES[letter_type], "representations_close"
        from_letter = ts.representations_close(letter_date)
    else:
        return Counted(out, None, ())
    start = _as_date(out.get(name))
    if start is None or letter_date <= start:
        return Counted(out, None, ())
    given = _as_date(out[fact])
    assert given is not None
    later = max(given, from_letter)
    out[fact] = later.isoformat() if isinstance(out[fact], str) else later
    return Counted(out, start, (fact,) if later != given else ())


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
