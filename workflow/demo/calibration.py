"""Calibration of the synthetic cohort: every rate and timing the stories draw on.

Figures marked BCP come from the SEND improvement plan 2023-26
(`../shared/reference/bcp-send-improvement-plan-2023-26.txt`): the "Key Performance
Indicators" table of priority 5, lines 326-334 (Dec-23 to Mar-24), and the narrative
of actions 5.4 to 5.10 (lines 348-364). Figures marked ASSUMED are not in the plan:
they are plausible shares chosen so the demo shows every kind of event.
"""

from __future__ import annotations

from typing import Final

# -- assessments -------------------------------------------------------------------------
# BCP line 328: "% of new EHCPs issued within 20 weeks (including exceptions)" rose from
# 12.2% (Dec-23) through 27.9% and 52.9% to 67.1% (Mar-24). The cohort's plans move
# linearly from the first figure to the last across its months.
PLAN_ON_TIME_FIRST: Final = 0.122
PLAN_ON_TIME_LAST: Final = 0.671
# BCP line 351: average time to complete an assessment fell from 44.3 weeks (Aug-23) to
# below 30 weeks (Mar-24). A late plan comes this many days after its 20-week limit, at
# most (uniformly up to it), shrinking across the cohort's months.
PLAN_LATE_MAX_DAYS_FIRST: Final = 24 * 7
PLAN_LATE_MAX_DAYS_LAST: Final = 10 * 7
# BCP line 329: 183 assessments "waiting over 20 weeks" in Dec-23, against about 70 new
# assessments a month (line 549): the cohort opens with about 2.6 months' requests
# already over 20 weeks old (requested up to 40 weeks before its start).
OPEN_AT_START: Final = 0.07
OPEN_AT_START_MAX_WEEKS: Final = 40
# BCP line 356 (action 5.6): "99% of 6 week decision making made within statutory timescales".
DECISION_ON_TIME: Final = 0.99
# BCP line 330: EP advice in 6 weeks 94.1%, 94.3%, 98%, 91.8% (band 92-98%).
# BCP line 331: health advice 89.7%, 72.7%, 93.2%, 91.1% (band 73-93%).
# BCP line 332: social care advice 60.0%, 16.7%, 25.7%, 47.3% (band 17-60%).
# Educational advice is not in the plan (ASSUMED).
ADVICE_ON_TIME: Final = {
    "psychological": 0.945,
    "health": 0.87,
    "social_care": 0.38,
    "educational": 0.85,
    "parent": 1.0,  # the family's own advice has no statutory clock
}
ADVICE_LATE_MAX_DAYS: Final = 70  # late advice comes up to 10 weeks after its limit (ASSUMED)
# BCP line 186: requests from parents fell from 58% to 22%; the rest from schools and others.
REQUEST_SOURCES: Final = {"parent": 0.40, "school": 0.45, "health": 0.08, "social_care": 0.07}

# -- outcomes (ASSUMED; the plan gives no rates) ------------------------------------------
TRANSFER_IN: Final = 0.08  # a plan transferred in from another council (reg 15)
REFUSED: Final = 0.20  # decision not to assess
REFUSAL_MEDIATION: Final = 0.30  # of refusals: mediation, then an appeal
REFUSAL_APPEAL_ORDER: Final = 0.60  # of those appeals: a Tribunal order to assess
WITHDRAWN_BEFORE_DECISION: Final = 0.03
WITHDRAWN_IN_ASSESSMENT: Final = 0.04
NOT_ISSUED: Final = 0.06  # decision not to issue a plan after assessment
NOT_ISSUED_ORDER: Final = 0.35  # of those: an appeal and an order to issue a plan
ADVICE_EXCEPTION: Final = 0.03  # a missed appointment excuses EP advice (reg 8(2))
PLAN_EXCEPTION: Final = 0.05  # personal circumstances excuse the 20 weeks (reg 13(3))
CONTENTS_APPEAL: Final = 0.04  # a year of a plan: appeal against its contents, then an order
# Disputes (spec v3): a family contacts the mediation adviser before mediation or an appeal
# (reg 33); some go no further. Some disputes end in agreement at mediation (reg 42) or in
# the council conceding the appeal (reg 45) rather than a Tribunal order.
ADVISER_ONLY: Final = 0.15  # of refusals without mediation: the adviser contacted, no more
MEDIATION_AGREEMENT: Final = 0.20  # of mediations after a refusal: agreement to assess
MEDIATION_WITHDRAWN: Final = 0.10  # of mediations asked for: withdrawn before it is held
CONCEDED: Final = 0.25  # of appeals that oblige the council: conceded, not ordered

# -- plans in force ----------------------------------------------------------------------
# BCP line 334: 1,404 to 1,030 annual reviews "meeting held but not processed". Review
# decisions (reg 20(10): 4 weeks of the meeting) come on time this share of the time,
# improving across the months (BCP target, line 352: 98% within time).
REVIEW_DECISION_ON_TIME_FIRST: Final = 0.45
REVIEW_DECISION_ON_TIME_LAST: Final = 0.80
REVIEW_DECISION_LATE_MAX_DAYS: Final = 30 * 7  # a backlogged review waits up to 30 weeks
REVIEW_MEETING_LATE: Final = 0.20  # ASSUMED: the meeting itself is held after 12 months
REVIEW_OUTCOMES: Final = {"maintain": 0.60, "amend": 0.36, "cease": 0.04}  # ASSUMED
AMENDED_PLAN_ON_TIME: Final = 0.70  # ASSUMED (BCP line 352 target: 95% of amends in time)
NOT_TO_AMEND: Final = 0.10  # ASSUMED: after a notice, a decision not to amend
PHASE_TRANSFER_ON_TIME: Final = 0.85  # ASSUMED: amended before 15 February / 31 March
CEASE_AT_18_PLUS: Final = 0.25  # ASSUMED: a review of a young person of 18+ ends the plan
# The duties spec v3 adds (ASSUMED; no published rates). Per year of a plan in force:
REASSESSMENT: Final = 0.03  # a re-assessment is asked for (CFA s.44(2), regs 24-27)
REASSESSMENT_REFUSED: Final = 0.35  # of those: refused (an appeal notice, reg 25)
REASSESSMENT_APPEAL_ORDER: Final = 0.40  # of refusals: appealed, with an order to re-assess
REASSESSMENT_DECISION_ON_TIME: Final = 0.85  # decided within 15 days (reg 25(1))
CEASE_OUTSIDE_REVIEW: Final = 0.015  # the council proposes to cease between reviews (reg 31)
MOVED_OUT: Final = 0.02  # the family moves to another council's area (reg 15(2))
TRANSFER_OUT_ON_TIME: Final = 0.80  # the plan transferred by its reg 15(2) day
POST16_INSTITUTION_MOVE: Final = 0.10  # of young people 16-19: moving college mid-year (reg 18(2))
# Review meeting notices and papers (reg 20(3)-(4)): the share recorded, and on time.
REVIEW_NOTICE_RECORDED: Final = 0.85
REVIEW_NOTICE_ON_TIME: Final = 0.85
REVIEW_PAPERS_ON_TIME: Final = 0.70

# -- the children (ASSUMED) ----------------------------------------------------------------
# Age in whole years at the request, with its weight.
AGE_AT_REQUEST: Final = {
    2: 4, 3: 6, 4: 8, 5: 9, 6: 9, 7: 9, 8: 8, 9: 7, 10: 7, 11: 7,
    12: 6, 13: 5, 14: 5, 15: 4, 16: 3, 17: 2, 18: 1, 19: 1,
}  # fmt: skip
