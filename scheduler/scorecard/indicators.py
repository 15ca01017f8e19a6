"""The indicators of the SEND improvement plan's scorecard, and what each counts (spec kpis.md).

Each indicator's wording, target, national figure and plain-English definition; the
age bands of open assessments; the DfE's national series; and the event types,
deadline kinds and states that put a case or a deadline in an indicator's count.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from scheduler.scorecard.figures import json_number

# What puts a case in a month-end count (disputes, open states, what settles an amendment)
# is defined with the facts the write path keeps (`workflow.timeliness`).
from workflow.timeliness import DISPUTE_TYPES as DISPUTE_TYPES
from workflow.timeliness import OPEN_ASSESSMENT_STATES as OPEN_ASSESSMENT_STATES
from workflow.timeliness import RESOLVES_AMENDMENT as RESOLVES_AMENDMENT


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str  # as the plan's scorecard words it
    sheet: str  # its XLSX sheet: at most 31 characters
    unit: str  # percent, count or weeks
    direction: str  # up or down: the plan's "required direction of travel"
    target: Decimal | None
    national: Decimal | None
    national_note: str | None  # which year the national figure is for
    definition: str  # plain English, for board members

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "unit": self.unit,
            "direction": self.direction,
            "target": json_number(self.target),
            "national": json_number(self.national),
            "national_note": self.national_note,
            "definition": self.definition,
        }


def _d(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "decisions_within_6_weeks",
        "% of decisions whether to assess made within 6 weeks",
        "Decisions in 6 weeks",
        "percent",
        "up",
        _d("100"),
        None,
        None,
        "Of the requests for an assessment that the council decided on this month (yes or no), "
        "the share decided within 6 weeks of the request, as the law requires (SEND Regulations "
        "2014 reg 5).",
    ),
    Indicator(
        "plans_within_20_weeks_incl_exceptions",
        "% of new EHCPs issued within 20 weeks (including exceptions)",
        "Plans 20 weeks incl exceptions",
        "percent",
        "up",
        _d("95"),
        _d("47.7"),
        "2022",
        "Of the new EHC plans issued this month, the share issued within 20 weeks of the request "
        "(reg 13(2)). Plans delayed for an allowed reason (an exception) still count. Cases in "
        "mediation, appeal or under a Tribunal order by the day the plan was issued are left out.",
    ),
    Indicator(
        "plans_within_20_weeks_excl_exceptions",
        "% of new EHCPs issued within 20 weeks (excluding exceptions)",
        "Plans 20 weeks excl exceptions",
        "percent",
        "up",
        _d("95"),
        _d("49.2"),
        "2022 (the same year as the line above; 2024: 46.4)",
        "As the line above, but also leaving out plans where an allowed reason for delay (an "
        "exception, reg 13(3)) had been recorded by the month's end. This is the DfE's headline "
        "measure.",
    ),
    Indicator(
        "average_weeks_to_issue",
        "Average weeks from request to new EHCP",
        "Average weeks to issue",
        "weeks",
        "down",
        None,
        None,
        None,
        "For the same plans as the 'including exceptions' line, the average time from the "
        "request to the final plan, in weeks (days divided by 7).",
    ),
    Indicator(
        "open_assessments_over_20_weeks",
        "Number of EHC needs assessments open over 20 weeks "
        "(excluding mediation, appeal or Tribunal)",
        "Open over 20 weeks",
        "count",
        "down",
        _d("0"),
        None,
        None,
        "On the month's last day, the number of requests still waiting for a decision, being "
        "assessed or at draft plan stage, where more than 20 weeks have passed since the "
        "request. Cases in mediation, appeal or under a Tribunal order are left out.",
    ),
    Indicator(
        "advice_within_6_weeks_psychological",
        "% of requests for EP advice answered within 6 weeks",
        "EP advice in 6 weeks",
        "percent",
        "up",
        _d("100"),
        None,
        None,
        "Of the requests for educational psychology advice due this month, the share answered "
        "within 6 weeks of the request (reg 8(1)). Requests that were due and are still "
        "unanswered count as late. Requests ended before they were due, and those with an "
        "allowed reason for delay (reg 8(2)), are left out.",
    ),
    Indicator(
        "advice_within_6_weeks_health",
        "% of requests for health advice answered within 6 weeks",
        "Health advice in 6 weeks",
        "percent",
        "up",
        _d("95"),
        None,
        None,
        "As the line above, for health advice.",
    ),
    Indicator(
        "advice_within_6_weeks_social_care",
        "% of requests for social care advice answered within 6 weeks",
        "Social care advice in 6 weeks",
        "percent",
        "up",
        _d("100"),
        None,
        None,
        "As the line above, for social care advice.",
    ),
    Indicator(
        "annual_reviews_within_timeframe",
        "% of annual reviews completed within timeframe",
        "Annual reviews on time",
        "percent",
        "up",
        _d("100"),
        None,
        None,
        "Of the annual reviews due this month, the share where the council had decided the "
        "review's outcome (maintain, amend or cease) within 12 months of the plan or the last "
        "review (Children and Families Act 2014 s.44). Reviews still not decided count as late; "
        "reviews of plans that ended before they were due are left out.",
    ),
    Indicator(
        "review_decisions_within_4_weeks",
        "% of review decisions sent within 4 weeks of the meeting",
        "Review decisions in 4 weeks",
        "percent",
        "up",
        _d("100"),
        None,
        None,
        "Of the decisions after a review meeting due this month, the share the council sent "
        "within 4 weeks of the meeting (reg 20(10)). Decisions still not sent count as late.",
    ),
    Indicator(
        "amended_plans_on_time",
        "% of amended EHCPs issued on time",
        "Amended plans on time",
        "percent",
        "up",
        _d("95"),
        None,
        None,
        "Of the amended plans due this month, the share issued (or a decision not to amend "
        "made) within 8 weeks of the proposed amendments, and never more than 12 weeks after "
        "the review meeting (reg 22). Amendments still not issued count as late.",
    ),
    Indicator(
        "annual_review_backlog",
        "Number of annual reviews not finalised (meeting held but not processed - backlog)",
        "Annual review backlog",
        "count",
        "down",
        _d("0"),
        None,
        None,
        "On the month's last day, the number of plans where a review meeting has been held but "
        "the council has not yet decided the outcome, or has decided to amend the plan but has "
        "not yet issued the amended plan (or decided not to amend after all).",
    ),
)


@dataclass(frozen=True)
class AgeBand:
    label: str
    low_days: int  # inclusive
    high_days: int | None  # inclusive; None: no upper bound

    def contains(self, days: int) -> bool:
        return days >= self.low_days and (self.high_days is None or days <= self.high_days)


AGE_BAND_LABELS = ("0-6", "6-16", "16-20", "20-24", "24-30", "30-52", "52+")


def age_bands(twenty_week_days: int) -> tuple[AgeBand, ...]:
    """Open-assessment age bands in days since the request, both bounds inclusive (kpis.md
    v3): the 20-24 band starts the day after `twenty_week_days`, exactly where "over 20
    weeks" does, so the two figures never disagree about a case."""
    bounds = (0, 43, 113, twenty_week_days + 1, 169, 211, 365)
    highs = (*(b - 1 for b in bounds[1:]), None)
    return tuple(
        AgeBand(label, low, high)
        for label, low, high in zip(AGE_BAND_LABELS, bounds, highs, strict=True)
    )


# The DfE's national series (../shared/reference/national-20-week-timeliness.csv): per
# calendar year, % within 20 weeks including and excluding exceptions, where published.
NATIONAL_20_WEEKS: dict[int, tuple[Decimal | None, Decimal | None]] = {
    2014: (Decimal("61.5"), Decimal("64.3")),
    2015: (Decimal("54.6"), Decimal("59.2")),
    2016: (Decimal("55.7"), Decimal("58.6")),
    2017: (Decimal("61.3"), Decimal("64.9")),
    2018: (Decimal("58.0"), Decimal("60.1")),
    2019: (Decimal("58.7"), Decimal("60.4")),
    2020: (Decimal("55.6"), Decimal("58.0")),
    2021: (Decimal("57.9"), Decimal("59.9")),
    2022: (Decimal("47.7"), Decimal("49.2")),
    2023: (None, Decimal("50.3")),
    2024: (None, Decimal("46.4")),
}


# -- what the indicators count ------------------------------------------------------

# One advice indicator per kind of advice (reg 8(1)).
ADVICE_KINDS = ("psychological", "health", "social_care")
# Deadlines counted in the month they fall due, met or not: reviews and amended plans.
DUE_KINDS = ("annual_review", "review_decision", "amended_plan")
# Deadlines counted in the month they are met: decisions to assess and new plans.
COMPLETION_KINDS = ("decision_to_assess", "final_plan")
