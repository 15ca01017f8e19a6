"""One test per letter: its legal content is there and its dates are the statutory clock's.

Each letter is made from a sample case history (`letters.samples`); the expected
dates are read off `workflow.law.deadlines.evaluate` for the same history and also
written out as calendar dates, so a change to either shows up here.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from letters.catalogue import CATALOGUE, letters_for_event
from letters.contexts import LetterContext, ReviewDecisionContext
from letters.facts import facts_for
from letters.render import html_to_text, render_html, weekday_date
from letters.samples import REASONS, SAMPLE_PEOPLE, SAMPLES, sample_context
from letters.store import build_context
from tests.wiring import council
from workflow.law.calendar import govuk_date
from workflow.law.deadlines import Deadline, Evaluation, Settings, Window, evaluate
from workflow.law.events import EventType, parse_event

COUNCIL = council()


def clock(letter_type: str) -> Evaluation:
    history, _details = SAMPLES[letter_type]
    events = [parse_event(raw, index=i) for i, raw in enumerate(history, start=1)]
    return evaluate("SAMPLE", events, events[-1].date)


def deadline(ev: Evaluation, kind: str, created_on: date) -> Deadline:
    return next(d for d in ev.deadlines if d.kind == kind and d.created_on == created_on)


def window(ev: Evaluation, kind: str, opens: date) -> Window:
    return next(w for w in ev.windows if w.kind == kind and w.opens == opens)


def letter(letter_type: str, **people: Any) -> tuple[Any, str]:
    ctx: LetterContext = sample_context(letter_type, council=COUNCIL, people=people)
    return ctx, html_to_text(render_html(CATALOGUE[letter_type], ctx))


def assert_appeal_rights(text: str, appeal_by: date) -> None:
    assert f"You must appeal by {weekday_date(appeal_by)}." in text
    assert "First-tier Tribunal (Special Educational Needs and Disability)" in text
    assert "you must contact a mediation adviser" in text
    assert COUNCIL.mediation.name in text and COUNCIL.mediation.phone in text
    assert "1 month after the date of the certificate" in text
    assert "https://www.gov.uk/appeal-ehc-plan-decision" in text
    assert_sendiass(text)


def assert_sendiass(text: str) -> None:
    assert COUNCIL.sendiass.name in text and COUNCIL.sendiass.phone in text


def test_every_catalogued_letter_has_a_template_and_a_test() -> None:
    tested = {name.removeprefix("test_") for name in globals() if name.startswith("test_")}
    for letter_type in CATALOGUE:
        assert letter_type in tested, f"no test for {letter_type}"


# Every event type either makes a letter (the catalogue) or is here, with why it makes none:
# a new event type fails this test until someone decides which.
NO_LETTER = {
    "plan_transferred_in": "the new council writes once it decides (transfer_notice_sent)",
    "reassessment_requested": "the decision on it is the letter (reg 25(1))",
    "move_reported": "the move is the family's own news; the transfer is between councils",
    "mediation_adviser_contacted": "the mediation adviser writes, not the council",
    "mediation_requested": "the mediation service arranges it",
    "mediation_held": "the mediation service writes the outcome",
    "mediation_withdrawn": "the family withdrew it",
    "mediation_certificate_issued": "the mediation adviser issues the certificate",
    "mediation_agreement": "the agreement is the record; the council's acts follow",
    "appeal_registered": "the Tribunal writes",
    "appeal_conceded": "the Tribunal writes; the council's acts follow",
    "tribunal_order": "the Tribunal writes; the council's acts follow",
    "advice_received": "no duty to write",
    "exception_recorded": "an internal record of why a deadline moved",
    "review_papers_circulated": "the papers themselves are what is sent (reg 20(4))",
    "review_meeting_held": "the review report follows",
    "review_report_sent": "the report itself is what is sent (reg 20(7))",
    "phase_transfer_scheduled": "an internal record of the transfer date",
    "request_withdrawn": "the family withdrew the request",
}


def test_every_event_type_makes_a_letter_or_is_listed_as_making_none() -> None:
    makes = {s.event.value for s in CATALOGUE.values() if s.event is not None}
    types = {t.value for t in EventType}
    assert makes | set(NO_LETTER) == types, sorted(types - makes - set(NO_LETTER))
    assert not makes & set(NO_LETTER)
    for v3 in ("decision_not_to_reassess", "decision_to_reassess", "cease_proposed"):
        assert v3 in makes
    assert {"cease_notice_sent", "review_meeting_notice_sent"} <= makes


def test_acknowledgement_of_request() -> None:
    ev = clock("acknowledgement_of_request")
    ctx, text = letter("acknowledgement_of_request")
    request = date(2024, 1, 8)  # Mon
    assert ctx.decision_due == deadline(ev, "decision_to_assess", request).due == date(2024, 2, 19)
    assert ctx.final_plan_due == date(2024, 5, 27)  # 20 weeks (140 days) from the request
    assert f"We will tell you by {weekday_date(ctx.decision_due)}" in text
    assert "If we assess, the final EHC plan, if we issue one, by: 27 May 2024" in text
    assert COUNCIL.local_offer_url in text and COUNCIL.timeline_url in text
    assert "Dear Jo Sample," in text
    assert_sendiass(text)


def test_decision_to_assess() -> None:
    ev = clock("decision_to_assess")
    ctx, text = letter("decision_to_assess")
    decided = date(2024, 2, 12)
    assert ctx.final_plan_due == deadline(ev, "final_plan", decided).due == date(2024, 5, 27)
    assert (
        ctx.decision_not_to_issue_due
        == deadline(ev, "decision_not_to_issue", decided).due
        == date(2024, 4, 29)
    )
    assert "We have decided to carry out an Education, Health and Care (EHC) needs" in text
    assert "What happens next" in text and "6 weeks" in text
    assert "we must send you the final EHC plan by Monday 27 May 2024" in text
    assert "we will tell you by: 29 April 2024" in text


def test_decision_not_to_assess() -> None:
    ev = clock("decision_not_to_assess")
    ctx, text = letter("decision_not_to_assess")
    assert ctx.appeal_by == window(ev, "appeal", date(2024, 2, 12)).closes == date(2024, 4, 12)
    assert_appeal_rights(text, ctx.appeal_by)
    assert "Why we made this decision" in text
    for line in REASONS.splitlines():
        assert line in text


def test_request_for_advice() -> None:
    ev = clock("request_for_advice")
    ctx, text = letter("request_for_advice")
    assert ctx.advice_due == deadline(ev, "advice", date(2024, 2, 13)).due == date(2024, 3, 26)
    assert ctx.to.role == "adviser" and ctx.to.name == "Educational Psychology Service"
    assert "Please send your advice by Tuesday 26 March 2024." in text
    assert "regulation 8" in text and "within 6 weeks of receiving this request" in text
    assert "Date of birth: 14 March 2015" in text and "Oakfield Primary School" in text
    assert "Dear colleague," in text


def test_advice_reminder() -> None:
    ev = clock("request_for_advice")
    ctx, text = letter("advice_reminder")
    assert ctx.advice_due == deadline(ev, "advice", date(2024, 2, 13)).due
    assert "Please send your advice by Tuesday 26 March 2024." in text
    assert "regulation 8" in text


def test_advice_overdue() -> None:
    ctx, text = letter("advice_overdue")
    assert ctx.days_overdue == 7  # chased Tue 2 Apr 2024, due Tue 26 Mar
    assert "It was due on Tuesday 26 March 2024, 7 days ago. Please send it now." in text


def test_decision_not_to_issue() -> None:
    ev = clock("decision_not_to_issue")
    ctx, text = letter("decision_not_to_issue")
    # 29 Jun 2024 is a Saturday: the appeal deadline moves to Monday 1 July.
    assert ctx.appeal_by == window(ev, "appeal", date(2024, 4, 29)).closes == date(2024, 7, 1)
    assert_appeal_rights(text, ctx.appeal_by)
    assert "We have decided not to issue an EHC plan." in text
    assert REASONS.splitlines()[0] in text


def test_draft_plan_cover() -> None:
    ev = clock("draft_plan_cover")
    ctx, text = letter("draft_plan_cover")
    served = date(2024, 4, 22)
    assert (
        ctx.representations_close
        == window(ev, "representations", served).closes
        == date(2024, 5, 6)  # 15 days beginning with Mon 22 Apr
    )
    assert ctx.final_plan_due == deadline(ev, "final_plan", date(2024, 2, 12)).due
    assert "You have until Monday 6 May 2024 to tell us what you think of the draft." in text
    assert "You can ask for a meeting" in text
    assert "You can ask for a particular school or college" in text
    assert "You can ask for a personal budget" in text
    assert "we must send you the final plan by Monday 27 May 2024" in text
    assert_sendiass(text)


def test_final_plan_cover() -> None:
    ev = clock("final_plan_cover")
    ctx, text = letter("final_plan_cover")
    issued = date(2024, 5, 20)
    # 20 Jul 2024 is a Saturday: Monday 22 July.
    assert ctx.appeal_by == window(ev, "appeal", issued).closes == date(2024, 7, 22)
    assert ctx.annual_review_due == deadline(ev, "annual_review", issued).due
    assert ctx.annual_review_due == date(2025, 5, 19)
    assert_appeal_rights(text, ctx.appeal_by)
    assert "You do not need a certificate if you only want to appeal about the school" in text


@pytest.mark.parametrize("outcome", ["maintain", "amend", "cease"])
def test_review_decision(outcome: str) -> None:
    history, _ = SAMPLES["review_decision"]
    events = [parse_event(r, index=i) for i, r in enumerate(history[:-1], start=1)]
    decision = parse_event(
        {"type": "review_decision", "date": "2025-04-24", "outcome": outcome}, index=99
    )
    ev = evaluate("SAMPLE", [*events, decision], decision.date)
    decided = date(2025, 4, 24)
    facts = facts_for("review_decision", decision, ev, Settings())
    ctx = build_context(
        CATALOGUE["review_decision"], facts, {}, "EHC-1", "parent", SAMPLE_PEOPLE, COUNCIL, decided
    )
    assert isinstance(ctx, ReviewDecisionContext)
    text = html_to_text(render_html(CATALOGUE["review_decision"], ctx))
    if outcome == "amend":
        assert ctx.appeal_by is None
        assert "change (amend) the plan" in text and "15 days" in text
        assert "You must appeal" not in text
    else:
        assert ctx.appeal_by == window(ev, "appeal", decided).closes == date(2025, 6, 24)
        assert_appeal_rights(text, ctx.appeal_by)
    if outcome == "cease":
        assert ctx.annual_review_due is None
        assert "stop (cease) the plan" in text
        assert "we must keep the plan in place until the appeal is decided" in text
    else:
        assert ctx.annual_review_due == deadline(ev, "annual_review", decided).due
        assert ctx.annual_review_due == date(2026, 4, 23)
        assert f"We will review it again by {govuk_date(ctx.annual_review_due)}" in text


def test_proposed_amendments() -> None:
    ev = clock("proposed_amendments")
    ctx, text = letter("proposed_amendments")
    notice = date(2025, 5, 1)
    assert (
        ctx.representations_close
        == window(ev, "amendment_representations", notice).closes
        == date(2025, 5, 15)
    )
    assert ctx.amended_plan_due == deadline(ev, "amended_plan", notice).due == date(2025, 6, 26)
    assert not ctx.after_reassessment and "re-assessment" not in text
    assert "You have until Thursday 15 May 2025 to tell us what you think" in text
    assert "we must do this by Thursday 26 June 2025" in text
    assert "ask us to name a particular school or college" in text
    assert "ask to meet someone from our team" in text


def test_amended_plan() -> None:
    ev = clock("amended_plan")
    ctx, text = letter("amended_plan")
    # 12 Aug 2025 is in August: the first working day after 31 August, Monday 1 September.
    assert ctx.appeal_by == window(ev, "appeal", date(2025, 6, 12)).closes == date(2025, 9, 1)
    assert_appeal_rights(text, ctx.appeal_by)


def test_decision_not_to_amend() -> None:
    ev = clock("decision_not_to_amend")
    ctx, text = letter("decision_not_to_amend")
    assert ctx.appeal_by == window(ev, "appeal", date(2025, 6, 12)).closes == date(2025, 9, 1)
    assert_appeal_rights(text, ctx.appeal_by)
    assert "not to change the plan" in text and REASONS.splitlines()[0] in text


def test_plan_ceased() -> None:
    ev = clock("plan_ceased")
    ctx, text = letter("plan_ceased")
    assert ctx.appeal_by == window(ev, "appeal", date(2025, 4, 24)).closes == date(2025, 6, 24)
    assert "Sam's Education, Health and Care (EHC) plan ended on 30 May 2025." in text
    assert "the special educational provision in the plan is no longer needed" in text
    assert "until Tuesday 24 June 2025" in text


def test_plan_ceased_gives_only_the_cease_decisions_appeal() -> None:
    # A refusal to re-assess is still open to appeal when the plan ends (the child moved
    # away), but no decision to cease was made: the letter offers no appeal against ending
    # the plan (spec 5a: only the latest cease decision's window counts).
    history = [
        *SAMPLES["final_plan_cover"][0],
        {"type": "reassessment_requested", "date": "2025-01-06", "source": "parent"},
        {"type": "decision_not_to_reassess", "date": "2025-01-13"},
        {"type": "plan_ceased", "date": "2025-02-03", "reason": "moved_la"},
    ]
    events = [parse_event(r, index=i) for i, r in enumerate(history, start=1)]
    ev = evaluate("SAMPLE", events, events[-1].date)
    assert window(ev, "appeal", date(2025, 1, 13)).closes >= date(2025, 2, 3)
    assert facts_for("plan_ceased", events[-1], ev, Settings())["appeal_by"] is None
    # After a cease notice, the notice's window: Mon 3 Feb + 2 months = Thu 3 Apr.
    noticed = [
        *history[:-1],
        {"type": "cease_proposed", "date": "2025-01-20"},
        {"type": "cease_notice_sent", "date": "2025-02-03"},
        {"type": "plan_ceased", "date": "2025-03-03", "reason": "needs_met"},
    ]
    events = [parse_event(r, index=i) for i, r in enumerate(noticed, start=1)]
    ev = evaluate("SAMPLE", events, events[-1].date)
    assert facts_for("plan_ceased", events[-1], ev, Settings())["appeal_by"] == "2025-04-03"


def test_plan_ceased_on_a_death_makes_no_letter() -> None:
    event = parse_event({"type": "plan_ceased", "date": "2025-05-30", "reason": "deceased"})
    assert letters_for_event(event) == []


def test_transfer_in_notice() -> None:
    ev = clock("transfer_in_notice")
    ctx, text = letter("transfer_in_notice")
    transferred = date(2024, 9, 2)
    assert ctx.review_due == deadline(ev, "annual_review", transferred).due == date(2025, 3, 14)
    assert "We will review the plan by Friday 14 March 2025." in text
    assert "No. We do not plan to carry out a new EHC needs assessment." in text
    yes = sample_context("transfer_in_notice", council=COUNCIL, overrides={"will_assess": True})
    assert "Yes. We will carry out a new EHC needs assessment." in html_to_text(
        render_html(CATALOGUE["transfer_in_notice"], yes)
    )


def test_decision_not_to_reassess() -> None:
    # CFA s.44(2)-(3), reg 25(1): a refusal to re-assess, appealable (s.51(2)(d)).
    ev = clock("decision_not_to_reassess")
    ctx, text = letter("decision_not_to_reassess")
    # Mon 16 Sep 2024 + 2 months = Sat 16 Nov: rolled once to Monday 18 November.
    assert ctx.appeal_by == window(ev, "appeal", date(2024, 9, 16)).closes == date(2024, 11, 18)
    assert_appeal_rights(text, ctx.appeal_by)
    assert "not to carry out a re-assessment" in text and "16 September 2024" in text
    assert "Why we made this decision" in text
    for line in REASONS.splitlines():
        assert line in text
    assert CATALOGUE["decision_not_to_reassess"].letter_fields == ("reasons",)


def test_decision_to_reassess() -> None:
    # Reg 27(2): the re-assessment's plan within 14 weeks of the decision to re-assess.
    ev = clock("decision_to_reassess")
    ctx, text = letter("decision_to_reassess")
    decided = date(2024, 9, 16)  # Mon
    assert (
        ctx.reassessment_final_due
        == deadline(ev, "reassessment_final", decided).due
        == date(2024, 12, 23)  # Mon, 98 days
    )
    assert "We have decided to carry out a new Education, Health and Care (EHC) needs" in text
    assert "by Monday 23 December 2024" in text
    assert "You must appeal" not in text


def test_decision_to_reassess_after_an_order_counts_from_the_order() -> None:
    # Reg 44(2)(b)(ii): after a Tribunal order to re-assess, 14 weeks from the order.
    history = [
        *SAMPLES["decision_to_reassess"][0][:-1],
        {"type": "decision_not_to_reassess", "date": "2024-09-16"},
        {"type": "tribunal_order", "date": "2024-12-02", "order": "reassess"},
        {"type": "decision_to_reassess", "date": "2024-12-09"},
    ]
    events = [parse_event(r, index=i) for i, r in enumerate(history, start=1)]
    ev = evaluate("SAMPLE", events, events[-1].date)
    facts = facts_for("decision_to_reassess", events[-1], ev, Settings())
    assert facts["reassessment_final_due"] == "2025-03-10"  # Mon 2 Dec 2024 + 98 days


def test_a_reassessments_draft_is_due_by_the_reassessment_date() -> None:
    # Reg 27(1)-(2): the draft after a re-assessment (an amendment notice) sets no reg 22
    # deadline; the amended plan is due 14 weeks from the decision to re-assess.
    history = [
        *SAMPLES["decision_to_reassess"][0],
        {"type": "advice_requested", "date": "2024-09-18", "advice": "psychological"},
        {"type": "advice_received", "date": "2024-10-21", "advice": "psychological"},
        {"type": "amendment_notice_sent", "date": "2024-11-04"},
    ]
    events = [parse_event(r, index=i) for i, r in enumerate(history, start=1)]
    ev = evaluate("SAMPLE", events, events[-1].date)
    assert not [d for d in ev.deadlines if d.kind == "amended_plan"]
    facts = facts_for("proposed_amendments", events[-1], ev, Settings())
    assert facts["amended_plan_due"] == "2024-12-23"  # Mon 16 Sep 2024 + 98 days
    assert facts["after_reassessment"] is True
    assert facts["representations_close"] == "2024-11-18"  # 15 days beginning with the notice


def test_transfer_out_notice() -> None:
    # Reg 15(2)-(4): the plan moved on the day of the move; the new council must write
    # within 6 weeks of the transfer (Mon 3 Feb 2025 + 42 days).
    ctx, text = letter("transfer_out_notice")
    assert ctx.transferred_on == date(2025, 2, 3)
    assert ctx.new_council_notice_by == date(2025, 3, 17)
    assert "on 3 February 2025 we passed Sam's" in text
    assert "to Westshire Council" in text
    assert "By Monday 17 March 2025 Westshire Council must write to you" in text


def test_cease_proposal() -> None:
    # Reg 31(1): tell the family the council is considering ceasing, and consult them.
    ctx, text = letter("cease_proposal")
    assert ctx.proposed_on == date(2025, 1, 13)
    assert "We are thinking about stopping (ceasing) Sam's Education, Health" in text
    assert "We have not decided yet." in text
    assert "Tell us what you think" in text and "ask to meet us" in text
    assert "The plan stays in place while we decide." in text
    assert "You must appeal" not in text
    assert_sendiass(text)


def test_cease_notice() -> None:
    # CFA s.45, reg 31(2)-(3): the decision, reasons, appeal rights and mediation.
    ev = clock("cease_notice")
    ctx, text = letter("cease_notice")
    decided = date(2025, 2, 10)  # Mon
    assert ctx.appeal_by == window(ev, "appeal", decided).closes == date(2025, 4, 10)  # Thu
    assert_appeal_rights(text, ctx.appeal_by)
    assert "We have decided to stop (cease) Sam's Education, Health and Care (EHC) plan" in text
    assert "We made this decision on 10 February 2025." in text
    assert "Why we made this decision" in text and "no longer needs the special" in text
    assert "until the time to appeal has passed" in text
    assert "disagreement resolution service" in text  # reg 31(3)(b)(i)
    assert CATALOGUE["cease_notice"].letter_fields == ("reasons",)


def test_review_meeting_notice() -> None:
    # Reg 20(3)-(4): 2 weeks' notice of the meeting; the papers 2 weeks before it.
    ev = clock("review_meeting_notice")
    ctx, text = letter("review_meeting_notice")
    notice = date(2025, 3, 24)
    assert ctx.meeting_date == date(2025, 4, 10)  # Thu
    assert ctx.papers_by == deadline(ev, "review_papers", notice).due == date(2025, 3, 27)
    assert "The review meeting will be on Thursday 10 April 2025." in text
    assert "by Thursday 27 March 2025, 2 weeks before the meeting" in text
    assert "Sam can come too" in text


def test_correction() -> None:
    ctx, text = letter("correction")
    assert ctx.letter_date == date(2024, 2, 19)
    assert (
        "We wrote to you on 12 February 2024 about Sam's Education, Health and Care (EHC) "
        "needs. That letter was called “We will carry out an EHC needs assessment”." in text
    )
    assert "That letter was wrong, and we have withdrawn it." in text
    assert "We are sending you a corrected letter with this one" in text
    assert "the dates in the corrected letter are the right ones" in text
    assert "did not happen" not in text
    assert_sendiass(text)

    voided = sample_context("correction", council=COUNCIL, overrides={"corrected": False})
    text = html_to_text(render_html(CATALOGUE["correction"], voided))
    assert "What that letter told you about did not happen. Please ignore that letter." in text
    assert "corrected letter" not in text
    young = sample_context(
        "correction",
        council=COUNCIL,
        people={"child_name": "Alex Sample", "young_person_address": "1 Road"},
    )
    text = html_to_text(render_html(CATALOGUE["correction"], young))
    assert "Dear Alex Sample," in text and "about your Education" in text


def test_young_person_letters_speak_to_them() -> None:
    _ctx, text = letter(
        "decision_to_assess", child_name="Alex Sample", young_person_address="1 Road\nTown"
    )
    assert "Dear Alex Sample," in text
    assert "needs assessment for you." in text and "about your needs" in text
