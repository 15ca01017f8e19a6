"""A case's deadlines and windows: a pure function of its events (spec deadlines.md 3-6).

`evaluate(case_ref, events, as_of, settings)` replays the events in processing
order through the state machine and, for each one, creates, meets, cancels or
excuses deadlines by the tables of the spec (`workflow.law.effects`, one rule per
event type). Statuses that depend on the day (pending, overdue) are worked out from
`as_of` at the end. No clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from workflow.errors import WorkflowError
from workflow.law import timescales as ts
from workflow.law.calendar import WorkingDays
from workflow.law.effects import EFFECTS, opens_appeal
from workflow.law.events import Event, in_processing_order
from workflow.law.machine import CaseFlow

# Every deadline kind of spec section 3, in the spec's order.
KINDS = (
    "decision_to_assess",
    "advice",
    "decision_not_to_issue",
    "final_plan",
    "annual_review",
    "review_report",
    "review_decision",
    "amended_plan",
    "phase_transfer",
    "transfer_notice",
    "mediation",
    "order_compliance",
)

# Kinds whose cancellation never makes them lapse: they limit a decision rather than
# require one (spec section 5).
NEVER_LAPSE = frozenset({"decision_not_to_issue"})


@dataclass(frozen=True)
class Settings:
    twenty_week_days: int = ts.TWENTY_WEEK_DAYS
    phase_transfer_rule: str = "before"

    def __post_init__(self) -> None:
        if self.twenty_week_days not in (139, 140):
            raise ValueError("twenty_week_days must be 139 or 140")
        if self.phase_transfer_rule not in ("before", "by"):
            raise ValueError("phase_transfer_rule must be before or by")


@dataclass
class Deadline:
    kind: str
    starts: date
    due: date
    regulation: str
    party: str = "local_authority"
    advice: str | None = None
    ref: str | None = None
    met_on: date | None = None
    cancelled_on: date | None = None
    exception: str | None = None
    created_on: date | None = None  # date of the event that created it
    position: int = 0  # order of creation within the case
    exception_on: date | None = None  # date of the exception_recorded that excused it
    # A final_plan cancelled by a decision not to issue never lapses (section 5).
    never_lapses: bool = False
    status: str = ""
    breach: bool = False
    days_late: int | None = None

    @property
    def can_lapse(self) -> bool:
        return not (self.never_lapses or self.kind in NEVER_LAPSE)

    @property
    def open(self) -> bool:
        return self.met_on is None and self.cancelled_on is None

    def settle(self, as_of: date) -> None:
        """Work out status, breach and days late as of a day (section 5)."""
        days_late: int | None = None
        if self.met_on is not None:
            if self.met_on <= self.due:
                status = "met"
            else:
                status, days_late = "late", (self.met_on - self.due).days
        elif self.cancelled_on is not None:
            if not self.can_lapse or self.cancelled_on <= self.due:
                status = "cancelled"
            else:
                status, days_late = "lapsed", (self.cancelled_on - self.due).days
        elif as_of <= self.due:
            status = "pending"
        else:
            status, days_late = "overdue", (as_of - self.due).days
        self.status, self.days_late = status, days_late
        # An unresolved decision_not_to_issue limit is overdue but not a breach.
        breaching = status in ("late", "lapsed") or (
            status == "overdue" and self.kind != "decision_not_to_issue"
        )
        self.breach = breaching and self.exception is None

    @property
    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.due.isoformat(), self.kind, self.advice or "", self.ref or "")

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "advice": self.advice,
            "ref": self.ref,
            "regulation": self.regulation,
            "party": self.party,
            "starts": self.starts.isoformat(),
            "due": self.due.isoformat(),
            "met_on": self.met_on.isoformat() if self.met_on else None,
            "status": self.status,
            "exception": self.exception,
            "breach": self.breach,
            "days_late": self.days_late,
        }


@dataclass(frozen=True)
class Window:
    kind: str
    opens: date
    closes: date

    def to_json(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "opens": self.opens.isoformat(),
            "closes": self.closes.isoformat(),
        }


@dataclass
class Evaluation:
    """What `evaluate` found: the case's state, deadlines and windows as of a day."""

    case: str
    as_of: date
    state: str
    deadlines: list[Deadline]
    windows: list[Window]
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "as_of": self.as_of.isoformat(),
            "deadlines": [d.to_json() for d in self.deadlines],
            "windows": [w.to_json() for w in self.windows],
        }


class Replay:
    """The replay of one case: deadlines made and touched event by event.

    What each event does is in `workflow.law.effects.EFFECTS`; this holds what the
    effects share and how they make, meet and cancel deadlines.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.deadlines: list[Deadline] = []
        self.request: date | None = None
        self.assess_order: date | None = None  # latest order assess since a decision not to assess
        self.advice_requests: list[tuple[str, str | None, Deadline | None]] = []
        self.latest_meeting: date | None = None
        self.amend_decided_after_meeting = False
        self.notices: list[tuple[int, date]] = []  # appeal notices: position, date
        self.certificates: list[tuple[int, date]] = []
        self.representations: list[Window] = []
        self.representations_close: date | None = None
        self.warnings: list[str] = []
        # The event being applied: its date and its position in processing order.
        self.today = date.min
        self.position = 0

    def apply(self, event: Event, position: int) -> None:
        """The event's effects, then its appeal window if it is an appealable notice."""
        self.today, self.position = event.date, position
        EFFECTS[event.type](self, event)
        if opens_appeal(event):
            self.notices.append((position, event.date))

    def add(
        self,
        kind: str,
        starts: date,
        due: date,
        regulation: str,
        *,
        party: str = "local_authority",
        advice: str | None = None,
        ref: str | None = None,
    ) -> Deadline:
        deadline = Deadline(
            kind,
            starts,
            due,
            regulation,
            party=party,
            advice=advice,
            ref=ref,
            created_on=self.today,
            position=len(self.deadlines),
        )
        self.deadlines.append(deadline)
        return deadline

    def meet(self, kind: str, on: date, *, every: bool = False, ref: str | None = None) -> None:
        """Meet the oldest open deadline of `kind` that has started (or every one)."""
        for d in self.deadlines:
            if d.kind == kind and d.open and d.starts <= on and (ref is None or d.ref == ref):
                d.met_on = on
                if not every:
                    return

    def cancel(self, kinds: Iterable[str], on: date, *, never_lapse: bool = False) -> None:
        kinds = frozenset(kinds)
        for d in self.deadlines:
            if d.kind in kinds and d.open:
                d.cancelled_on = on
                d.never_lapses = d.never_lapses or never_lapse

    def add_window(self, kind: str, opens: date, closes: date) -> Window:
        """A representations window; appeal windows are worked out at the end (`windows`)."""
        window = Window(kind, opens, closes)
        self.representations.append(window)
        return window

    def windows(self, working_days: WorkingDays) -> list[Window]:
        """Representations, then HESC r.20(1)(c) appeal windows with their certificates."""
        out = list(self.representations)
        for i, (_position, notice) in enumerate(self.notices):
            next_position = self.notices[i + 1][0] if i + 1 < len(self.notices) else None
            certificate = next(
                (
                    on
                    for pos, on in self.certificates
                    if on >= notice and (next_position is None or pos < next_position)
                ),
                None,
            )
            out.append(
                Window("appeal", notice, ts.appeal_closes(notice, certificate, working_days))
            )
        return out


_DEFAULT_WORKING_DAYS: WorkingDays | None = None


def default_working_days() -> WorkingDays:
    global _DEFAULT_WORKING_DAYS
    if _DEFAULT_WORKING_DAYS is None:
        _DEFAULT_WORKING_DAYS = WorkingDays()
    return _DEFAULT_WORKING_DAYS


def evaluate(
    case_ref: str,
    events: Iterable[Event],
    as_of: date,
    settings: Settings | None = None,
    working_days: WorkingDays | None = None,
) -> Evaluation:
    """The deadlines and windows of a case as of a day (spec sections 3 to 6).

    Events dated after `as_of` are ignored; the rest are replayed in processing
    order. Raises `EventNotAllowed` or `InvalidException` (both `WorkflowError`)
    for a history the law does not allow; the message names the event.
    """
    settings = settings or Settings()
    flow = CaseFlow(case_ref)
    replay = Replay(settings)
    ordered = [e for e in in_processing_order(events) if e.date <= as_of]
    for position, event in enumerate(ordered):
        try:
            flow.apply(event)
            replay.apply(event, position)
        except WorkflowError as err:
            err.event = event  # lets callers say which input line or index it was
            raise
    for d in replay.deadlines:
        d.settle(as_of)
    deadlines = sorted(replay.deadlines, key=lambda d: d.sort_key)
    windows = sorted(
        replay.windows(working_days or default_working_days()), key=lambda w: (w.opens, w.kind)
    )
    return Evaluation(case_ref, as_of, flow.state, deadlines, windows, replay.warnings)
