"""What each void or correction did: the deadlines it changed and the figures it touched.

For every void (a correction is a void with a replacement), the case's effective history
just before it and just after it are replayed (`workflow.law.deadlines.evaluate`) and
compared (`workflow.law.changes.compare`). "Just before" is every event of the case
recorded up to the void, less the events voided by earlier voids; "just after" is that
history without the voided event and with its replacement. (Events are numbered by
sequence and stamped when recorded; one recorded later in the same instant as the void
would be taken as before it, which only a frozen test clock produces.)

The figures a void touched (the attribution rule, docs/kpis.md):
- a deadline-based figure of month M, when the comparison shows a deadline of the
  indicator's kind (and advice) that changed, whose date that puts it in a month's
  cohort (the day met, for decisions and new plans; the due day, for advice, reviews
  and amended plans) falls in M before or after the change. That is: the case counted
  in the figure before or after the correction, and the correction changed what it
  counted.
- a count read on a month's last day (open assessments over 20 weeks, the annual review
  backlog), for every month M on or after the earlier of the voided event's date and
  its replacement's, when the change made any difference the law sees.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from scheduler.scorecard.indicators import ADVICE_KINDS, COMPLETION_KINDS
from scheduler.scorecard.months import Month
from workflow.case_writes import END_OF_TIME, stored_to_event
from workflow.errors import WorkflowError
from workflow.law.calendar import WorkingDays
from workflow.law.changes import Changes, DeadlineDelta, DeadlineFacts, compare
from workflow.law.deadlines import Settings, evaluate
from workflow.models import Case, EventVoid, StoredEvent

# Deadline-based indicators: the deadline kind (and advice) each counts.
DEADLINE_INDICATORS: dict[str, tuple[str, str | None]] = {
    "decisions_within_6_weeks": ("decision_to_assess", None),
    "plans_within_20_weeks_incl_exceptions": ("final_plan", None),
    "plans_within_20_weeks_excl_exceptions": ("final_plan", None),
    "average_weeks_to_issue": ("final_plan", None),
    **{f"advice_within_6_weeks_{a}": ("advice", a) for a in ADVICE_KINDS},
    "annual_reviews_within_timeframe": ("annual_review", None),
    "review_decisions_within_4_weeks": ("review_decision", None),
    "amended_plans_on_time": ("amended_plan", None),
}
# Counts read on each month's last day.
SNAPSHOT_INDICATORS = ("open_assessments_over_20_weeks", "annual_review_backlog")


@dataclass(frozen=True)
class VoidEffect:
    """One void or correction, and what it did to its case."""

    void_id: int
    voided_at: datetime
    voided_by: str
    reason: str
    case_ref: str
    team: str | None
    officer: str | None
    sequence: int
    event_type: str
    event_date: date
    replaced_by: int | None
    corrected_date: date | None
    corrected_fields: dict[str, Any] | None
    changes: Changes | None  # None if either history could not be replayed
    figures: frozenset[tuple[str, str]] = field(default_factory=frozenset)  # (indicator, month)
    snapshot_from: Month | None = None  # the snapshot counts touched from this month on

    def touches(self, indicator: str, month: str) -> bool:
        if indicator in SNAPSHOT_INDICATORS:
            return self.snapshot_from is not None and Month.parse(month) >= self.snapshot_from
        return (indicator, month) in self.figures

    def to_json(self) -> dict[str, Any]:
        """For the scorecard's exports: references only, no names or dates of birth."""
        return {
            "case": self.case_ref,
            "sequence": self.sequence,
            "event": self.event_type,
            "event_date": self.event_date.isoformat(),
            "corrected_date": self.corrected_date.isoformat() if self.corrected_date else None,
            "kind": "correction" if self.replaced_by is not None else "void",
            "reason": self.reason,
            "by": self.voided_by,
            "at": self.voided_at.isoformat(),
        }

    def summary(self) -> str:
        """One line, as a spreadsheet cell lists it."""
        what = "corrected" if self.replaced_by is not None else "voided"
        moved = f" to {self.corrected_date.isoformat()}" if self.corrected_date else ""
        return (
            f"{self.case_ref} event {self.sequence} ({self.event_type}, "
            f"{self.event_date.isoformat()}) {what}{moved} by {self.voided_by} on "
            f"{self.voided_at:%Y-%m-%d %H:%M} UTC: {self.reason}"
        )


def _cohort_day(facts: DeadlineFacts) -> date | None:
    """The day that puts a deadline in a month's cohort (see `counts.py`)."""
    return facts.met_on if facts.kind in COMPLETION_KINDS else facts.due


def _figures_touched(deltas: Iterable[DeadlineDelta]) -> frozenset[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for delta in deltas:
        for facts in (delta.before, delta.after):
            if facts is None:
                continue
            day = _cohort_day(facts)
            if day is None:
                continue
            for indicator, (kind, advice) in DEADLINE_INDICATORS.items():
                if facts.kind == kind and (advice is None or facts.advice == advice):
                    out.add((indicator, str(Month.of(day))))
    return frozenset(out)


def void_effects(
    session: Session,
    *,
    settings: Settings,
    working_days: WorkingDays | None = None,
    case_ids: Iterable[int] | None = None,
    voided_since: datetime | None = None,
) -> list[VoidEffect]:
    """Every void (of these cases; recorded after `voided_since`), oldest first, with
    what it did."""
    query = sa.select(EventVoid).order_by(col(EventVoid.id))
    if case_ids is not None:
        query = query.where(col(EventVoid.case_id).in_(list(case_ids)))
    if voided_since is not None:
        query = query.where(col(EventVoid.voided_at) > voided_since)
    voids = list(session.execute(query).scalars())
    if not voids:
        return []
    ids = sorted({v.case_id for v in voids})
    cases = {
        c.id: c for c in session.execute(sa.select(Case).where(col(Case.id).in_(ids))).scalars()
    }
    events: dict[int, list[StoredEvent]] = {i: [] for i in ids}
    for row in session.execute(
        sa.select(StoredEvent)
        .where(col(StoredEvent.case_id).in_(ids))
        .order_by(col(StoredEvent.case_id), col(StoredEvent.sequence))
    ).scalars():
        events[row.case_id].append(row)
    all_voids = {
        v.event_id: v.id
        for v in session.execute(
            sa.select(EventVoid).where(col(EventVoid.case_id).in_(ids))
        ).scalars()
    }
    return [
        _effect(v, cases[v.case_id], events[v.case_id], all_voids, settings, working_days)
        for v in voids
    ]


def _effect(
    void: EventVoid,
    case: Case,
    rows: list[StoredEvent],
    voided_by_void: dict[int, int | None],
    settings: Settings,
    working_days: WorkingDays | None,
) -> VoidEffect:
    assert void.id is not None
    voided = next(r for r in rows if r.id == void.event_id)
    replacement = next((r for r in rows if r.sequence == void.replaced_by), None)
    before_rows = [
        r
        for r in rows
        if r.recorded_at <= void.voided_at
        and r is not replacement
        and (voided_by_void.get(r.id or 0) or void.id) >= void.id  # not voided earlier
    ]
    after_rows = [r for r in before_rows if r is not voided]
    if replacement is not None:
        after_rows.append(replacement)
    changes: Changes | None
    try:
        before = evaluate(
            case.reference,
            [stored_to_event(r) for r in before_rows],
            END_OF_TIME,
            settings,
            working_days,
        )
        after = evaluate(
            case.reference,
            [stored_to_event(r) for r in sorted(after_rows, key=lambda r: r.sequence)],
            END_OF_TIME,
            settings,
            working_days,
        )
        changes = compare(before, after)
    except WorkflowError:
        changes = None
    earliest = min(voided.date, replacement.date) if replacement is not None else voided.date
    differs = changes is None or not changes.nothing
    return VoidEffect(
        void_id=void.id,
        voided_at=void.voided_at,
        voided_by=void.voided_by,
        reason=void.reason,
        case_ref=case.reference,
        team=case.team,
        officer=case.officer,
        sequence=voided.sequence,
        event_type=voided.type,
        event_date=voided.date,
        replaced_by=void.replaced_by,
        corrected_date=replacement.date if replacement is not None else None,
        corrected_fields=dict(replacement.fields) if replacement is not None else None,
        changes=changes,
        figures=_figures_touched(changes.deadlines) if changes is not None else frozenset(),
        snapshot_from=Month.of(earliest) if differs else None,
    )
