"""What each event does to a case's deadlines and windows (spec deadlines.md 3-4, 6).

One function per event type (the three orders share one), each citing its law, and
`EFFECTS`, the table `workflow.law.deadlines.Replay.apply` looks them up in. Within a
function the order of the calls is the order of the effects: it fixes each deadline's
`position`, which is stored (workflow.service).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from workflow.errors import InvalidException
from workflow.law import timescales as ts
from workflow.law.events import (
    EXCEPTION_REASONS,
    REG_10_4_REASONS,
    REG_44_3_REASONS,
    Event,
    EventType,
)

if TYPE_CHECKING:
    from workflow.law.deadlines import Deadline, Replay

REGS = "SEND Regulations 2014"
ANNUAL_REVIEW_LAW = "Children and Families Act 2014 s.44(1)"

ORDER_REGULATION = {
    EventType.TRIBUNAL_ORDER: f"{REGS} reg 44(2)",
    EventType.MEDIATION_AGREEMENT: f"{REGS} reg 42(2)",
    EventType.APPEAL_CONCEDED: f"{REGS} reg 45",
}

# Reg 44(2)(b)(ii) after a Tribunal order to re-assess; reg 45(3A)(b) after a concession.
REASSESS_ORDER_REGULATION = {
    EventType.TRIBUNAL_ORDER: f"{REGS} reg 44(2)(b)(ii)",
    EventType.APPEAL_CONCEDED: f"{REGS} reg 45(3A)(b)",
}

# The exception reasons each kind's own regulation allows (spec section 4): reg 5(4) for the
# decision to assess, reg 10(4) / 13(3) for the plan from the request, reg 8(2) for advice,
# reg 44(3) for an order, reg 27(3) for a re-assessment. A deadline set after an order takes
# the reg 44(3) reasons instead (`Replay.add(..., exceptions=REG_44_3_REASONS)`).
EXCEPTIONS_BY_KIND: dict[str, tuple[str, ...]] = {
    "decision_to_assess": EXCEPTION_REASONS["decision_to_assess"],
    "decision_not_to_issue": REG_10_4_REASONS,
    "final_plan": REG_10_4_REASONS,
    "advice": EXCEPTION_REASONS["advice"],
    "order_compliance": REG_44_3_REASONS,
    "reassessment_final": REG_10_4_REASONS,
}

# Decisions the family can appeal to the Tribunal (CFA s.51(2)); a review decision is one
# only when it maintains or ceases the plan (`opens_appeal`).
APPEAL_NOTICES = frozenset(
    {
        EventType.DECISION_NOT_TO_ASSESS,
        EventType.DECISION_NOT_TO_ISSUE,
        EventType.FINAL_PLAN_ISSUED,
        EventType.AMENDED_PLAN_ISSUED,
        EventType.DECISION_NOT_TO_AMEND,
        EventType.DECISION_NOT_TO_REASSESS,  # v3: s.51(2)(d)
        EventType.CEASE_NOTICE_SENT,  # v3: s.51(2)(f), reg 31(3)
    }
)

# What ends with a plan in force, ceased (CFA s.45) or transferred out (reg 15(2)):
# its review, amendment, transfer and re-assessment clocks, advice for a re-assessment,
# and orders (spec v3 change 6). Mediation is handled apart (`plan_ceased`).
PLAN_DUTIES = (
    "annual_review",
    "review_report",
    "review_decision",
    "amended_plan",
    "phase_transfer",
    "transfer_notice",
    "advice",
    "order_compliance",
    "reassessment_decision",
    "reassessment_final",
    "review_papers",
)


def opens_appeal(event: Event) -> bool:
    """HESC r.20(1)(c): a notice of an appealable decision opens an appeal window."""
    return event.type in APPEAL_NOTICES or (
        event.type is EventType.REVIEW_DECISION and event.get("outcome") in ("maintain", "cease")
    )


def is_cease_decision(event: Event) -> bool:
    """A decision to cease the plan: at a review (reg 20(10)) or outside one (reg 31(2))."""
    return event.type is EventType.CEASE_NOTICE_SENT or (
        event.type is EventType.REVIEW_DECISION and event.get("outcome") == "cease"
    )


# -- a request and its assessment --------------------------------------------


def request_received(replay: Replay, event: Event) -> None:
    """Reg 5(1): decide whether to assess within 6 weeks of the request, R + 42.

    R also starts the reg 10(1) and 13(2) clocks, made when the LA decides to assess.
    """
    on = event.date
    replay.request = on
    replay.add("decision_to_assess", on, ts.decision_to_assess_due(on), f"{REGS} reg 5(1)")


def decision_to_assess(replay: Replay, event: Event) -> None:
    """Reg 5(1) met, and an order to assess; then the reg 10(1) and 13(2) clocks start.

    They run from the request or, after an order to assess, from the order, with the
    shorter reg 44(2)(b) periods.
    """
    on = event.date
    replay.meet("decision_to_assess", on)
    replay.meet("order_compliance", on, every=True, ref="assess")
    after_order = replay.assess_order is not None
    start = replay.assess_order if replay.assess_order is not None else replay.request
    assert start is not None  # the machine only assesses a requested case
    regs = ("reg 44(2)(b)", "reg 44(2)(b)") if after_order else ("reg 10(1)", "reg 13(2)")
    # After an order the exceptions are reg 44(3)'s, not reg 10(4)'s (spec 4, v3 change 7).
    reasons = REG_44_3_REASONS if after_order else REG_10_4_REASONS
    replay.add(
        "decision_not_to_issue",
        start,
        ts.decision_not_to_issue_due(start, after_order=after_order),
        f"{REGS} {regs[0]}",
        exceptions=reasons,
    )
    replay.add(
        "final_plan",
        start,
        ts.final_plan_due(
            start,
            twenty_week_days=replay.settings.twenty_week_days,
            after_order=after_order,
        ),
        f"{REGS} {regs[1]}",
        exceptions=reasons,
    )


def decision_not_to_assess(replay: Replay, event: Event) -> None:
    """Reg 5(1) met by a decision either way; an earlier order to assess is spent (spec 3, S)."""
    replay.meet("decision_to_assess", event.date)
    replay.assess_order = None


def advice_requested(replay: Replay, event: Event) -> None:
    """Reg 8(1): advice within 6 weeks of the adviser receiving the request.

    The clock runs from `received_on`, else the event's date. The family's own advice
    has no statutory clock, but its request is still paired with its answer.
    """
    starts = event.get("received_on") or event.date
    advice, ref = event.get("advice"), event.get("ref")
    deadline = None
    if advice != "parent":
        deadline = replay.add(
            "advice",
            starts,
            ts.advice_due(starts),
            f"{REGS} reg 8(1)",
            party="adviser",
            advice=advice,
            ref=ref,
        )
    replay.advice_requests.append((advice, ref, starts, deadline))


def advice_received(replay: Replay, event: Event) -> None:
    """Reg 8(1): meets the oldest open request of that advice and ref that the adviser had
    received by the advice's date (spec v3 change 5).

    The machine's guard has checked there is one.
    """
    on, advice, ref = event.date, event.get("advice"), event.get("ref")
    for i, (kind, request_ref, starts, deadline) in enumerate(replay.advice_requests):
        if kind == advice and request_ref == ref and starts <= on:
            del replay.advice_requests[i]
            if deadline is not None and deadline.open:
                deadline.met_on = on
            return


def exception_recorded(replay: Replay, event: Event) -> None:
    """Spec section 4 (reg 5(4), 8(2), 10(4), 13(3), 27(3), 44(3)): excuses one deadline.

    The most recently created deadline of its kind (and advice and ref), met or not;
    with none, or when the reason is not one the regulation that set that deadline
    allows (v3 change 7), the event is an input error. It never moves the due date.
    """
    kind = event.get("applies_to")
    advice, ref = event.get("advice"), event.get("ref")
    for d in reversed(replay.deadlines):
        if d.kind != kind:
            continue
        if kind == "advice" and (d.advice != advice or d.ref != ref):
            continue
        if kind == "order_compliance" and ref is not None and d.ref != ref:
            continue
        reason = event.get("reason")
        if reason not in d.exceptions:
            raise InvalidException(
                f"{_case(replay)}{event.describe()}: {_reason_words(reason)} is not an "
                "allowed exception for "
                f"the {_kind_words(d)} deadline set under {d.regulation}; it allows "
                f"{', '.join(_reason_words(r) for r in d.exceptions)}"
            )
        # The latest reason wins; `exception_on` keeps the first day it was excused,
        # so an as-of query (workflow.deadline_store) knows since when it is no breach.
        d.exception = event.get("reason")
        d.exception_on = d.exception_on or event.date
        return
    which = kind if kind != "advice" else f"{advice} advice" + (f" {ref}" if ref else "")
    raise InvalidException(
        f"{_case(replay)}{event.describe()}: there is no {which} deadline for the exception "
        "to apply to"
    )


def _case(replay: Replay) -> str:
    return f"Case {replay.case_ref}: " if replay.case_ref else ""


def _reason_words(reason: str) -> str:
    return reason.replace("_", " ")


def _kind_words(deadline: Deadline) -> str:
    return deadline.kind.replace("_", " ")


def _close_advice_requests(replay: Replay) -> None:
    """Reg 8(1) v3: a withdrawal, a decision not to issue or the end of the plan closes
    every open advice request; a closed request never pairs with advice."""
    replay.advice_requests.clear()


def decision_not_to_issue(replay: Replay, event: Event) -> None:
    """Reg 10(1) met; with no plan to come, advice and the reg 13(2) final plan end.

    That final plan never lapses (spec section 5): the LA decided in time not to make it.
    """
    on = event.date
    replay.meet("decision_not_to_issue", on)
    replay.cancel(("advice",), on)
    _close_advice_requests(replay)
    replay.cancel(("final_plan",), on, never_lapse=True)


def draft_plan_issued(replay: Replay, event: Event) -> None:
    """CFA s.38: a draft ends the reg 10(1) limit and meets an order's draft step.

    Reg 13(1)(a): the family has at least 15 days for representations, beginning with
    the day served (`served_on`, else the event's date).
    """
    on = event.date
    replay.cancel(("decision_not_to_issue",), on)
    replay.meet("order_compliance", on, every=True, ref="issue_plan_draft")
    served = event.get("served_on") or on
    window = replay.add_window("representations", served, ts.representations_close(served))
    replay.representations_close = window.closes


def final_plan_issued(replay: Replay, event: Event) -> None:
    """Reg 13(2) met, and an order's final step; the reg 10(1) limit ends.

    The plan's first CFA s.44(1) review year starts. Issued before the reg 13(1)(a)
    window closes, the plan is lawful only with the family's agreement: a warning says so.
    """
    on = event.date
    replay.meet("final_plan", on)
    replay.meet("order_compliance", on, every=True, ref="issue_plan_final")
    replay.cancel(("decision_not_to_issue",), on)
    if replay.representations_close is not None and on < replay.representations_close:
        replay.warnings.append(
            f"The final plan was issued on {on.isoformat()}, before the family's "
            f"representations window closed on {replay.representations_close.isoformat()}. "
            "That is lawful only if they made their representations or agreed."
        )
    _next_annual_review(replay, on)


def request_withdrawn(replay: Replay, event: Event) -> None:
    """Spec section 3: a withdrawn request ends the reg 5(1), 8(1), 10(1) and 13(2) clocks,
    and (v3 change 6) its orders (reg 44, 42(2), 45) and mediation: lapsed if already late."""
    replay.cancel(
        (
            "decision_to_assess",
            "advice",
            "decision_not_to_issue",
            "final_plan",
            "order_compliance",
            "mediation",
        ),
        event.date,
    )
    _close_advice_requests(replay)


# -- a plan in force ------------------------------------------------------------


def _next_annual_review(replay: Replay, on: date) -> None:
    """CFA s.44(1): a review within the period of 12 months starting with `on`."""
    replay.add("annual_review", on, ts.annual_review_due(on), ANNUAL_REVIEW_LAW)


def plan_transferred_in(replay: Replay, event: Event) -> None:
    """Reg 15(5): review by the later of 12 months from the last review and 3 from the move.

    Reg 15(4): the new LA's notice to the family within 6 weeks of the transfer.
    """
    on = event.date
    replay.add(
        "annual_review",
        on,
        ts.transfer_in_review_due(on, event.get("last_reviewed")),
        f"{REGS} reg 15(5)",
    )
    replay.add("transfer_notice", on, ts.transfer_notice_due(on), f"{REGS} reg 15(4)")


def transfer_notice_sent(replay: Replay, event: Event) -> None:
    """Reg 15(4) met."""
    replay.meet("transfer_notice", event.date)


def review_meeting_held(replay: Replay, event: Event) -> None:
    """Reg 20(7) report within 2 weeks, reg 20(10) decision within 4, of the meeting M.

    A reconvened meeting replaces the earlier one's clocks. M caps an amendment the
    review decides on (R (L, M & P) v Devon [2022] EWHC 493).
    """
    on = event.date
    replay.cancel(("review_report", "review_decision"), on)
    # Reg 20(4): the papers for a meeting held on or after its planned day, or for an
    # earlier notice, are no longer due (spec 3, second review).
    replay.cancel(
        ("review_papers",),
        on,
        keep=lambda d: not (on >= ts.meeting_of_notice(d.due) or on > d.starts),
    )
    replay.add(
        "review_report", on, ts.review_report_due(on), f"{REGS} reg 20(7)", party="institution"
    )
    replay.add("review_decision", on, ts.review_decision_due(on), f"{REGS} reg 20(10)")
    replay.latest_meeting = on
    replay.review_amendment_unfinished = False


def review_report_sent(replay: Replay, event: Event) -> None:
    """Reg 20(7) met."""
    replay.meet("review_report", event.date)


def review_decision(replay: Replay, event: Event) -> None:
    """Reg 20(10) and the CFA s.44(1) review met; the next review year starts.

    Cease meets every open one and starts no year. Maintain also meets the reg 18(1)
    phase transfer review. Amend lets the Devon cap apply to the amendment notice.
    """
    on = event.date
    outcome = event.get("outcome")
    cease = outcome == "cease"
    replay.meet("review_decision", on, every=cease)
    replay.meet("annual_review", on, every=cease)
    if outcome == "maintain":
        replay.meet("phase_transfer", on)
        replay.phase_qualifiers.append(on)
    if outcome == "amend":
        replay.review_amendment_unfinished = True
    if cease:
        replay.latest_cease_decision = on
    else:
        _next_annual_review(replay, on)


def amendment_notice_sent(replay: Replay, event: Event) -> None:
    """Reg 22(3): the amended plan within 8 weeks of the notice N, replacing an earlier one.

    While the amendment a review decided is unfinished, never later than 12 weeks from its
    meeting M (R (L, M & P) v Devon [2022] EWHC 493); any other amendment (reg 28) gets
    N + 8 weeks (v3 change 4). During a re-assessment the draft is this notice, but reg 27
    governs its end (`reassessment_final`): no reg 22(3) deadline. Reg 22(2)(c): 15 days
    for representations, beginning with the day served.
    """
    on = event.date
    replay.cancel(("amended_plan",), on)
    if not replay.has_open("reassessment_final"):
        cap_from = replay.latest_meeting if replay.review_amendment_unfinished else None
        replay.add(
            "amended_plan",
            on,
            ts.amended_plan_due(on, review_meeting=cap_from),
            f"{REGS} reg 22(3)",
        )
    served = event.get("served_on") or on
    replay.add_window("amendment_representations", served, ts.representations_close(served))


def amended_plan_issued(replay: Replay, event: Event) -> None:
    """Reg 22(3) and the reg 18(1) phase transfer met, and an order to amend or name a school."""
    on = event.date
    replay.meet("amended_plan", on)
    replay.meet("phase_transfer", on)
    replay.meet("order_compliance", on, every=True, ref="amend")
    replay.meet("order_compliance", on, every=True, ref="name_school")
    replay.meet("reassessment_final", on)  # reg 27(2): the plan after a re-assessment
    replay.phase_qualifiers.append(on)
    replay.review_amendment_unfinished = False


def decision_not_to_amend(replay: Replay, event: Event) -> None:
    """Reg 22(4): deciding not to amend meets the amended plan and the reg 18(1) transfer.

    ⚠ Convention (spec 3): it also closes a re-assessment that found nothing to change.
    """
    on = event.date
    replay.meet("amended_plan", on)
    replay.meet("phase_transfer", on)
    replay.meet("reassessment_final", on)
    replay.phase_qualifiers.append(on)
    replay.review_amendment_unfinished = False


def phase_transfer_scheduled(replay: Replay, event: Event) -> None:
    """Reg 18(1): review and amend before 15 February (school) or 31 March (post-16),
    from 1 September of the year before; reg 18(2): at least 5 months before a move
    between post-16 institutions on a date.

    The day before or the day itself by the setting `phase_transfer_rule`; a later
    schedule replaces the earlier. The duty arises from the transfer, not its record
    (v3 change 3): a review or amendment already done on or after `starts` meets it.
    """
    on = event.date
    replay.cancel(("phase_transfer",), on)
    to = event.get("to")
    if to == "post16_institution":
        transfer = event.get("transfer_date")
        starts = ts.post16_institution_transfer_starts(transfer)
        due = ts.post16_institution_transfer_due(transfer)
        law = f"{REGS} reg 18(2)"
    else:
        year = event.get("transfer_year")
        starts = ts.phase_transfer_starts(year)
        due = ts.phase_transfer_due(year, to, rule=replay.settings.phase_transfer_rule)
        law = f"{REGS} reg 18(1)"
    deadline = replay.add("phase_transfer", starts, due, law)
    done = [day for day in replay.phase_qualifiers if day >= starts]
    if done:
        deadline.met_on = min(done)


def _end_plan_duties(replay: Replay, on: date, *, keep_cease_mediation: bool) -> None:
    """Spec 3, v3 change 6: the plan's duties end with it: cancelled, or lapsed if late.

    A mediation requested on or after the latest cease decision survives a plan_ceased:
    that decision is appealable (CFA s.51(2)(f)) and reg 31(3)(c) offers the mediation.
    """
    replay.cancel(PLAN_DUTIES, on)
    cease = replay.latest_cease_decision
    replay.cancel(
        ("mediation",),
        on,
        keep=lambda d: keep_cease_mediation and cease is not None and d.starts >= cease,
    )
    _close_advice_requests(replay)


def plan_ceased(replay: Replay, event: Event) -> None:
    """CFA s.45: a ceased plan ends its review, amendment, transfer, re-assessment, advice,
    order and mediation clocks; not a transfer out still owed (reg 15(2), spec 3)."""
    _end_plan_duties(replay, event.date, keep_cease_mediation=True)
    replay.ceased_on = event.date


def plan_transferred_out(replay: Replay, event: Event) -> None:
    """Reg 15(2) met: the plan is the new authority's, so every duty of this one ends,
    a mediation about a cease decision too (spec 3)."""
    replay.meet("transfer_out", event.date)
    _end_plan_duties(replay, event.date, keep_cease_mediation=False)


def move_reported(replay: Replay, event: Event) -> None:
    """Reg 15(2): transfer the plan on the move date if known 15 working days before,
    else within 15 working days beginning with the day the LA knew; a later report of
    the move replaces the earlier."""
    on = event.date
    replay.cancel(("transfer_out",), on)
    due = ts.transfer_out_due(on, event.get("move_date"), replay.working_days)
    replay.add("transfer_out", on, due, f"{REGS} reg 15(2)")


# -- review meeting notice and papers (v3) -------------------------------------------


def review_meeting_notice_sent(replay: Replay, event: Event) -> None:
    """Reg 20(3), 21(3): notice of the meeting at least two weeks before it (born met, on
    its own date); reg 20(4), 21(4): the papers circulated by then. A later notice
    replaces the earlier notice's papers."""
    on = event.date
    due = ts.review_notice_due(event.get("meeting_date"))
    replay.cancel(("review_papers",), on)
    notice = replay.add("review_meeting_notice", on, due, f"{REGS} reg 20(3), 21(3)")
    notice.met_on = on
    replay.add("review_papers", on, due, f"{REGS} reg 20(4), 21(4)", party="institution")


def review_papers_circulated(replay: Replay, event: Event) -> None:
    """Reg 20(4), 21(4) met."""
    replay.meet("review_papers", event.date)


# -- re-assessment (v3) ------------------------------------------------------------


def reassessment_requested(replay: Replay, event: Event) -> None:
    """Reg 25(1): notify whether it will re-assess within 15 days of the request Q."""
    on = event.date
    replay.add("reassessment_decision", on, ts.reassessment_decision_due(on), f"{REGS} reg 25(1)")


def decision_to_reassess(replay: Replay, event: Event) -> None:
    """Reg 25(1) met, and an order to re-assess (reg 44(2)(b), 45(3)); reg 27(2): the plan
    within 14 weeks of this decision D, or of the order T after one (reg 44(2)(b)(ii),
    45(3A)(b)), with that order's reg 44(3) exceptions."""
    on = event.date
    replay.meet("reassessment_decision", on)
    replay.meet("order_compliance", on, every=True, ref="reassess")
    order = replay.reassess_order
    if order is not None:
        replay.add(
            "reassessment_final",
            order.date,
            ts.reassessment_final_due(order.date),
            REASSESS_ORDER_REGULATION.get(order.type, f"{REGS} reg 44(2)(b)(ii)"),
            exceptions=REG_44_3_REASONS,
        )
        replay.reassess_order = None
    else:
        replay.add("reassessment_final", on, ts.reassessment_final_due(on), f"{REGS} reg 27(2)")


def decision_not_to_reassess(replay: Replay, event: Event) -> None:
    """Reg 25(1) met by a refusal, appealable (CFA s.51(2)(d)); an earlier order is spent."""
    replay.meet("reassessment_decision", event.date)
    replay.reassess_order = None


# -- ceasing outside a review (v3) ----------------------------------------------------


def cease_proposed(replay: Replay, event: Event) -> None:
    """Reg 31(1): the LA tells the family it is considering ceasing and consults; no clock."""


def cease_notice_sent(replay: Replay, event: Event) -> None:
    """CFA s.45, reg 31(2)-(3): the decision to cease, appealable (`APPEAL_NOTICES`)."""
    replay.latest_cease_decision = event.date


# -- disputes ---------------------------------------------------------------------


def mediation_requested(replay: Replay, event: Event) -> None:
    """SEND Regulations 2014, mediation: within 30 days (not weeks) of the LA being told."""
    on = event.date
    # The spec cites no paragraph: the 30-day rule's paragraph is unconfirmed (not reg 37).
    replay.add("mediation", on, ts.mediation_due(on), f"{REGS}, mediation (30 days)")


def mediation_held(replay: Replay, event: Event) -> None:
    """SEND Regulations 2014, mediation: met when held."""
    replay.meet("mediation", event.date)


def mediation_withdrawn(replay: Replay, event: Event) -> None:
    """SEND Regulations 2014, mediation: ends when the family no longer wants it."""
    replay.cancel(("mediation",), event.date)


def mediation_adviser_contacted(replay: Replay, event: Event) -> None:
    """Reg 33: the family contacted the mediation adviser. No effect on any date (spec 6,
    v3 change 2): it marks the case disputed in the scorecard."""


def mediation_certificate_issued(replay: Replay, event: Event) -> None:
    """HESC r.20(1)(c): a certificate can extend the appeal window of the notice before it."""
    replay.certificates.append((replay.position, event.date))


def order_made(replay: Replay, event: Event) -> None:
    """Reg 44(2) Tribunal order, 42(2) mediation agreement, 45 concession: each step's clock.

    An order to assess also restarts the reg 10(1) and 13(2) clocks from the order
    (reg 44(2)(b)), when the LA then decides to assess.
    """
    on = event.date
    order = event.get("order")
    for ref, due in ts.order_steps(order, on):
        replay.add("order_compliance", on, due, ORDER_REGULATION[event.type], ref=ref)
    if order == "assess":
        replay.assess_order = on
    elif order == "reassess":
        replay.reassess_order = event


def appeal_registered(replay: Replay, event: Event) -> None:
    """CFA s.51: creates nothing; an appeal only marks the case as disputed.

    Its window runs from the notice appealed (HESC r.20(1)(c), `opens_appeal`).
    """


Effect = Callable[["Replay", Event], None]

# Every event type, in the spec's processing order.
EFFECTS: dict[EventType, Effect] = {
    EventType.REQUEST_RECEIVED: request_received,
    EventType.PLAN_TRANSFERRED_IN: plan_transferred_in,
    EventType.REASSESSMENT_REQUESTED: reassessment_requested,
    EventType.MOVE_REPORTED: move_reported,
    EventType.MEDIATION_ADVISER_CONTACTED: mediation_adviser_contacted,
    EventType.MEDIATION_REQUESTED: mediation_requested,
    EventType.MEDIATION_HELD: mediation_held,
    EventType.MEDIATION_WITHDRAWN: mediation_withdrawn,
    EventType.MEDIATION_CERTIFICATE_ISSUED: mediation_certificate_issued,
    EventType.MEDIATION_AGREEMENT: order_made,
    EventType.APPEAL_REGISTERED: appeal_registered,
    EventType.APPEAL_CONCEDED: order_made,
    EventType.TRIBUNAL_ORDER: order_made,
    EventType.DECISION_TO_ASSESS: decision_to_assess,
    EventType.DECISION_NOT_TO_ASSESS: decision_not_to_assess,
    EventType.DECISION_TO_REASSESS: decision_to_reassess,
    EventType.DECISION_NOT_TO_REASSESS: decision_not_to_reassess,
    EventType.ADVICE_REQUESTED: advice_requested,
    EventType.ADVICE_RECEIVED: advice_received,
    EventType.EXCEPTION_RECORDED: exception_recorded,
    EventType.DECISION_NOT_TO_ISSUE: decision_not_to_issue,
    EventType.DRAFT_PLAN_ISSUED: draft_plan_issued,
    EventType.FINAL_PLAN_ISSUED: final_plan_issued,
    EventType.REVIEW_MEETING_NOTICE_SENT: review_meeting_notice_sent,
    EventType.REVIEW_PAPERS_CIRCULATED: review_papers_circulated,
    EventType.REVIEW_MEETING_HELD: review_meeting_held,
    EventType.REVIEW_REPORT_SENT: review_report_sent,
    EventType.REVIEW_DECISION: review_decision,
    EventType.AMENDMENT_NOTICE_SENT: amendment_notice_sent,
    EventType.AMENDED_PLAN_ISSUED: amended_plan_issued,
    EventType.DECISION_NOT_TO_AMEND: decision_not_to_amend,
    EventType.PHASE_TRANSFER_SCHEDULED: phase_transfer_scheduled,
    EventType.TRANSFER_NOTICE_SENT: transfer_notice_sent,
    EventType.CEASE_PROPOSED: cease_proposed,
    EventType.CEASE_NOTICE_SENT: cease_notice_sent,
    EventType.REQUEST_WITHDRAWN: request_withdrawn,
    EventType.PLAN_TRANSFERRED_OUT: plan_transferred_out,
    EventType.PLAN_CEASED: plan_ceased,
}
