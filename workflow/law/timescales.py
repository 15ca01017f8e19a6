"""Statutory time limits as pure functions of dates (spec deadlines.md sections 1, 3, 6).

Each function cites the law it implements. No database, no clock, no I/O:
callers pass every date in. Weekends and holidays never move a statutory date,
except where a rule says working days (`appeal_closes`, via `calendar`).
"""

from __future__ import annotations

import calendar as _cal
from datetime import date, timedelta

from workflow.law.calendar import WorkingDays

# Calendar-week periods, in days.
DECISION_TO_ASSESS_DAYS = 42  # reg 5(1): "within 6 weeks" of the request
ADVICE_DAYS = 42  # reg 8(1): "within 6 weeks" of the request for advice being received
DECISION_NOT_TO_ISSUE_DAYS = 112  # reg 10(1): "within 16 weeks" of the request
TWENTY_WEEK_DAYS = 140  # reg 13(2): "within 20 weeks"; 139 is the DfE "day 1" reading
ORDER_DECISION_NOT_TO_ISSUE_DAYS = 70  # reg 44(2)(b): 10 weeks from the order
ORDER_FINAL_PLAN_DAYS = 98  # reg 44(2)(b): 14 weeks from the order
REVIEW_REPORT_DAYS = 14  # reg 20(7): "within 2 weeks" of the review meeting
REVIEW_DECISION_DAYS = 28  # reg 20(10): "within 4 weeks" of the review meeting
AMENDED_PLAN_DAYS = 56  # reg 22(3): "within 8 weeks" of the proposed amendments
DEVON_CAP_DAYS = 84  # Devon [2022] EWHC 493: 12 weeks from the review meeting
TRANSFER_NOTICE_DAYS = 42  # reg 15(4): "within 6 weeks" of the transfer
MEDIATION_DAYS = 30  # mediation within 30 days of the LA being told (SEND Regs 2014)
REPRESENTATIONS_DAYS = 15  # reg 13(1)(a), 22(2)(c): "at least 15 days beginning with"
REASSESSMENT_DECISION_DAYS = 15  # reg 25(1): "within 15 days" of the request
REASSESSMENT_FINAL_DAYS = 98  # reg 27(2); reg 44(2)(b)(ii), 45(3A)(b): 14 weeks
REVIEW_NOTICE_DAYS = 14  # reg 20(3)-(4), 21(3)-(4): "at least two weeks before" the meeting
TRANSFER_OUT_WORKING_DAYS = 15  # reg 15(2): 15 working days

# Orders (reg 44(2), 42(2), 45), by step.
ORDER_ASSESS_DAYS = 14  # reg 44(2): 2 weeks
ORDER_ISSUE_DRAFT_DAYS = 35  # reg 44(2): draft within 5 weeks
ORDER_ISSUE_FINAL_DAYS = 77  # reg 44(2): final within 11 weeks
ORDER_AMEND_DAYS = 35  # reg 44(2): 5 weeks
ORDER_NAME_SCHOOL_DAYS = 14  # reg 44(2): 2 weeks
ORDER_REASSESS_DAYS = 14  # reg 44(2)(b), 45(3): notify the re-assessment within 2 weeks

APPEAL_MONTHS = 2  # HESC r.20(1)(c): 2 months after the notice
APPEAL_AFTER_CERTIFICATE_MONTHS = 1  # r.20(1)(c)(ii): 1 month after the certificate
ANNUAL_REVIEW_MONTHS = 12  # CFA s.44(1): every period of 12 months
TRANSFER_REVIEW_MONTHS = 3  # reg 15(5): within 3 months of the transfer
POST16_INSTITUTION_MONTHS = 5  # reg 18(2): "at least five months before" the transfer
POST16_INSTITUTION_START_MONTHS = 12  # ⚠ borrowed from reg 18(1) "within 12 months"

# Reg 18(1): phase transfer reviews, "before 15 February" (school) / "31 March" (post-16).
PHASE_TRANSFER_LIMIT = {"school": (2, 15), "post16": (3, 31)}


def weeks_after(day: date, days: int) -> date:
    """'Within N weeks of' day D: D + 7N calendar days (section 1)."""
    return day + timedelta(days=days)


def add_months(day: date, months: int) -> date:
    """Same day of the month N months on, clamped to that month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = _cal.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def period_end(start: date, months: int) -> date:
    """Last day of 'a period of N months starting with' `start` (section 1).

    X = add_months(start, N). When X has start's day of the month the period
    ends the day before X; when that month has no such day, it ends on X (the
    month's last day): 29 Feb 2024 + 12 months -> 28 Feb 2025.
    """
    x = add_months(start, months)
    return x - timedelta(days=1) if x.day == start.day else x


def decision_to_assess_due(request: date) -> date:
    """Reg 5(1): notify the decision whether to assess within 6 weeks of the request."""
    return weeks_after(request, DECISION_TO_ASSESS_DAYS)


def advice_due(received: date) -> date:
    """Reg 8(1): advice within 6 weeks of the request for it being received."""
    return weeks_after(received, ADVICE_DAYS)


def decision_not_to_issue_due(start: date, *, after_order: bool) -> date:
    """Reg 10(1): 16 weeks from the request; reg 44(2)(b): 10 weeks from an order."""
    days = ORDER_DECISION_NOT_TO_ISSUE_DAYS if after_order else DECISION_NOT_TO_ISSUE_DAYS
    return weeks_after(start, days)


def final_plan_due(start: date, *, twenty_week_days: int, after_order: bool) -> date:
    """Reg 13(2): final plan within 20 weeks of the request; reg 44(2)(b): 14 weeks of an order."""
    return weeks_after(start, ORDER_FINAL_PLAN_DAYS if after_order else twenty_week_days)


def annual_review_due(start: date) -> date:
    """CFA s.44(1): review within each period of 12 months starting with the plan or last review."""
    return period_end(start, ANNUAL_REVIEW_MONTHS)


def transfer_in_review_due(transferred: date, last_reviewed: date) -> date:
    """Reg 15(5): the later of 12 months from the last review and 3 months from the transfer."""
    return max(
        period_end(last_reviewed, ANNUAL_REVIEW_MONTHS),
        period_end(transferred, TRANSFER_REVIEW_MONTHS),
    )


def review_report_due(meeting: date) -> date:
    """Reg 20(7): report of the review meeting within 2 weeks of it."""
    return weeks_after(meeting, REVIEW_REPORT_DAYS)


def review_decision_due(meeting: date) -> date:
    """Reg 20(10): the LA's decision within 4 weeks of the review meeting."""
    return weeks_after(meeting, REVIEW_DECISION_DAYS)


def amended_plan_due(notice: date, *, review_meeting: date | None = None) -> date:
    """Reg 22(3): amended plan within 8 weeks of the proposed amendments.

    After a review decision to amend, Devon [2022] EWHC 493 caps it at 12 weeks
    from the review meeting, so the due date may precede the notice.
    """
    due = weeks_after(notice, AMENDED_PLAN_DAYS)
    if review_meeting is not None:
        due = min(due, weeks_after(review_meeting, DEVON_CAP_DAYS))
    return due


def phase_transfer_starts(transfer_year: int) -> date:
    """Reg 18(1): the duty arises within 12 months of the September transfer.

    It starts on 1 September of the year before, whenever the transfer was recorded
    (spec v3 change 3): the duty comes from the child's age, not from the record.
    """
    return date(transfer_year - 1, 9, 1)


def post16_institution_transfer_starts(transfer: date) -> date:
    """Reg 18(2) gives no start; ⚠ the spec borrows reg 18(1)'s 12 months: T - 12 months."""
    return add_months(transfer, -POST16_INSTITUTION_START_MONTHS)


def post16_institution_transfer_due(transfer: date) -> date:
    """Reg 18(2): review and amend "at least five months before" the transfer T.

    add_months(T, -5), clamped at a month's end: the earlier, stricter of the two readings
    of a missing day (31 Jul -> 28 Feb, not 3 Mar), so no LA is told it has longer.
    """
    return add_months(transfer, -POST16_INSTITUTION_MONTHS)


def phase_transfer_due(transfer_year: int, to: str, *, rule: str = "before") -> date:
    """Reg 18(1): amended plan 'before 15 February' (school) or '31 March' (post-16).

    `rule` "before" reads the regulation's word (14 Feb / 30 Mar); "by" is the
    common council reading (15 Feb / 31 Mar).
    """
    month, day = PHASE_TRANSFER_LIMIT[to]
    limit = date(transfer_year, month, day)
    if rule == "before":
        return limit - timedelta(days=1)
    if rule == "by":
        return limit
    raise ValueError(f"phase_transfer_rule must be before or by, not {rule!r}")


def transfer_notice_due(transferred: date) -> date:
    """Reg 15(4): the new LA tells the family within 6 weeks of the transfer."""
    return weeks_after(transferred, TRANSFER_NOTICE_DAYS)


def mediation_due(requested: date) -> date:
    """SEND Regulations 2014: mediation within 30 days of the LA being told (the spec
    cites no paragraph; the rule's paragraph is unconfirmed, not reg 37)."""
    return requested + timedelta(days=MEDIATION_DAYS)


ORDER_STEPS: dict[str, tuple[tuple[str, int], ...]] = {
    # order -> (ref, days from the order) for each step it obliges (reg 44(2)).
    "assess": (("assess", ORDER_ASSESS_DAYS),),
    "issue_plan": (
        ("issue_plan_draft", ORDER_ISSUE_DRAFT_DAYS),
        ("issue_plan_final", ORDER_ISSUE_FINAL_DAYS),
    ),
    "amend": (("amend", ORDER_AMEND_DAYS),),
    "name_school": (("name_school", ORDER_NAME_SCHOOL_DAYS),),
    "reassess": (("reassess", ORDER_REASSESS_DAYS),),
}


def order_steps(order: str, made: date) -> list[tuple[str, date]]:
    """Reg 44(2) (and 42(2), 45): each step an order obliges, with its due date."""
    return [(ref, made + timedelta(days=days)) for ref, days in ORDER_STEPS[order]]


def reassessment_decision_due(requested: date) -> date:
    """Reg 25(1): notify whether it will re-assess "within 15 days" of the request Q."""
    return requested + timedelta(days=REASSESSMENT_DECISION_DAYS)


def reassessment_final_due(start: date) -> date:
    """Reg 27(2): the plan amended, replaced or left as it was within 14 weeks of the
    decision to re-assess; after an order, 14 weeks of it (reg 44(2)(b)(ii), 45(3A)(b))."""
    return weeks_after(start, REASSESSMENT_FINAL_DAYS)


def review_notice_due(meeting: date) -> date:
    """Reg 20(3)-(4), 21(3)-(4): notice, and the papers, "at least two weeks before" the
    meeting P: P - 14."""
    return meeting - timedelta(days=REVIEW_NOTICE_DAYS)


def meeting_of_notice(papers_due: date) -> date:
    """The meeting day P of a review_papers deadline due P - 14."""
    return papers_due + timedelta(days=REVIEW_NOTICE_DAYS)


def transfer_out_due(aware: date, move: date, working_days: WorkingDays) -> date:
    """Reg 15(2): transfer the plan on the move date V when the old LA knew at least 15
    working days before (counting the day it knew A, to the day before V); else within
    15 working days beginning with A."""
    if working_days.count(aware, move - timedelta(days=1)) >= TRANSFER_OUT_WORKING_DAYS:
        return move
    return working_days.nth_beginning_with(aware, TRANSFER_OUT_WORKING_DAYS)


def representations_close(served: date) -> date:
    """Reg 13(1)(a), 22(2)(c): at least 15 days *beginning with* the day served."""
    return served + timedelta(days=REPRESENTATIONS_DAYS - 1)


def appeal_closes(notice: date, certificate: date | None, working_days: WorkingDays) -> date:
    """HESC r.20(1)(c): 2 months after the notice, or 1 month after a mediation certificate.

    Then exactly one move, once (spec v3 change 1): r.12(3)(a), a date in August moves to
    the first working day after 31 August, and one from 25 December to 1 January to the
    first working day after 1 January; else r.12(2), a non-working day moves to the next
    working day. The moved day is not moved again: the family is never told it has longer.
    """
    closes = add_months(notice, APPEAL_MONTHS)
    if certificate is not None:
        closes = max(closes, add_months(certificate, APPEAL_AFTER_CERTIFICATE_MONTHS))
    return roll_once(closes, working_days)


def roll_once(closes: date, working_days: WorkingDays) -> date:
    """HESC r.12(3)(a) then r.12(2), whichever applies first, applied once."""
    if closes.month == 8:
        return working_days.next_on_or_after(date(closes.year, 9, 1))
    if (closes.month, closes.day) >= (12, 25) or (closes.month, closes.day) == (1, 1):
        year = closes.year + 1 if closes.month == 12 else closes.year
        return working_days.next_on_or_after(date(year, 1, 2))
    return working_days.next_on_or_after(closes)
