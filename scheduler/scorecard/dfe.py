"""The DfE check: a calendar year's 20-week figures by the SEN2 method (spec kpis.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from scheduler.scorecard.counts import deadline_counts, final_plans_issued
from scheduler.scorecard.figures import Figure, json_number, mean_weeks, percent
from scheduler.scorecard.indicators import NATIONAL_20_WEEKS
from workflow.law.deadlines import Settings


@dataclass(frozen=True)
class DfeYear:
    """The 20-week figures for a calendar year, by the DfE SEN2 method (spec kpis.md)."""

    year: int
    as_of: date
    settings: Settings
    plans_issued: int  # final_plan_issued events dated in the year
    plans_in_cohort: int  # final_plan deadlines met in the year, disputed or not
    disputed_included: int  # of those, disputed by the day the plan was issued
    incl_exceptions: Figure
    excl_exceptions: Figure
    exceptions_left_out: int
    average_weeks: Decimal | None
    team: str | None = None
    officer: str | None = None

    def to_json(self) -> dict[str, Any]:
        national = NATIONAL_20_WEEKS.get(self.year, (None, None))
        return {
            "calendar_year": self.year,
            "as_of": self.as_of.isoformat(),
            "settings": {
                "twenty_week_days": self.settings.twenty_week_days,
                "phase_transfer_rule": self.settings.phase_transfer_rule,
            },
            "filters": {"team": self.team, "officer": self.officer},
            "plans_issued": self.plans_issued,
            "plans_with_20_week_deadline_met_in_year": self.plans_in_cohort,
            "disputed_included": self.disputed_included,
            "within_20_weeks_incl_exceptions": _figure_json(self.incl_exceptions),
            "exceptions_left_out": self.exceptions_left_out,
            "within_20_weeks_excl_exceptions": _figure_json(self.excl_exceptions),
            "average_weeks_to_issue": json_number(self.average_weeks),
            "national": {
                "pct_incl_exceptions": json_number(national[0]),
                "pct_excl_exceptions": json_number(national[1]),
            },
        }


def _figure_json(f: Figure) -> dict[str, Any]:
    return {"value": json_number(f.value), "numerator": f.numerator, "denominator": f.denominator}


def dfe_year(
    session: Session,
    *,
    year: int,
    settings: Settings,
    as_of: date | None = None,
    team: str | None = None,
    officer: str | None = None,
) -> DfeYear:
    """Plans issued in `year`: within 20 weeks, including and excluding exceptions.

    Read as of 31 December of the year unless `as_of` says otherwise (a later day
    counts exceptions recorded after the year ended, as a January SEN2 return may).
    """
    start, end = date(year, 1, 1), date(year, 12, 31)
    day = as_of or end
    c = deadline_counts(session, start=start, end=end, as_of=day, team=team, officer=officer)
    plans_issued = final_plans_issued(
        session, start=start, end=min(end, day), team=team, officer=officer
    )
    session.commit()
    label = str(year)
    return DfeYear(
        year=year,
        as_of=day,
        settings=settings,
        plans_issued=plans_issued,
        plans_in_cohort=c["plans_all"],
        disputed_included=c["plans_all"] - c["plans"],
        incl_exceptions=Figure(
            label, percent(c["plans_all_met"], c["plans_all"]), c["plans_all_met"], c["plans_all"]
        ),
        excl_exceptions=Figure(
            label,
            percent(c["plans_all_excl_met"], c["plans_all_excl"]),
            c["plans_all_excl_met"],
            c["plans_all_excl"],
        ),
        exceptions_left_out=c["plans_all"] - c["plans_all_excl"],
        average_weeks=mean_weeks(c["plan_days_all"], c["plans_all"]),
        team=team,
        officer=officer,
    )
