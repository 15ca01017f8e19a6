"""Timeliness facts: the spans of days on which a case counts in a month-end figure.

Two kinds of scorecard figure are counts on a month's last day (spec kpis.md): open
assessments (how long since the request, and whether the case is disputed) and the
annual review backlog. What a case counts for on a day follows from its effective
events up to that day, so between two of its events nothing changes. The write path
keeps, for every case, the spans of days on which it counts (one row each, written
in the events' transaction by `workflow.service` and `workflow.importing`), so the
scorecard reads a month end as the spans that contain it, in one grouped scan
(`scheduler.scorecard.counts.snapshot_counts`), rather than replaying every case's
events at every month end.

A span is `since` up to the day before `until` (no `until`: still running):

- `open`: waiting for a decision, being assessed or at draft plan stage, with the
  first request's date (`request_on`) and the first dispute's so far (`disputed_on`:
  mediation, appeal or Tribunal order);
- `backlog`: a plan in force whose review meeting has no decision after it, or whose
  decision to amend has not been carried out (an amended plan or a decision not to
  amend).

The events are taken in the processing order of deadlines.md section 2 (day, type,
then recording sequence), exactly as the scorecard's reference computation from the
events (`scheduler.scorecard.counts.snapshot_counts_from_events`) takes them.
Nothing here depends on the settings, so a change of rules leaves the facts as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from workflow import bulk
from workflow.law.events import TYPE_ORDER, Event
from workflow.law.machine import STATE_AFTER, State
from workflow.models import TimelinessFact

FACTS: sa.Table = TimelinessFact.__table__  # type: ignore[attr-defined]
F = FACTS.c

OPEN = "open"
BACKLOG = "backlog"

# A case is disputed from its first contact with the mediation adviser, mediation request,
# mediation agreement, appeal, concession or Tribunal order (kpis.md v3: orders reached by
# concession or agreement, and the adviser contact, count too).
DISPUTE_TYPES = (
    "mediation_adviser_contacted",
    "mediation_requested",
    "mediation_agreement",
    "appeal_registered",
    "appeal_conceded",
    "tribunal_order",
)
# An open assessment: waiting for a decision, being assessed, or at draft plan stage.
OPEN_ASSESSMENT_STATES = (State.REQUESTED, State.ASSESSING, State.DRAFT_ISSUED)
# What settles a decision to amend a plan, for the review backlog.
RESOLVES_AMENDMENT = ("amended_plan_issued", "decision_not_to_amend")
# The events that can change what a case counts for on a day; no other event does.
TIMELINE_TYPES = tuple(
    dict.fromkeys(
        (
            *STATE_AFTER,
            *DISPUTE_TYPES,
            "review_meeting_held",
            "review_decision",
            *RESOLVES_AMENDMENT,
        )
    )
)
_TIMELINE = frozenset(TIMELINE_TYPES)
_DISPUTES = frozenset(DISPUTE_TYPES)
_RESOLVES = frozenset(RESOLVES_AMENDMENT)
_OPEN = frozenset(OPEN_ASSESSMENT_STATES)

# (day, type, recording sequence, the review decision's outcome or None)
Moment = tuple[date, str, int, str | None]


@dataclass(frozen=True)
class Span:
    kind: str  # OPEN or BACKLOG
    since: date
    until: date | None  # the first day it no longer holds; None: it still holds
    request_on: date | None = None  # open spans only
    disputed_on: date | None = None  # open spans only


def moments(events: Iterable[Event]) -> list[Moment]:
    """The facts' view of a case's effective events."""
    return [
        (e.date, e.type.value, e.index, e.fields.get("outcome"))
        for e in events
        if e.type.value in _TIMELINE
    ]


def case_spans(history: Iterable[Moment]) -> list[Span]:
    """The spans of a case's effective events (`moments`), in order of `since`."""
    ordered = sorted(
        (m for m in history if m[1] in _TIMELINE), key=lambda m: (m[0], TYPE_ORDER[m[1]], m[2])
    )
    state: str | None = None
    meeting: tuple[date, int, int] | None = None  # processing keys of the latest of each
    decision: tuple[date, int, int] | None = None
    amend = False  # the latest review decision was to amend
    resolved: tuple[date, int, int] | None = None
    request: date | None = None
    disputed: date | None = None
    out: list[Span] = []
    for i, (day, type_, sequence, outcome) in enumerate(ordered):
        key = (day, TYPE_ORDER[type_], sequence)
        if type_ in STATE_AFTER:
            state = STATE_AFTER[type_]
        if type_ == "review_meeting_held":
            meeting = key
        elif type_ == "review_decision":
            decision, amend = key, outcome == "amend"
        elif type_ in _RESOLVES:
            resolved = key
        elif type_ == "request_received" and request is None:
            request = day  # in date order: the first is the earliest
        elif type_ in _DISPUTES and disputed is None:
            disputed = day
        until = ordered[i + 1][0] if i + 1 < len(ordered) else None
        if until is not None and until == day:
            continue  # a later event the same day: this one holds on no day
        span: Span | None = None
        if state in _OPEN and request is not None:  # no request: no age, counted nowhere
            span = Span(OPEN, day, until, request, disputed)
        elif state == State.PLAN_IN_FORCE and (
            (meeting is not None and (decision is None or decision < meeting))
            or (amend and decision is not None and (resolved is None or resolved < decision))
        ):
            span = Span(BACKLOG, day, until)
        if span is None:
            continue
        last = out[-1] if out else None
        if (
            last is not None
            and last.until == day
            and (last.kind, last.request_on, last.disputed_on)
            == (span.kind, span.request_on, span.disputed_on)
        ):
            out[-1] = Span(span.kind, last.since, until, span.request_on, span.disputed_on)
        else:
            out.append(span)
    return out


def fact_rows(case_id: int, spans: Sequence[Span]) -> list[dict[str, Any]]:
    return [
        {
            "case_id": case_id,
            "kind": s.kind,
            "since": s.since,
            "until": s.until,
            "request_on": s.request_on,
            "disputed_on": s.disputed_on,
        }
        for s in spans
    ]


def write_facts(
    session: Session,
    *,
    case_id: int,
    history: Sequence[Event],
    changed: Iterable[str] | None = None,
) -> None:
    """Make the case's stored facts those of its effective `history`, in the caller's
    transaction, writing only if they differ.

    `changed`: the types of the events recorded, voided or corrected; when none of
    them can change a span, nothing is read or written.
    """
    if changed is not None and not _TIMELINE.intersection(changed):
        return
    rows = fact_rows(case_id, case_spans(moments(history)))
    names = ("kind", "since", "until", "request_on", "disputed_on")
    stored = session.execute(
        sa.select(*(F[n] for n in names)).where(F.case_id == case_id).order_by(F.since, F.id)
    ).all()
    if [tuple(r) for r in stored] == [tuple(row[n] for n in names) for row in rows]:
        return
    session.execute(sa.delete(FACTS).where(F.case_id == case_id))
    bulk.insert_rows(session, FACTS, rows)
