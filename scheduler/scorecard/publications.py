"""Published scorecards: stored once, never changed, and figures revised since shown as such.

The monthly KPI job publishes the month it exports (`publish`): every indicator's figure
for that month, all teams and officers, with the settings it was computed with, in a
`ScorecardPublication` row the database keeps as it is. A month is published once; a
second run says so and publishes nothing.

`attach_revisions` compares a scorecard with the publications of its months. A figure
whose current value, numerator or denominator differs from the published one is revised:
it carries both, and the corrections recorded after the publication that touched it
(`scheduler.scorecard.attribution` has the rule). A figure can also move without a
correction, for example when an event is recorded late with an earlier date; it is then
revised with no correction listed, and says so; or when the engine's deadline rules
changed since (spec v3 corrected v2's): a publication records the rules version it was
computed under (for one published before that, the rules are unknown). Only a scorecard
of all teams and case officers is compared: a filtered figure was never published.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from scheduler.scorecard.attribution import VoidEffect, void_effects
from scheduler.scorecard.compute import Scorecard
from scheduler.scorecard.figures import Figure, json_number
from scheduler.scorecard.indicators import INDICATORS
from scheduler.scorecard.months import Month
from workflow.law.calendar import WorkingDays
from workflow.law.deadlines import RULES_VERSION, Settings
from workflow.models import ScorecardPublication


@dataclass(frozen=True)
class Revision:
    """A published figure that has changed since it was published."""

    indicator: str
    month: str
    published: Figure
    current: Figure
    published_at: datetime
    corrections: tuple[VoidEffect, ...]
    settings_changed: bool  # the council's 20-week or phase-transfer setting changed since
    # The deadline rules version it was published under, when it differs from the running
    # engine's; 0 when unknown (published before publications recorded it).
    rules_before: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "published_at": self.published_at.isoformat(),
            "published": _figure_json(self.published),
            "corrections": [c.to_json() for c in self.corrections],
            "settings_changed": self.settings_changed,
            "rules_changed": self.rules_before is not None,
        }

    def explanation(self) -> str:
        """Why, in a sentence, when no correction is listed."""
        if self.corrections:
            return ""
        if self.settings_changed:
            return "The council's settings changed after publication."
        if self.rules_before:
            return (
                f"The deadline rules changed after publication (from v{self.rules_before} "
                f"to v{RULES_VERSION})."
            )
        if self.rules_before == 0:
            return (
                "No correction explains it: events recorded after publication, dated on or "
                "before the month's end, or a change to the deadline rules since, changed it."
            )
        return (
            "No correction explains it: events recorded after publication, "
            "dated on or before the month's end, changed it."
        )


def _figure_json(f: Figure) -> dict[str, Any]:
    return {"value": json_number(f.value), "numerator": f.numerator, "denominator": f.denominator}


def _settings_json(settings: Settings) -> dict[str, Any]:
    return {
        "twenty_week_days": settings.twenty_week_days,
        "phase_transfer_rule": settings.phase_transfer_rule,
    }


def figures_of(card: Scorecard, month: Month) -> dict[str, Any]:
    """What a publication stores: each indicator's figure for `month`, and the settings."""
    at = card.months.index(month)
    return {
        "settings": _settings_json(card.settings),
        "rules_version": RULES_VERSION,
        "indicators": {i.id: _figure_json(card.figures[i.id][at]) for i in INDICATORS},
    }


def publication(session: Session, month: Month) -> ScorecardPublication | None:
    return session.execute(
        sa.select(ScorecardPublication).where(col(ScorecardPublication.month) == str(month))
    ).scalar_one_or_none()


def publish(
    session: Session, card: Scorecard, *, month: Month, as_of: date, at: datetime, by: str
) -> ScorecardPublication | None:
    """Store `month`'s figures of an all-teams `card` as published; None (and nothing
    stored) if the month was published before. Does not commit: the caller's transaction
    holds it."""
    if card.team or card.officer:
        raise ValueError("only a scorecard of all teams and case officers is published")
    if publication(session, month) is not None:
        return None
    row = ScorecardPublication(
        month=str(month),
        published_at=at,
        published_by=by,
        as_of=as_of,
        figures=figures_of(card, month),
    )
    session.add(row)
    session.flush()
    return row


def _published_figure(month: str, stored: dict[str, Any]) -> Figure:
    value = stored.get("value")
    number = None if value is None else Decimal(str(value))
    return Figure(month, number, stored.get("numerator"), stored.get("denominator"))


def _same(a: Figure, b: Figure) -> bool:
    return (json_number(a.value), a.numerator, a.denominator) == (
        json_number(b.value),
        b.numerator,
        b.denominator,
    )


def attach_revisions(
    session: Session, card: Scorecard, *, working_days: WorkingDays | None = None
) -> Scorecard:
    """Mark on `card` every figure revised since its month was published; returns `card`."""
    card.revisions = {}
    card.published = {}
    if card.team or card.officer:
        return card
    months = [str(m) for m in card.months]
    rows = session.execute(
        sa.select(ScorecardPublication).where(col(ScorecardPublication.month).in_(months))
    ).scalars()
    publications = {p.month: p for p in rows}
    if not publications:
        session.commit()
        return card
    earliest = min(p.published_at for p in publications.values())
    effects = void_effects(
        session, settings=card.settings, working_days=working_days, voided_since=earliest
    )
    session.commit()  # end the read-only transaction
    now_settings = _settings_json(card.settings)
    for month, pub in publications.items():
        card.published[month] = pub.published_at
        stored = pub.figures.get("indicators", {})
        at = months.index(month)
        for indicator in INDICATORS:
            if indicator.id not in stored:
                continue
            published = _published_figure(month, stored[indicator.id])
            current = card.figures[indicator.id][at]
            if _same(published, current):
                continue
            card.revisions[(indicator.id, month)] = Revision(
                indicator=indicator.id,
                month=month,
                published=published,
                current=current,
                published_at=pub.published_at,
                corrections=tuple(
                    e
                    for e in effects
                    if e.voided_at > pub.published_at and e.touches(indicator.id, month)
                ),
                settings_changed=pub.figures.get("settings") != now_settings,
                rules_before=_rules_before(pub),
            )
    return card


def _rules_before(pub: ScorecardPublication) -> int | None:
    """The rules version `pub` was computed under if not the running one's (0: unknown)."""
    version = pub.figures.get("rules_version", 0)
    return None if version == RULES_VERSION else int(version)
