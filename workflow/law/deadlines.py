"""A case's deadlines and windows: a pure function of its events (spec deadlines.md 3-6).

`evaluate(case_ref, events, as_of, settings)` replays the events in processing
order through the state machine and, for each one, creates, meets, cancels or
excuses deadlines by the tables of the spec (`workflow.law.effects`, one rule per
event type). Statuses that depend on the day (pending, overdue) are worked out from
`as_of` at the end. No clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from workflow.errors import WorkflowError
from workflow.law import timescales as ts
from workflow.law.calendar import WorkingDays, govuk_date
from workflow.law.effects import EFFECTS, EXCEPTIONS_BY_KIND, is_cease_decision, opens_appeal
from workflow.law.events import Day, Event, in_processing_order
from workflow.law.machine import CaseFlow

# The version of spec deadlines.md these rules implement. Stored deadlines record the
# version they were computed under (`workflow.rules_stamp`): a new version means every
# stored deadline is recomputed when the database is upgraded.
RULES_VERSION = 3

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
    # v3
    "reassessment_decision",
    "reassessment_final",
    "review_meeting_notice",
    "review_papers",
    "transfer_out",
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
    # The exception reasons the regulation that set it allows (spec section 4).
    exceptions: tuple[str, ...] = ()
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


@dataclass(frozen=True)
class LawWarning:
    """A fact the family or a manager must see that is not a deadline (spec section 5a).

    `ceased_during_appeal_period`: the plan ceased on `date`, on or before `closes`, the
    end of the time to appeal the cease decision notified on `notice` (CFA s.45;
    Explanatory Notes para 247: the plan is maintained until that time has passed).
    """

    kind: str
    date: Day
    notice: Day
    closes: Day

    @property
    def text(self) -> str:
        """The warning in a sentence, as the case page and `ehc case show` list it."""
        return (
            f"The plan was ceased on {govuk_date(self.date)}, while the family could still "
            f"appeal the decision to cease it sent on {govuk_date(self.notice)} (until "
            f"{govuk_date(self.closes)}). The plan must be kept until that time has passed "
            "or an appeal is decided (Children and Families Act 2014 s.45)."
        )

    def to_json(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "date": self.date.isoformat(),
            "notice": self.notice.isoformat(),
            "closes": self.closes.isoformat(),
        }


@dataclass
class Evaluation:
    """What `evaluate` found: the case's state, deadlines and windows as of a day.

    `warnings` are sentences for people (an early final plan, a plan ceased during its
    appeal period); `law_warnings` the section 5a warnings, as `ehc deadlines --json`
    writes them.
    """

    case: str
    as_of: date
    state: str
    deadlines: list[Deadline]
    windows: list[Window]
    warnings: list[str] = field(default_factory=list)
    law_warnings: list[LawWarning] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "as_of": self.as_of.isoformat(),
            "deadlines": [d.to_json() for d in self.deadlines],
            "windows": [w.to_json() for w in self.windows],
            "warnings": [w.to_json() for w in self.law_warnings],
        }


class Replay:
    """The replay of one case: deadlines made and touched event by event.

    What each event does is in `workflow.law.effects.EFFECTS`; this holds what the
    effects share and how they make, meet and cancel deadlines.
    """

    def __init__(
        self, settings: Settings, working_days: WorkingDays | None = None, case_ref: str = ""
    ) -> None:
        self.settings = settings
        self.case_ref = case_ref  # names the case in an input error
        self.working_days = working_days or default_working_days()
        self.deadlines: list[Deadline] = []
        self.request: date | None = None
        self.assess_order: date | None = None  # latest order assess since a decision not to assess
        # Open advice requests (reg 8(1)): advice, ref, the day received, its deadline.
        self.advice_requests: list[tuple[str, str | None, date, Deadline | None]] = []
        self.latest_meeting: date | None = None
        # The amendment a review decided is unfinished (Devon cap, spec 3).
        self.review_amendment_unfinished = False
        # Days of the events that can meet a phase transfer review (reg 18), as processed.
        self.phase_qualifiers: list[date] = []
        # The latest order to re-assess not yet used by a decision to re-assess: day, event.
        self.reassess_order: Event | None = None
        self.latest_cease_decision: date | None = None
        self.ceased_on: date | None = None
        # Appeal notices: position, date, whether it is a decision to cease the plan.
        self.notices: list[tuple[int, date, bool]] = []
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
            self.notices.append((position, event.date, is_cease_decision(event)))

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
        exceptions: tuple[str, ...] | None = None,
    ) -> Deadline:
        """A new deadline; its exceptions are its kind's unless the caller says (spec 4)."""
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
            exceptions=EXCEPTIONS_BY_KIND.get(kind, ()) if exceptions is None else exceptions,
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

    def has_open(self, kind: str) -> bool:
        return any(d.kind == kind and d.open for d in self.deadlines)

    def cancel(
        self,
        kinds: Iterable[str],
        on: date,
        *,
        never_lapse: bool = False,
        keep: Callable[[Deadline], bool] | None = None,
    ) -> None:
        """Cancel every open deadline of `kinds` (but those `keep` says survive)."""
        kinds = frozenset(kinds)
        for d in self.deadlines:
            if d.kind in kinds and d.open and not (keep is not None and keep(d)):
                d.cancelled_on = on
                d.never_lapses = d.never_lapses or never_lapse

    def add_window(self, kind: str, opens: date, closes: date) -> Window:
        """A representations window; appeal windows are worked out at the end (`windows`)."""
        window = Window(kind, opens, closes)
        self.representations.append(window)
        return window

    def appeal_windows(self, working_days: WorkingDays) -> list[tuple[Window, bool]]:
        """HESC r.20(1)(c) appeal windows with their certificates, each marked when it is a
        cease decision's."""
        out = []
        for i, (_position, notice, cease) in enumerate(self.notices):
            next_position = self.notices[i + 1][0] if i + 1 < len(self.notices) else None
            certificate = next(
                (
                    on
                    for pos, on in self.certificates
                    if on >= notice and (next_position is None or pos < next_position)
                ),
                None,
            )
            closes = ts.appeal_closes(notice, certificate, working_days)
            out.append((Window("appeal", notice, closes), cease))
        return out

    def windows(self, working_days: WorkingDays) -> list[Window]:
        """Representations, then HESC r.20(1)(c) appeal windows with their certificates."""
        return list(self.representations) + [w for w, _ in self.appeal_windows(working_days)]

    def law_warnings(self, working_days: WorkingDays) -> list[LawWarning]:
        """Spec 5a: a plan ceased on or before the close of the appeal window of the latest
        cease decision dated on or before it (CFA s.45)."""
        if self.ceased_on is None:
            return []
        decisions = [
            w
            for w, cease in self.appeal_windows(working_days)
            if cease and w.opens <= self.ceased_on
        ]
        if not decisions:
            return []
        latest = max(decisions, key=lambda w: w.opens)
        if self.ceased_on > latest.closes:
            return []
        return [
            LawWarning("ceased_during_appeal_period", self.ceased_on, latest.opens, latest.closes)
        ]


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
    working_days = working_days or default_working_days()
    flow = CaseFlow(case_ref)
    replay = Replay(settings, working_days, case_ref)
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
    windows = sorted(replay.windows(working_days), key=lambda w: (w.opens, w.kind))
    law_warnings = sorted(replay.law_warnings(working_days), key=lambda w: (w.date, w.kind))
    return Evaluation(
        case_ref,
        as_of,
        flow.state,
        deadlines,
        windows,
        [*replay.warnings, *(w.text for w in law_warnings)],
        law_warnings,
    )
