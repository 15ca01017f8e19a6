"""One synthetic case's story, from request (or transfer-in) to the cohort's end.

A story is drawn whole, then cut at the cohort's end: events are kept in the
state machine's processing order (date, then the spec's order of types), so any
prefix by date is itself a history the machine accepts. Days are ordinals
(`date.toordinal()`) while drawing, which keeps generation fast.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from workflow.demo import calibration as cal
from workflow.law.events import TYPE_ORDER

DECISION_DAYS = 42  # reg 5(1): 6 weeks
ADVICE_DAYS = 42  # reg 8(1): 6 weeks
PLAN_DAYS = 140  # reg 13(2): 20 weeks
ORDER_PLAN_DAYS = 98  # reg 44(2)(b): 14 weeks from an order to assess
REVIEW_DECISION_DAYS = 28  # reg 20(10): 4 weeks
PLAN_DRAW_LOW, PLAN_DRAW_HIGH = 1.0, 1.15  # see Story.plan_on_time
ADVICE_KINDS = ("psychological", "health", "social_care", "educational", "parent")

Event = tuple[int, int, int, str, dict[str, Any]]  # (day, type order, sequence, type, fields)


def _weighted(options: dict[Any, float]) -> tuple[list[Any], list[float]]:
    keys = list(options)
    total, cum = 0.0, []
    for k in keys:
        total += options[k]
        cum.append(total)
    return keys, [c / total for c in cum]


SOURCES = _weighted(cal.REQUEST_SOURCES)
AGES = _weighted({k: float(v) for k, v in cal.AGE_AT_REQUEST.items()})
OUTCOMES = _weighted(cal.REVIEW_OUTCOMES)


class Story:
    """The events of one case, drawn with one random generator over a cohort's span."""

    def __init__(self, rng: random.Random, first: int, last: int) -> None:
        self.rng, self.first, self.last = rng, first, last
        self.events: list[Event] = []
        self.dob = 0

    # -- drawing helpers -----------------------------------------------------------------
    def pick(self, table: tuple[list[Any], list[float]]) -> Any:
        x, (keys, cum) = self.rng.random(), table
        for key, c in zip(keys, cum, strict=True):
            if x < c:
                return key
        return keys[-1]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def days(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def progress(self, day: int) -> float:
        """How far through the cohort's months `day` is, 0 to 1."""
        span = max(1, self.last - self.first)
        return min(1.0, max(0.0, (day - self.first) / span))

    def trend(self, day: int, first: float, last: float) -> float:
        return first + (last - first) * self.progress(day)

    def plan_on_time(self, due: int) -> float:
        """The chance a plan due on `due` is issued on time.

        Measured by the month a plan is issued, late plans pile into later months, so the
        chance drawn runs from below the first target to above the last one (the factors
        were fitted on generated cohorts; tests/workflow/test_demo_calibration.py checks
        the measured rates against the targets).
        """
        span = max(1, self.last - self.first - PLAN_DAYS)
        progress = min(1.0, max(0.0, (due - self.first - PLAN_DAYS) / span))
        low, high = cal.PLAN_ON_TIME_FIRST * PLAN_DRAW_LOW, cal.PLAN_ON_TIME_LAST * PLAN_DRAW_HIGH
        return min(1.0, low + (high - low) * progress)

    def add(self, day: int, kind: str, **fields: Any) -> None:
        self.events.append((day, TYPE_ORDER[kind], len(self.events), kind, fields))

    def age_on(self, day: int) -> int:
        born, on = date.fromordinal(self.dob), date.fromordinal(day)
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

    def school_year(self, day: int) -> int:
        """National curriculum year on `day` (0 = reception; -1 nursery)."""
        born, on = date.fromordinal(self.dob), date.fromordinal(day)
        cohort = born.year if born.month >= 9 else born.year - 1
        academic = on.year if on.month >= 9 else on.year - 1
        return academic - cohort - 5

    def ended(self) -> list[Event]:
        """The story up to the cohort's end, in processing order."""
        kept = [e for e in self.events if e[0] <= self.last]
        kept.sort()
        return kept

    # -- the assessment ------------------------------------------------------------------
    def request(self, received: int) -> None:
        self.dob = received - self.pick(AGES) * 365 - self.days(0, 364)
        self.add(received, "request_received", source=self.pick(SOURCES))
        decided = received + (
            self.days(14, DECISION_DAYS)
            if self.chance(cal.DECISION_ON_TIME)
            else self.days(DECISION_DAYS + 1, 70)
        )
        if self.chance(cal.WITHDRAWN_BEFORE_DECISION):
            self.add(received + self.days(5, DECISION_DAYS - 1), "request_withdrawn")
            return
        if self.chance(cal.REFUSED):
            self.add(decided, "decision_not_to_assess")
            order = self.refusal_dispute(decided)
            if order is None:
                return
            self.assess(order + self.days(3, 14), order, ORDER_PLAN_DAYS)
            return
        self.assess(decided, received, PLAN_DAYS)

    def refusal_dispute(self, refused: int) -> int | None:
        """Mediation and an appeal after a refusal; the day of an order to assess, or None."""
        if not self.chance(cal.REFUSAL_MEDIATION):
            if self.chance(cal.ADVISER_ONLY):
                self.add(refused + self.days(5, 30), "mediation_adviser_contacted",
                         pursue_mediation=False)  # fmt: skip
            return None
        asked = refused + self.days(10, 30)
        self.add(asked - self.days(1, 7), "mediation_adviser_contacted", pursue_mediation=True)
        self.add(asked, "mediation_requested")
        if self.chance(cal.MEDIATION_WITHDRAWN):  # the family lets the dispute go
            self.add(asked + self.days(3, 20), "mediation_withdrawn")
            return None
        held = asked + self.days(10, 30)
        self.add(held, "mediation_held")
        if self.chance(cal.MEDIATION_AGREEMENT):
            self.add(held, "mediation_agreement", order="assess")  # reg 42(2)
            return held
        self.add(asked + self.days(31, 40), "mediation_certificate_issued")
        self.add(asked + self.days(45, 60), "appeal_registered")
        if not self.chance(cal.REFUSAL_APPEAL_ORDER):
            return None
        return self.order(asked + self.days(150, 240), "assess")

    def order(self, on: int, kind: str) -> int:
        """An order after an appeal: the Tribunal's, or the council conceding (reg 45)."""
        conceded = self.chance(cal.CONCEDED)
        self.add(on, "appeal_conceded" if conceded else "tribunal_order", order=kind)
        return on

    def assess(self, decided: int, clock_start: int, limit: int) -> None:
        """Decision to assess to final plan; `limit` days from `clock_start` is the plan's."""
        self.add(decided, "decision_to_assess")
        asked = decided + self.days(1, 4)
        arrivals = self.advice(asked)
        due = clock_start + limit
        if self.chance(self.plan_on_time(due)):
            final = due - self.days(0, 30)
        else:
            late = self.trend(due, cal.PLAN_LATE_MAX_DAYS_FIRST, cal.PLAN_LATE_MAX_DAYS_LAST)
            final = due + self.days(1, int(late))
        if due < self.first:  # the backlog the cohort opens with: cleared after it starts
            final = self.first + self.days(1, cal.PLAN_LATE_MAX_DAYS_FIRST)
        final = max(final, asked + 45)
        draft = final - self.days(15, 28)
        if self.chance(cal.WITHDRAWN_IN_ASSESSMENT):
            self.withdraw(asked + self.days(10, 60), arrivals)
            return
        if self.chance(cal.NOT_ISSUED):
            self.not_issued(max(arrivals) + self.days(3, 20))
            return
        if self.chance(cal.PLAN_EXCEPTION):
            reason = self.rng.choice(("personal_circumstances", "school_closure"))
            noted = max(decided + 1, draft - self.days(1, 20))
            self.add(noted, "exception_recorded", reason=reason,
                     applies_to="final_plan")  # fmt: skip
        self.add(draft, "draft_plan_issued")
        self.add(final, "final_plan_issued")
        self.plan_years(final, final)

    def advice(self, asked: int) -> list[int]:
        """Request every kind of advice on one day; returns when each arrives."""
        arrivals = []
        for kind in ADVICE_KINDS:
            self.add(asked, "advice_requested", advice=kind)
            if self.chance(cal.ADVICE_ON_TIME[kind]):
                arrives = asked + self.days(10, ADVICE_DAYS)
            else:
                arrives = asked + ADVICE_DAYS + self.days(1, cal.ADVICE_LATE_MAX_DAYS)
            if kind == "psychological" and self.chance(cal.ADVICE_EXCEPTION):
                noted = asked + self.days(3, 9)
                self.add(noted, "exception_recorded", reason="missed_appointment",
                         applies_to="advice", advice=kind)  # fmt: skip
                arrives = max(arrives, noted + 1)
            self.add(arrives, "advice_received", advice=kind)
            arrivals.append(arrives)
        return arrivals

    def withdraw(self, on: int, arrivals: list[int]) -> None:
        # Advice that would arrive after the withdrawal never does.
        self.events = [e for e in self.events if not (e[3] == "advice_received" and e[0] > on)]
        self.add(on, "request_withdrawn")

    def not_issued(self, on: int) -> None:
        self.add(on, "decision_not_to_issue")
        if not self.chance(cal.NOT_ISSUED_ORDER):
            return
        self.add(on + self.days(40, 60), "appeal_registered")
        order = self.order(on + self.days(150, 240), "issue_plan")
        draft = order + self.days(20, 35)  # reg 44(2)(c): draft in 5 weeks
        final = draft + self.days(20, 42)  # final in 11 weeks of the order
        self.add(draft, "draft_plan_issued")
        self.add(final, "final_plan_issued")
        self.plan_years(final, final)

    # -- the plan in force ---------------------------------------------------------------
    def transfer_in(self, on: int) -> None:
        self.dob = on - self.pick(AGES) * 365 - self.days(0, 364)
        reviewed = on - self.days(30, 330)
        self.add(on, "plan_transferred_in", last_reviewed=date.fromordinal(reviewed).isoformat())
        self.add(on + self.days(10, 50), "transfer_notice_sent")
        self.plan_years(reviewed, on)

    def plan_years(self, last: int, since: int) -> None:
        """Reviews, amendments, phase transfers and appeals while the plan lasts.

        `last` is the plan or last review the 12 months run from; `since` the day the
        plan came into force here (nothing of the plan happens before it).
        """
        done_transfers: set[int] = set()
        while last <= self.last:
            if self.chance(cal.CONTENTS_APPEAL):
                since = self.contents_appeal(since + self.days(20, 60))
            if self.chance(cal.REASSESSMENT):
                since = self.reassessment(since + self.days(30, 150))
            if self.chance(cal.MOVED_OUT):
                self.transfer_out(since + self.days(30, 300))
                return
            if self.chance(cal.CEASE_OUTSIDE_REVIEW):
                self.cease_outside_review(since + self.days(30, 300))
                return
            meeting = self.review_meeting(last, since)
            transfer = self.phase_transfer(since, meeting, done_transfers)
            if transfer is None:
                transfer = self.post16_institution_move(since, meeting)
            if transfer is not None:
                meeting = transfer
            self.review_notice(meeting, since)
            last, since = self.review(meeting, phase_transfer=transfer is not None)
            if last < 0:
                return

    def review_meeting(self, last: int, since: int) -> int:
        if self.chance(cal.REVIEW_MEETING_LATE):
            meeting = last + 365 + self.days(0, 150)
        else:
            meeting = last + self.days(300, 340)
        return max(meeting, since + 20)

    def phase_transfer(self, since: int, meeting: int, done: set[int]) -> int | None:
        """Schedule a phase transfer if one falls before this meeting; its meeting day."""
        on = date.fromordinal(meeting)
        academic = on.year if on.month >= 9 else on.year - 1
        for year in (academic - 1, academic):
            group = self.school_year(date(year, 9, 15).toordinal())
            if group not in (-1, 6, 11) or year + 1 in done:
                continue
            scheduled = max(since + 5, date(year, 9, 1).toordinal() + self.days(5, 40))
            if scheduled >= date(year + 1, 2, 1).toordinal():
                continue
            done.add(year + 1)
            self.add(scheduled, "phase_transfer_scheduled", transfer_year=year + 1,
                     to="post16" if group == 11 else "school")  # fmt: skip
            return scheduled + self.days(14, 40)
        return None

    def post16_institution_move(self, since: int, meeting: int) -> int | None:
        """A young person moving college mid-year (reg 18(2)): schedule it, and its review's
        meeting day; None when there is no such move this year."""
        if not 16 <= self.age_on(meeting) <= 19 or not self.chance(cal.POST16_INSTITUTION_MOVE):
            return None
        scheduled = max(since + 5, meeting - self.days(20, 60))
        # The move comes 7 to 11 months after the meeting: the review starts within the
        # 12 months before it, and its amended plan is due 5 months before it.
        moves = date.fromordinal(meeting + self.days(210, 330)).isoformat()
        self.add(scheduled, "phase_transfer_scheduled", to="post16_institution",
                 transfer_date=moves)  # fmt: skip
        return max(meeting, scheduled + self.days(14, 40))

    def reassessment(self, asked: int) -> int:
        """A re-assessment of the plan in force (CFA s.44(2), regs 24-27), refused or made,
        perhaps after an appeal; the day its work ends."""
        self.add(asked, "reassessment_requested",
                 source=self.rng.choice(("parent", "school", "parent", "health")))  # fmt: skip
        decided = asked + (
            self.days(3, 15)
            if self.chance(cal.REASSESSMENT_DECISION_ON_TIME)
            else self.days(16, 35)
        )
        if self.chance(cal.REASSESSMENT_REFUSED):
            self.add(decided, "decision_not_to_reassess")
            if not self.chance(cal.REASSESSMENT_APPEAL_ORDER):
                return decided
            self.add(decided + self.days(20, 50), "appeal_registered")
            ordered = self.order(decided + self.days(120, 220), "reassess")
            decided = ordered + self.days(3, 14)  # reg 44(2)(b): notify within 2 weeks
        self.add(decided, "decision_to_reassess")
        asked_advice = decided + self.days(1, 7)
        arrivals = []
        for kind in ("psychological", "educational"):
            self.add(asked_advice, "advice_requested", advice=kind)
            on_time = self.chance(cal.ADVICE_ON_TIME[kind])
            arrives = asked_advice + (
                self.days(10, ADVICE_DAYS) if on_time else ADVICE_DAYS + self.days(1, 30)
            )
            self.add(arrives, "advice_received", advice=kind)
            arrivals.append(arrives)
        draft = max(arrivals) + self.days(3, 20)
        self.add(draft, "amendment_notice_sent")  # the draft plan (reg 27(1))
        done = draft + self.days(15, 45)
        self.add(done, "decision_not_to_amend" if self.chance(0.1) else "amended_plan_issued")
        return done + 1

    def transfer_out(self, told: int) -> None:
        """The family moves to another council's area (reg 15(2)): the plan goes with them."""
        moves = told + self.days(10, 60)
        self.add(told, "move_reported", move_date=date.fromordinal(moves).isoformat())
        sent = (
            moves - self.days(0, 5)
            if self.chance(cal.TRANSFER_OUT_ON_TIME)
            else moves + self.days(5, 40)
        )
        self.add(max(told, sent), "plan_transferred_out")

    def cease_outside_review(self, proposed: int) -> None:
        """The council proposes to cease the plan between reviews, consults and decides
        (s.45, reg 31); some families dispute the decision through mediation."""
        self.add(proposed, "cease_proposed")
        notice = proposed + self.days(15, 40)
        self.add(notice, "cease_notice_sent")
        # Mostly after the appeal period (2 months, HESC r.12); a few too soon, which the
        # case page warns about (spec v3 change 8).
        ceased = notice + (self.days(65, 90) if self.chance(0.8) else self.days(28, 55))
        if self.chance(0.3):
            contacted = notice + self.days(5, 25)
            self.add(contacted, "mediation_adviser_contacted", pursue_mediation=True)
            self.add(contacted + self.days(1, 7), "mediation_requested")
            self.add(contacted + self.days(14, 35), "mediation_held")
        self.add(ceased, "plan_ceased", reason=self.rng.choice(("needs_met", "disengaged")))

    def contents_appeal(self, on: int) -> int:
        """An appeal against the plan's contents, the order and the amended plan; its day."""
        if self.chance(0.5):  # mediation advice first (reg 33); no mediation this time
            self.add(on - self.days(5, 15), "mediation_adviser_contacted", pursue_mediation=False)
        self.add(on, "appeal_registered")
        kind = self.rng.choice(("amend", "name_school"))
        order = self.order(on + self.days(120, 220), kind)
        amended = order + self.days(7, 14 if kind == "name_school" else 35)
        self.add(amended, "amended_plan_issued")
        return amended

    def review_notice(self, meeting: int, since: int) -> None:
        """Notice of the meeting and its papers, two weeks before it (reg 20(3)-(4)), not
        before `since` (the plan in force, or the last review's work done)."""
        if not self.chance(cal.REVIEW_NOTICE_RECORDED):
            return
        on_time = self.chance(cal.REVIEW_NOTICE_ON_TIME)
        notice = max(since, meeting - (self.days(15, 35) if on_time else self.days(3, 13)))
        self.add(notice, "review_meeting_notice_sent",
                 meeting_date=date.fromordinal(meeting).isoformat())  # fmt: skip
        latest = meeting - 14 if self.chance(cal.REVIEW_PAPERS_ON_TIME) else meeting - 1
        self.add(max(notice, latest - self.days(0, 7)), "review_papers_circulated")

    def review(self, meeting: int, *, phase_transfer: bool) -> tuple[int, int]:
        """Meeting, report, decision and what follows.

        Returns the decision's day (-1 if the plan ceased) and the day the review's work
        ends (the amended plan or decision not to amend), before which nothing new starts.
        """
        self.add(meeting, "review_meeting_held")
        self.add(meeting + self.days(3, 14), "review_report_sent")
        if self.chance(
            self.trend(meeting, cal.REVIEW_DECISION_ON_TIME_FIRST, cal.REVIEW_DECISION_ON_TIME_LAST)
        ):
            decided = meeting + self.days(7, REVIEW_DECISION_DAYS)
        else:
            decided = meeting + self.days(
                REVIEW_DECISION_DAYS + 1, cal.REVIEW_DECISION_LATE_MAX_DAYS
            )
        decided = max(decided, meeting + 15)  # after the report
        age = self.age_on(meeting)
        outcome = "amend" if phase_transfer else self.pick(OUTCOMES)
        if not phase_transfer and age >= 18 and self.chance(cal.CEASE_AT_18_PLUS):
            outcome = "cease"
        self.add(decided, "review_decision", outcome=outcome)
        if outcome == "cease":
            reason = (
                self.rng.choice(("higher_education", "employment", "disengaged"))
                if age >= 18
                else self.rng.choice(("needs_met", "moved_la"))
            )
            self.add(decided + self.days(28, 60), "plan_ceased", reason=reason)
            return -1, decided
        if outcome != "amend":
            return decided, decided
        notice = decided + self.days(0, 14)
        self.add(notice, "amendment_notice_sent")
        if not phase_transfer and self.chance(cal.NOT_TO_AMEND):
            done, kind = notice + self.days(15, 50), "decision_not_to_amend"
        elif self.chance(
            cal.PHASE_TRANSFER_ON_TIME if phase_transfer else cal.AMENDED_PLAN_ON_TIME
        ):
            done, kind = notice + self.days(15, 50), "amended_plan_issued"
        else:
            done, kind = notice + self.days(57, 120), "amended_plan_issued"
        self.add(done, kind)
        return decided, done + 1


def case_events(rng: random.Random, first: int, last: int) -> tuple[int, list[Event]]:
    """One case starting on a random day of [first, last], or an assessment already over
    20 weeks old on `first`: its date of birth and events."""
    story = Story(rng, first, last)
    start = rng.randint(first, last)
    if story.chance(cal.OPEN_AT_START):  # the backlog the cohort opens with
        start = first - rng.randint(PLAN_DAYS + 1, cal.OPEN_AT_START_MAX_WEEKS * 7)
        story.request(start)
    elif story.chance(cal.TRANSFER_IN):
        story.transfer_in(start)
    else:
        story.request(start)
    return story.dob, story.ended()
