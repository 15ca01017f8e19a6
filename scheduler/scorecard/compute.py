"""The scorecard: every indicator for every month, each read as of the month's last day.

The counts come from `scheduler.scorecard.counts` (which says how a month is read);
here they become the figures, indicator by indicator, and the open assessments by age.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from scheduler.scorecard.counts import deadline_counts_by_month, snapshot_counts
from scheduler.scorecard.figures import BandCount, Figure, MonthBands, mean_weeks, percent
from scheduler.scorecard.indicators import ADVICE_KINDS, AGE_BAND_LABELS, INDICATORS
from scheduler.scorecard.months import Month, month_range
from workflow.law.deadlines import Settings

if TYPE_CHECKING:
    from scheduler.scorecard.publications import Revision


@dataclass
class Scorecard:
    first: Month
    last: Month
    settings: Settings
    team: str | None = None
    officer: str | None = None
    dfe_method: bool = False  # plan figures with disputed cases included (kpis.md v3)
    figures: dict[str, list[Figure]] = field(default_factory=dict)
    age_bands: list[MonthBands] = field(default_factory=list)
    # Set by `publications.attach_revisions`: when each shown month was published, and
    # the figures revised since, by (indicator id, month).
    published: dict[str, datetime] = field(default_factory=dict)
    revisions: dict[tuple[str, str], Revision] = field(default_factory=dict)

    def figure_json(self, indicator: str, f: Figure) -> dict[str, Any]:
        """A month's figure for JSON: as computed now, then, for a published month, the
        published figure and whether it has been revised since (with the corrections)."""
        out = f.to_json()
        published_at = self.published.get(f.month)
        if published_at is None:
            return out
        revision = self.revisions.get((indicator, f.month))
        out["published_at"] = published_at.isoformat()
        out["revised"] = revision is not None
        if revision is not None:
            out["revision"] = revision.to_json()
        return out

    @property
    def months(self) -> list[Month]:
        return month_range(self.first, self.last)

    def to_json(self) -> dict[str, Any]:
        return {
            "from": str(self.first),
            "to": str(self.last),
            "settings": {
                "twenty_week_days": self.settings.twenty_week_days,
                "phase_transfer_rule": self.settings.phase_transfer_rule,
                "dfe_method": self.dfe_method,
            },
            "filters": {"team": self.team, "officer": self.officer},
            "indicators": [
                {
                    **indicator.to_json(),
                    "months": [
                        self.figure_json(indicator.id, f) for f in self.figures[indicator.id]
                    ],
                }
                for indicator in INDICATORS
            ],
            "open_assessment_age_bands": [m.to_json() for m in self.age_bands],
        }


def _deadline_figures(month: str, c: dict[str, int], dfe_method: bool) -> dict[str, Figure]:
    def pct(num: str, den: str) -> Figure:
        return Figure(month, percent(c[num], c[den]), c[num], c[den])

    # The scorecard leaves disputed cases out of the plan figures; the DfE method does not.
    plans = "plans_all" if dfe_method else "plans"
    out = {
        "decisions_within_6_weeks": pct("decisions_met", "decisions"),
        "plans_within_20_weeks_incl_exceptions": pct(f"{plans}_met", plans),
        "plans_within_20_weeks_excl_exceptions": pct(f"{plans}_excl_met", f"{plans}_excl"),
        "average_weeks_to_issue": Figure(
            month, mean_weeks(c["plan_days_all" if dfe_method else "plan_days"], c[plans])
        ),
        "annual_reviews_within_timeframe": pct("annual_review_met", "annual_review"),
        "review_decisions_within_4_weeks": pct("review_decision_met", "review_decision"),
        "amended_plans_on_time": pct("amended_plan_met", "amended_plan"),
    }
    for advice in ADVICE_KINDS:
        out[f"advice_within_6_weeks_{advice}"] = pct(f"advice_{advice}_met", f"advice_{advice}")
    return out


def compute_scorecard(
    session: Session,
    *,
    first: Month,
    last: Month,
    settings: Settings,
    team: str | None = None,
    officer: str | None = None,
    dfe_method: bool = False,
) -> Scorecard:
    """Every indicator for every month first..last, as of each month's last day.

    `dfe_method`: the plan figures count disputed cases too, as the DfE's SEN2 does.
    """
    months = month_range(first, last)
    card = Scorecard(first, last, settings, team, officer, dfe_method=dfe_method)
    card.figures = {i.id: [] for i in INDICATORS}
    snapshots = snapshot_counts(
        session, months, twenty_week_days=settings.twenty_week_days, team=team, officer=officer
    )
    counts = deadline_counts_by_month(session, months, team=team, officer=officer)
    for m in months:
        figures = _deadline_figures(str(m), counts[m], dfe_method)
        snap = snapshots[m]
        figures["open_assessments_over_20_weeks"] = Figure(str(m), snap["open_over_20_weeks"])
        figures["annual_review_backlog"] = Figure(str(m), snap["backlog"])
        for indicator in INDICATORS:
            card.figures[indicator.id].append(figures[indicator.id])
        card.age_bands.append(
            MonthBands(
                str(m),
                tuple(
                    BandCount(label, snap[f"band_{i}"], snap[f"band_{i}_disputed"])
                    for i, label in enumerate(AGE_BAND_LABELS)
                ),
            )
        )
    session.commit()  # end the read-only transaction, as workflow.service does
    return card
