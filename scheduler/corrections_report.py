"""The corrections report for managers: every void and correction, what it changed.

One row per void (a correction is a void with a replacement event): when and by whom,
the case (reference, team, officer), the event voided and what it was corrected to, the
reason, the deadlines it changed and the breaches among them (from
`scheduler.scorecard.attribution`: the case's effective history replayed just before and
just after, compared with `workflow.law.changes.compare`), and the published KPI figures
it revised (`scheduler.scorecard.publications`). Filtered by team, officer and the day
it was made (UK time). References only: no child's name or date of birth.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from scheduler.scorecard.attribution import VoidEffect, void_effects
from scheduler.scorecard.compute import compute_scorecard
from scheduler.scorecard.formats import explained
from scheduler.scorecard.indicators import INDICATORS
from scheduler.scorecard.months import MAX_SCORECARD_MONTHS, Month
from scheduler.scorecard.publications import Revision, attach_revisions
from scheduler.spreadsheet import spreadsheet_safe
from workflow.clock import LONDON
from workflow.law.calendar import WorkingDays
from workflow.law.changes import DeadlineDelta, DeadlineFacts
from workflow.law.deadlines import Settings
from workflow.models import ScorecardPublication


@dataclass(frozen=True)
class ReportFilters:
    team: str | None = None
    officer: str | None = None
    made_from: date | None = None  # the day it was made, UK time, inclusive
    made_to: date | None = None


@dataclass(frozen=True)
class DeadlineLine:
    """One deadline the void changed, as the report words it."""

    deadline: str
    change: str
    due_before: date | None
    due_after: date | None
    late_before: int | None  # days late (a breach), before and after
    late_after: int | None

    @property
    def breach_changed(self) -> bool:
        return self.late_before != self.late_after

    def text(self) -> str:
        due = self.due_after or self.due_before
        out = f"{self.deadline}: {self.change} (due {due.isoformat() if due else '-'})"
        if self.breach_changed:
            out += f"; breach {_late(self.late_before)} -> {_late(self.late_after)}"
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "deadline": self.deadline,
            "change": self.change,
            "due_before": self.due_before.isoformat() if self.due_before else None,
            "due_after": self.due_after.isoformat() if self.due_after else None,
            "days_late_before": self.late_before,
            "days_late_after": self.late_after,
            "breach_changed": self.breach_changed,
        }


def _late(days: int | None) -> str:
    return "none" if days is None else f"{days} days late"


@dataclass(frozen=True)
class RevisedFigure:
    indicator: str
    name: str
    month: str
    published: str
    current: str

    @property
    def month_label(self) -> str:
        """As people read it: September 2026."""
        return Month.parse(self.month).first.strftime("%B %Y")

    def text(self) -> str:
        return f"{self.name}, {self.month}: published {self.published}, now {self.current}"

    def to_json(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator,
            "month": self.month,
            "published": self.published,
            "current": self.current,
        }


@dataclass(frozen=True)
class ReportRow:
    effect: VoidEffect
    deadlines: tuple[DeadlineLine, ...]
    revised: tuple[RevisedFigure, ...]

    @property
    def breaches(self) -> tuple[DeadlineLine, ...]:
        return tuple(d for d in self.deadlines if d.breach_changed)

    def to_json(self) -> dict[str, Any]:
        e = self.effect
        return {
            "made_at": e.voided_at.isoformat(),
            "made_by": e.voided_by,
            "case": e.case_ref,
            "team": e.team,
            "officer": e.officer,
            "kind": "correction" if e.replaced_by is not None else "void",
            "event": {
                "sequence": e.sequence,
                "type": e.event_type,
                "date": e.event_date.isoformat(),
            },
            "corrected_to": (
                None
                if e.replaced_by is None
                else {
                    "sequence": e.replaced_by,
                    "date": e.corrected_date.isoformat() if e.corrected_date else None,
                    "fields": e.corrected_fields,
                }
            ),
            "reason": e.reason,
            "replayed": e.changes is not None,
            "state_before": e.changes.state_before if e.changes else None,
            "state_after": e.changes.state_after if e.changes else None,
            "deadlines": [d.to_json() for d in self.deadlines],
            "breaches_changed": len(self.breaches),
            "revised_figures": [f.to_json() for f in self.revised],
        }


def _label(facts: DeadlineFacts) -> str:
    name = facts.kind.replace("_", " ")
    return f"{name} ({facts.advice.replace('_', ' ')})" if facts.advice else name


def _line(delta: DeadlineDelta) -> DeadlineLine:
    b, a = delta.before, delta.after
    return DeadlineLine(
        deadline=_label(delta.deadline),
        change=str(delta.change),
        due_before=b.due if b else None,
        due_after=a.due if a else None,
        late_before=b.days_late if b else None,
        late_after=a.days_late if a else None,
    )


def _revisions(
    session: Session,
    effects: list[VoidEffect],
    settings: Settings,
    working_days: WorkingDays | None,
) -> list[Revision]:
    """The revisions of every published month (all teams), to match to the voids."""
    months = [
        Month.parse(m)
        for m in session.execute(sa.select(col(ScorecardPublication.month))).scalars()
    ]
    if not months or not effects:
        session.commit()
        return []
    last = max(months)
    first = max(min(months), Month(last.year - MAX_SCORECARD_MONTHS // 12, last.month).next())
    card = compute_scorecard(session, first=first, last=last, settings=settings)
    attach_revisions(session, card, working_days=working_days)
    return list(card.revisions.values())


def corrections_report(
    session: Session,
    *,
    settings: Settings,
    working_days: WorkingDays | None = None,
    filters: ReportFilters | None = None,
) -> list[ReportRow]:
    """Every void and correction matching `filters`, newest first."""
    f = filters or ReportFilters()
    effects = [
        e
        for e in void_effects(session, settings=settings, working_days=working_days)
        if (f.team is None or e.team == f.team)
        and (f.officer is None or e.officer == f.officer)
        and (f.made_from is None or e.voided_at.astimezone(LONDON).date() >= f.made_from)
        and (f.made_to is None or e.voided_at.astimezone(LONDON).date() <= f.made_to)
    ]
    revisions = _revisions(session, effects, settings, working_days)
    by_id = {i.id: i for i in INDICATORS}
    rows = []
    for e in reversed(effects):
        revised = tuple(
            RevisedFigure(
                r.indicator,
                by_id[r.indicator].name,
                r.month,
                explained(by_id[r.indicator], r.published),
                explained(by_id[r.indicator], r.current),
            )
            for r in revisions
            if any(c.void_id == e.void_id for c in r.corrections)
        )
        lines = tuple(_line(d) for d in e.changes.deadlines) if e.changes else ()
        rows.append(ReportRow(e, lines, revised))
    return rows


CSV_COLUMNS = (
    "made_at",
    "made_by",
    "case",
    "team",
    "officer",
    "kind",
    "event_sequence",
    "event_type",
    "event_date",
    "corrected_date",
    "corrected_fields",
    "reason",
    "deadlines_changed",
    "breaches_changed",
    "revised_figures",
)


def render_csv(rows: list[ReportRow]) -> str:
    """The report as CSV, every cell through `spreadsheet_safe` (reasons are free text)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        e = row.effect
        cells = (
            e.voided_at.isoformat(),
            e.voided_by,
            e.case_ref,
            e.team or "",
            e.officer or "",
            "correction" if e.replaced_by is not None else "void",
            str(e.sequence),
            e.event_type,
            e.event_date.isoformat(),
            e.corrected_date.isoformat() if e.corrected_date else "",
            ", ".join(f"{k}={v}" for k, v in sorted((e.corrected_fields or {}).items())),
            e.reason,
            "; ".join(d.text() for d in row.deadlines),
            "; ".join(d.text() for d in row.breaches),
            "; ".join(f.text() for f in row.revised),
        )
        writer.writerow([spreadsheet_safe(c) for c in cells])
    return out.getvalue()
