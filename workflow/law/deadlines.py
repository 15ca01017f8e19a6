"""A case's deadlines and windows: a pure function of its events (spec deadlines.md 3-6).

`evaluate(case_ref, events, as_of, settings)` replays the events in processing
order through the state machine and, for each one, creates, meets, cancels or
excuses deadlines by the tables of the spec. Statuses that depend on the day
(pending, overdue) are worked out from `as_of` at the end. No clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from workflow.errors import InvalidException, WorkflowError
from workflow.law import timescales as ts
from workflow.law.calendar import WorkingDays
from workflow.law.events import ORDER_EVENTS, Event, EventType, in_processing_order
from workflow.law.machine import CaseFlow

E = EventType
REGS = "SEND Regulations 2014"

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

ORDER_REGULATION = {
    E.TRIBUNAL_ORDER: f"{REGS} reg 44(2)",
    E.MEDIATION_AGREEMENT: f"{REGS} reg 42(2)",
    E.APPEAL_CONCEDED: f"{REGS} reg 45",
}

APPEAL_NOTICES = frozenset(
    {
        E.DECISION_NOT_TO_ASSESS,
        E.DECISION_NOT_TO_ISSUE,
        E.FINAL_PLAN_ISSUED,
        E.AMENDED_PLAN_ISSUED,
        E.DECISION_NOT_TO_AMEND,
    }
)


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


class _Clock:
    """The replay of one case: deadlines made and touched event by event."""

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
        self.today = date.min  # the date of the event being applied

    # -- helpers ------------------------------------------------------------

    def add(self, deadline: Deadline) -> Deadline:
        deadline.created_on = self.today
        deadline.position = len(self.deadlines)
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

    # -- the events ---------------------------------------------------------

    def apply(self, event: Event, position: int) -> None:
        t, on = event.type, event.date
        self.today = on
        if t is E.REQUEST_RECEIVED:
            self.request = on
            self.add(
                Deadline(
                    "decision_to_assess", on, ts.decision_to_assess_due(on), f"{REGS} reg 5(1)"
                )
            )
        elif t is E.PLAN_TRANSFERRED_IN:
            self.add(
                Deadline(
                    "annual_review",
                    on,
                    ts.transfer_in_review_due(on, event.get("last_reviewed")),
                    f"{REGS} reg 15(5)",
                )
            )
            self.add(
                Deadline("transfer_notice", on, ts.transfer_notice_due(on), f"{REGS} reg 15(4)")
            )
        elif t is E.DECISION_TO_ASSESS:
            self.meet("decision_to_assess", on)
            self.meet("order_compliance", on, every=True, ref="assess")
            self._start_assessment()
        elif t is E.DECISION_NOT_TO_ASSESS:
            self.meet("decision_to_assess", on)
            self.assess_order = None
        elif t is E.ADVICE_REQUESTED:
            starts = event.get("received_on") or on
            advice, ref = event.get("advice"), event.get("ref")
            deadline = None
            if advice != "parent":  # the family's own advice has no statutory clock
                deadline = self.add(
                    Deadline(
                        "advice",
                        starts,
                        ts.advice_due(starts),
                        f"{REGS} reg 8(1)",
                        party="adviser",
                        advice=advice,
                        ref=ref,
                    )
                )
            self.advice_requests.append((advice, ref, deadline))
        elif t is E.ADVICE_RECEIVED:
            self._receive_advice(event.get("advice"), event.get("ref"), on)
        elif t is E.EXCEPTION_RECORDED:
            self._attach_exception(event)
        elif t is E.DECISION_NOT_TO_ISSUE:
            self.meet("decision_not_to_issue", on)
            self.cancel(("advice",), on)
            self.cancel(("final_plan",), on, never_lapse=True)
        elif t is E.DRAFT_PLAN_ISSUED:
            self.cancel(("decision_not_to_issue",), on)
            self.meet("order_compliance", on, every=True, ref="issue_plan_draft")
            served = event.get("served_on") or on
            window = Window("representations", served, ts.representations_close(served))
            self.representations.append(window)
            self.representations_close = window.closes
        elif t is E.FINAL_PLAN_ISSUED:
            self.meet("final_plan", on)
            self.meet("order_compliance", on, every=True, ref="issue_plan_final")
            self.cancel(("decision_not_to_issue",), on)
            if self.representations_close is not None and on < self.representations_close:
                self.warnings.append(
                    f"The final plan was issued on {on.isoformat()}, before the family's "
                    f"representations window closed on {self.representations_close.isoformat()}. "
                    "That is lawful only if they made their representations or agreed."
                )
            self._next_annual_review(on, "Children and Families Act 2014 s.44(1)")
        elif t is E.REVIEW_MEETING_HELD:
            self.cancel(("review_report", "review_decision"), on)
            self.add(
                Deadline(
                    "review_report",
                    on,
                    ts.review_report_due(on),
                    f"{REGS} reg 20(7)",
                    party="institution",
                )
            )
            self.add(
                Deadline("review_decision", on, ts.review_decision_due(on), f"{REGS} reg 20(10)")
            )
            self.latest_meeting = on
            self.amend_decided_after_meeting = False
        elif t is E.REVIEW_REPORT_SENT:
            self.meet("review_report", on)
        elif t is E.REVIEW_DECISION:
            outcome = event.get("outcome")
            cease = outcome == "cease"
            self.meet("review_decision", on, every=cease)
            self.meet("annual_review", on, every=cease)
            if outcome == "maintain":
                self.meet("phase_transfer", on)
            if outcome == "amend":
                self.amend_decided_after_meeting = True
            if not cease:
                self._next_annual_review(on, "Children and Families Act 2014 s.44(1)")
        elif t is E.AMENDMENT_NOTICE_SENT:
            self.cancel(("amended_plan",), on)
            cap_from = self.latest_meeting if self.amend_decided_after_meeting else None
            self.add(
                Deadline(
                    "amended_plan",
                    on,
                    ts.amended_plan_due(on, review_meeting=cap_from),
                    f"{REGS} reg 22(3)",
                )
            )
            served = event.get("served_on") or on
            self.representations.append(
                Window("amendment_representations", served, ts.representations_close(served))
            )
        elif t is E.AMENDED_PLAN_ISSUED:
            self.meet("amended_plan", on)
            self.meet("phase_transfer", on)
            self.meet("order_compliance", on, every=True, ref="amend")
            self.meet("order_compliance", on, every=True, ref="name_school")
        elif t is E.DECISION_NOT_TO_AMEND:
            self.meet("amended_plan", on)
            self.meet("phase_transfer", on)
        elif t is E.PHASE_TRANSFER_SCHEDULED:
            self.cancel(("phase_transfer",), on)
            year, to = event.get("transfer_year"), event.get("to")
            self.add(
                Deadline(
                    "phase_transfer",
                    ts.phase_transfer_starts(on, year),
                    ts.phase_transfer_due(year, to, rule=self.settings.phase_transfer_rule),
                    f"{REGS} reg 18(1)",
                )
            )
        elif t is E.TRANSFER_NOTICE_SENT:
            self.meet("transfer_notice", on)
        elif t is E.REQUEST_WITHDRAWN:
            self.cancel(("decision_to_assess", "advice", "decision_not_to_issue", "final_plan"), on)
        elif t is E.PLAN_CEASED:
            self.cancel(
                (
                    "annual_review",
                    "review_report",
                    "review_decision",
                    "amended_plan",
                    "phase_transfer",
                    "transfer_notice",
                ),
                on,
            )
        elif t is E.MEDIATION_REQUESTED:
            self.add(Deadline("mediation", on, ts.mediation_due(on), f"{REGS} reg 37 (mediation)"))
        elif t is E.MEDIATION_HELD:
            self.meet("mediation", on)
        elif t is E.MEDIATION_WITHDRAWN:
            self.cancel(("mediation",), on)
        elif t is E.MEDIATION_CERTIFICATE_ISSUED:
            self.certificates.append((position, on))
        elif t in ORDER_EVENTS:
            order = event.get("order")
            for ref, due in ts.order_steps(order, on):
                self.add(Deadline("order_compliance", on, due, ORDER_REGULATION[t], ref=ref))
            if order == "assess":
                self.assess_order = on
        # appeal_registered creates nothing: it only marks the case as disputed.

        if t in APPEAL_NOTICES or (
            t is E.REVIEW_DECISION and event.get("outcome") in ("maintain", "cease")
        ):
            self.notices.append((position, on))

    def _start_assessment(self) -> None:
        """Reg 10(1) and 13(2) clocks, from the request or, after an order assess, the order."""
        after_order = self.assess_order is not None
        start = self.assess_order if self.assess_order is not None else self.request
        assert start is not None  # the machine only assesses a requested case
        regs = ("reg 44(2)(b)", "reg 44(2)(b)") if after_order else ("reg 10(1)", "reg 13(2)")
        self.add(
            Deadline(
                "decision_not_to_issue",
                start,
                ts.decision_not_to_issue_due(start, after_order=after_order),
                f"{REGS} {regs[0]}",
            )
        )
        self.add(
            Deadline(
                "final_plan",
                start,
                ts.final_plan_due(
                    start,
                    twenty_week_days=self.settings.twenty_week_days,
                    after_order=after_order,
                ),
                f"{REGS} {regs[1]}",
            )
        )

    def _next_annual_review(self, on: date, regulation: str) -> None:
        self.add(Deadline("annual_review", on, ts.annual_review_due(on), regulation))

    def _receive_advice(self, advice: str, ref: str | None, on: date) -> None:
        # Pairs with the oldest unanswered request of that advice and ref (the
        # machine's guard has checked there is one).
        for i, (kind, request_ref, deadline) in enumerate(self.advice_requests):
            if kind == advice and request_ref == ref:
                del self.advice_requests[i]
                if deadline is not None and deadline.open and deadline.starts <= on:
                    deadline.met_on = on
                return

    def _attach_exception(self, event: Event) -> None:
        kind = event.get("applies_to")
        advice, ref = event.get("advice"), event.get("ref")
        for d in reversed(self.deadlines):
            if d.kind != kind:
                continue
            if kind == "advice" and (d.advice != advice or d.ref != ref):
                continue
            if kind == "order_compliance" and ref is not None and d.ref != ref:
                continue
            # The latest reason wins; `exception_on` keeps the first day it was excused,
            # so an as-of query (workflow.deadline_store) knows since when it is no breach.
            d.exception = event.get("reason")
            d.exception_on = d.exception_on or event.date
            return
        which = kind if kind != "advice" else f"{advice} advice" + (f" {ref}" if ref else "")
        raise InvalidException(
            f"{event.describe()}: there is no {which} deadline for the exception to apply to"
        )

    def windows(self, working_days: WorkingDays) -> list[Window]:
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
    clock = _Clock(settings)
    ordered = [e for e in in_processing_order(events) if e.date <= as_of]
    for position, event in enumerate(ordered):
        try:
            flow.apply(event)
            clock.apply(event, position)
        except WorkflowError as err:
            err.event = event  # lets callers say which input line or index it was
            raise
    for d in clock.deadlines:
        d.settle(as_of)
    deadlines = sorted(clock.deadlines, key=lambda d: d.sort_key)
    windows = sorted(
        clock.windows(working_days or default_working_days()), key=lambda w: (w.opens, w.kind)
    )
    return Evaluation(case_ref, as_of, flow.state, deadlines, windows, clock.warnings)
