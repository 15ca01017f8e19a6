"""The statutory state machine of an EHC case (spec deadlines.md section 2a).

One module-level `transitions` machine, built from a declarative table, drives
thin `CaseFlow` objects. Guards that depend on a case's history (is there an
unanswered advice request? a review meeting without a decision?) live in
`CaseFlow`, which keeps just enough of the history to answer them, and return
a reason, so the refusal can say why.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from transitions import Machine

from workflow.errors import EventNotAllowed
from workflow.law.calendar import govuk_date
from workflow.law.events import ORDER_EVENTS, Event, EventType
from workflow.law.names import EVENT_NAMES


class State(StrEnum):
    NEW = "new"  # a case with no events yet
    REQUESTED = "requested"
    ASSESSING = "assessing"
    DRAFT_ISSUED = "draft_issued"
    NOT_ASSESSED = "not_assessed"
    NOT_ISSUED = "not_issued"
    PLAN_IN_FORCE = "plan_in_force"
    WITHDRAWN = "withdrawn"
    CEASED = "ceased"
    TRANSFERRED_OUT = "transferred_out"


# Each state in people's words, to follow "Case NC/2026/001 is ...".
STATE_NAMES: dict[State, str] = {
    State.NEW: "new: nothing has been recorded on it yet",
    State.REQUESTED: "waiting for the decision whether to assess",
    State.ASSESSING: "being assessed",
    State.DRAFT_ISSUED: "at the draft plan",
    State.NOT_ASSESSED: "not being assessed: the council decided not to assess",
    State.NOT_ISSUED: "not getting a plan: the council decided not to issue one",
    State.PLAN_IN_FORCE: "under a plan in force",
    State.WITHDRAWN: "closed: the request was withdrawn",
    State.CEASED: "closed: the plan has ceased",
    State.TRANSFERRED_OUT: "closed: the plan has transferred to another council",
}


def state_name(state: str) -> str:
    """A stored state in people's words, to follow "Case X is" or "it is now"."""
    return STATE_NAMES[State(state)]


# The kinds of advice whose stored names are not already words.
_ADVICE_NAMES = {"social_care": "social care", "adulthood": "preparing for adulthood"}

_ORDER_NAMES = {
    "assess": "assess",
    "issue_plan": "issue a plan",
    "amend": "amend the plan",
    "name_school": "name a school",
    "reassess": "re-assess",
}

# Who an order is for, in the words of the refusal of an order the state does not take.
_ORDER_CASES = {
    State.NOT_ASSESSED: "a case the council decided not to assess",
    State.NOT_ISSUED: "a case the council decided not to issue a plan for",
    State.ASSESSING: "a case being assessed",
    State.PLAN_IN_FORCE: "a case with a plan in force",
}

FINAL_STATES = frozenset({State.WITHDRAWN, State.CEASED, State.TRANSFERRED_OUT})
OPEN_STATES = tuple(s for s in State if s not in FINAL_STATES and s is not State.NEW)

E = EventType
STAY = "="  # a reflexive transition in `transitions`

# (event, states that accept it, next state or STAY)
TRANSITIONS: list[tuple[EventType, tuple[State, ...], str]] = [
    (E.REQUEST_RECEIVED, (State.NEW,), State.REQUESTED),
    (E.PLAN_TRANSFERRED_IN, (State.NEW,), State.PLAN_IN_FORCE),
    (E.DECISION_TO_ASSESS, (State.REQUESTED, State.NOT_ASSESSED), State.ASSESSING),
    (E.DECISION_NOT_TO_ASSESS, (State.REQUESTED,), State.NOT_ASSESSED),
    (
        E.REQUEST_WITHDRAWN,
        (
            State.REQUESTED,
            State.ASSESSING,
            State.DRAFT_ISSUED,
            State.NOT_ASSESSED,  # v3: a refused request can still be withdrawn
            State.NOT_ISSUED,
        ),
        State.WITHDRAWN,
    ),
    # v3: advice for a re-assessment of a plan in force (reg 26), guarded below.
    (E.ADVICE_REQUESTED, (State.ASSESSING, State.DRAFT_ISSUED, State.PLAN_IN_FORCE), STAY),
    (E.ADVICE_RECEIVED, (State.ASSESSING, State.DRAFT_ISSUED, State.PLAN_IN_FORCE), STAY),
    (E.DRAFT_PLAN_ISSUED, (State.ASSESSING, State.NOT_ISSUED), State.DRAFT_ISSUED),
    (E.DRAFT_PLAN_ISSUED, (State.DRAFT_ISSUED,), STAY),
    (E.DECISION_NOT_TO_ISSUE, (State.ASSESSING,), State.NOT_ISSUED),
    (E.FINAL_PLAN_ISSUED, (State.DRAFT_ISSUED,), State.PLAN_IN_FORCE),
    *(
        (event, (State.PLAN_IN_FORCE,), STAY)
        for event in (
            E.REVIEW_MEETING_HELD,
            E.REVIEW_REPORT_SENT,
            E.REVIEW_DECISION,
            E.AMENDMENT_NOTICE_SENT,
            E.AMENDED_PLAN_ISSUED,
            E.DECISION_NOT_TO_AMEND,
            E.PHASE_TRANSFER_SCHEDULED,
            E.TRANSFER_NOTICE_SENT,
            # v3: review notice and papers, re-assessment, ceasing outside a review, a move
            E.REVIEW_MEETING_NOTICE_SENT,
            E.REVIEW_PAPERS_CIRCULATED,
            E.REASSESSMENT_REQUESTED,
            E.DECISION_TO_REASSESS,
            E.DECISION_NOT_TO_REASSESS,
            E.CEASE_PROPOSED,
            E.CEASE_NOTICE_SENT,
            E.MOVE_REPORTED,
        )
    ),
    (E.PLAN_CEASED, (State.PLAN_IN_FORCE,), State.CEASED),
    # v3, reg 15(2): the plan goes to the new authority; also after a plan_ceased while a
    # transfer out is still owed (guarded below).
    (E.PLAN_TRANSFERRED_OUT, (State.PLAN_IN_FORCE, State.CEASED), State.TRANSFERRED_OUT),
    # v3: the mediation and appeal about a cease decision go on after the plan has ceased
    # (CFA s.51(2)(f), reg 31(3)(c)); guarded below on there being a cease decision.
    *(
        (event, (State.CEASED,), STAY)
        for event in (
            E.MEDIATION_ADVISER_CONTACTED,
            E.MEDIATION_REQUESTED,
            E.MEDIATION_HELD,
            E.MEDIATION_WITHDRAWN,
            E.MEDIATION_CERTIFICATE_ISSUED,
            E.APPEAL_REGISTERED,
        )
    ),
    # Accepted in every state but the final ones (and a new case).
    *(
        (event, OPEN_STATES, STAY)
        for event in (
            E.EXCEPTION_RECORDED,
            E.MEDIATION_ADVISER_CONTACTED,
            E.MEDIATION_REQUESTED,
            E.MEDIATION_HELD,
            E.MEDIATION_WITHDRAWN,
            E.MEDIATION_CERTIFICATE_ISSUED,
            E.APPEAL_REGISTERED,
            *sorted(ORDER_EVENTS),
        )
    ),
]

MACHINE = Machine(
    model=None,
    states=[s.value for s in State],
    initial=State.NEW.value,
    auto_transitions=False,
)
for _event, _sources, _dest in TRANSITIONS:
    MACHINE.add_transition(_event.value, [s.value for s in _sources], str(_dest))

# Which orders each state may take (spec 2a, "Orders: ...").
ORDER_STATES: dict[str, tuple[State, ...]] = {
    "assess": (State.NOT_ASSESSED,),
    "issue_plan": (State.NOT_ISSUED, State.ASSESSING),
    "amend": (State.PLAN_IN_FORCE,),
    "name_school": (State.PLAN_IN_FORCE,),
    "reassess": (State.PLAN_IN_FORCE,),
}


# Read once from the machine: the event types each state takes.
_ACCEPTS: dict[str, frozenset[str]] = {
    s.value: frozenset(MACHINE.get_triggers(s.value)) for s in State
}


# Read once from the machine: the state each event takes each accepting state to.
# `CaseFlow.apply` looks the move up here instead of calling `transitions` for every
# event: the machine has no conditions or callbacks, so the outcome is the same, and
# the lookup halves the cost of replaying a case (bench/bench_deadlines.py spent 70% of
# its time inside `transitions`' trigger machinery).
_NEXT: dict[tuple[str, str], str] = {
    (source, name): transition.dest if transition.dest is not None else source
    for name, event in MACHINE.events.items()
    for source, moves in event.transitions.items()
    for transition in moves
}
if len(_NEXT) != sum(
    len(moves) for event in MACHINE.events.values() for moves in event.transitions.values()
):  # pragma: no cover - a mistake in TRANSITIONS
    raise RuntimeError("two transitions share a source state and an event")


def _state_after() -> dict[str, State]:
    """Events that move a case on, each to the one state it leaves the case in."""
    dests: dict[str, set[str]] = {}
    moves: set[str] = set()
    for (source, name), dest in _NEXT.items():
        dests.setdefault(name, set()).add(dest)
        if dest != source:
            moves.add(name)
    return {
        name: State(next(iter(states)))
        for name, states in dests.items()
        if name in moves and len(states) == 1
    }


# Read once from the machine: the state each state-changing event leaves a case in,
# whatever state it was in (spec 2a), in the order of TRANSITIONS. Events that keep a
# case where it was (advice, reviews, disputes, orders) are not here, so a case's state
# on a day is the one left by its last event in this table on or before it.
STATE_AFTER: dict[str, State] = _state_after()


def accepts(state: str) -> list[str]:
    """The event types a case in `state` can take, in the spec's order."""
    return [t.value for t in EventType if t.value in _ACCEPTS[str(state)]]


# The stages of a case, as officers think of them: the record-event page groups the event
# types by these, and a refusal lists what a case can take in this order (the spec's
# order puts the disputes first).
STAGES: tuple[tuple[str, tuple[EventType, ...]], ...] = (
    (
        "Request and decision",
        (E.REQUEST_RECEIVED, E.PLAN_TRANSFERRED_IN, E.DECISION_TO_ASSESS, E.DECISION_NOT_TO_ASSESS),
    ),
    ("Assessment and advice", (E.ADVICE_REQUESTED, E.ADVICE_RECEIVED, E.EXCEPTION_RECORDED)),
    ("Plan", (E.DRAFT_PLAN_ISSUED, E.FINAL_PLAN_ISSUED, E.DECISION_NOT_TO_ISSUE)),
    (
        "Review and amendment",
        (
            E.REVIEW_MEETING_NOTICE_SENT,
            E.REVIEW_PAPERS_CIRCULATED,
            E.REVIEW_MEETING_HELD,
            E.REVIEW_REPORT_SENT,
            E.REVIEW_DECISION,
            E.AMENDMENT_NOTICE_SENT,
            E.AMENDED_PLAN_ISSUED,
            E.DECISION_NOT_TO_AMEND,
            E.PHASE_TRANSFER_SCHEDULED,
            E.TRANSFER_NOTICE_SENT,
        ),
    ),
    (
        "Re-assessment",
        (E.REASSESSMENT_REQUESTED, E.DECISION_TO_REASSESS, E.DECISION_NOT_TO_REASSESS),
    ),
    (
        "Mediation and appeal",
        (
            E.MEDIATION_ADVISER_CONTACTED,
            E.MEDIATION_REQUESTED,
            E.MEDIATION_HELD,
            E.MEDIATION_WITHDRAWN,
            E.MEDIATION_CERTIFICATE_ISSUED,
            E.MEDIATION_AGREEMENT,
            E.APPEAL_REGISTERED,
            E.APPEAL_CONCEDED,
            E.TRIBUNAL_ORDER,
        ),
    ),
    (
        "Ending",
        (
            E.REQUEST_WITHDRAWN,
            E.CEASE_PROPOSED,
            E.CEASE_NOTICE_SENT,
            E.PLAN_CEASED,
            E.MOVE_REPORTED,
            E.PLAN_TRANSFERRED_OUT,
        ),
    ),
)
_BY_STAGE = [t.value for _, types in STAGES for t in types]
if sorted(_BY_STAGE) != sorted(t.value for t in EventType):  # pragma: no cover
    raise RuntimeError("every event type belongs to exactly one stage")


def by_stage(event_types: list[str]) -> list[str]:
    """`event_types` in the order of the stages."""
    return sorted(event_types, key=_BY_STAGE.index)


def quoted(event_type: str) -> str:
    """An event type's plain name, quoted to stand in a sentence: “Decision to assess”."""
    return f"\u201c{EVENT_NAMES[EventType(event_type)]}\u201d"


def refusal(
    case_ref: str, event: Event, state: str, why: str = "", accepted: list[str] | None = None
) -> str:
    """Why a case cannot take `event`, and what it can take instead, in plain English.

    `accepted` narrows what the state takes to what the case's history allows (a ceased
    case takes the dispute about its cease decision only when it has one).
    """
    reason = f" ({why})" if why else ""
    taken = by_stage(accepts(state) if accepted is None else accepted)
    if taken:
        names = [quoted(t) for t in taken]
        listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
        instead = f"It can take instead: {listed}"
    else:
        instead = "It cannot take any more events"
    return (
        f"Case {case_ref} is {STATE_NAMES[State(state)]}, so it cannot take "
        f"{quoted(event.type.value)} on {govuk_date(event.date)}{reason}. {instead}."
    )


class CaseFlow:
    """A case's place in the machine plus what its guards need to remember.

    Feed it events in processing order with `apply`; it raises
    `EventNotAllowed` (naming the case, event, state and what the state takes)
    when the machine or a guard refuses one.
    """

    state: str

    def __init__(self, case_ref: str, state: str = State.NEW.value) -> None:
        self.case_ref = case_ref
        self.state = state
        # Open advice requests (reg 8(1)): advice, ref and the day the adviser received it.
        self.advice_open: list[tuple[str, str | None, date]] = []
        self.meetings_without_report = 0
        self.meeting_since_decision = False
        self.notice_open = False  # an amendment notice not yet answered by a plan or decision
        self.amend_orders_open = 0  # orders amend / name_school not yet met by an amended plan
        self.mediations_open = 0
        # v3: re-assessment (regs 24-27), review papers (reg 20(4)), ceasing (reg 31),
        # transfer out (reg 15(2)).
        self.reassessment_requests_open = 0
        self.reassessing = False  # a reassessment_final deadline is open
        self.reassessment_refused = False  # a decision_not_to_reassess not followed by one to
        self.papers_due: tuple[date, date] | None = None  # open review_papers: notice, meeting
        self.cease_proposed = False  # a cease_proposed since the last cease_notice_sent
        self.cease_decided = False  # a review_decision cease or a cease_notice_sent
        self.transfer_out_open = False

    def refuse(self, event: Event, why: str = "") -> EventNotAllowed:
        accepted = self.accepted()
        return EventNotAllowed(
            self.case_ref,
            event.describe(),
            self.state,
            accepted,
            refusal(self.case_ref, event, self.state, why, accepted),
        )

    def accepted(self) -> list[str]:
        """What the state takes, less what a ceased case's history rules out (spec 2a)."""
        taken = accepts(self.state)
        if self.state != State.CEASED.value:
            return taken
        return [
            t
            for t in taken
            if (t == E.PLAN_TRANSFERRED_OUT and self.transfer_out_open)
            or (t != E.PLAN_TRANSFERRED_OUT and self.cease_decided)
        ]

    def guard(self, event: Event) -> str | None:
        """Why the history forbids `event`, or None when it allows it."""
        t = event.type
        if self.state == State.CEASED.value:
            return self._guard_ceased(event)
        if t is E.ADVICE_REQUESTED:
            received_on = event.get("received_on")
            if received_on is not None and received_on < event.date:
                return "the request cannot be received before it was sent"
            if self.state == State.PLAN_IN_FORCE.value and not self.reassessing:
                # Reg 26: advice for a plan in force is sought for a re-assessment.
                return "advice can be asked for on a plan in force only during a re-assessment"
        elif t is E.ADVICE_RECEIVED:
            return self._guard_advice(event)
        elif t in (E.DRAFT_PLAN_ISSUED, E.AMENDMENT_NOTICE_SENT):
            served_on = event.get("served_on")
            if served_on is not None and served_on < event.date:
                return "it cannot be served before it was sent"
        elif t is E.REVIEW_MEETING_NOTICE_SENT:
            if event.get("meeting_date") < event.date:
                return "the meeting cannot be before the notice of it was sent"
        elif t is E.REVIEW_PAPERS_CIRCULATED:
            if self.papers_due is None:
                return "no review meeting notice is waiting for its papers"
        elif t is E.REVIEW_REPORT_SENT:
            if not self.meetings_without_report:
                return "there is no review meeting whose report is still to be sent"
        elif t is E.REVIEW_DECISION:
            if not self.meeting_since_decision:
                return "no review meeting has been held since the last review decision"
        elif t is E.AMENDED_PLAN_ISSUED:
            if not (self.notice_open or self.amend_orders_open):
                return "no amendment notice has been sent and no order to amend is open"
        elif t is E.DECISION_NOT_TO_AMEND:
            if not (self.notice_open or self.reassessing):
                return "no amendment notice has been sent and no re-assessment is open"
        elif t is E.DECISION_TO_REASSESS:
            if self.reassessing:
                return "a re-assessment is already under way"
        elif t is E.DECISION_NOT_TO_REASSESS:
            if not self.reassessment_requests_open:
                return "there is no request for a re-assessment waiting for a decision"
        elif t is E.CEASE_NOTICE_SENT:
            if not self.cease_proposed:
                # Reg 31(1): the LA must first tell the family it is considering ceasing.
                return "the council has not told the family it is considering ceasing the plan"
        elif t in (E.MEDIATION_HELD, E.MEDIATION_WITHDRAWN):
            if not self.mediations_open:
                return "mediation has not been requested"
        elif t in ORDER_EVENTS:
            order = event.get("order")
            allowed = ORDER_STATES[order]
            if self.state not in allowed:
                return (
                    f"an order to {_ORDER_NAMES[order]} applies only to "
                    f"{' or '.join(_ORDER_CASES[state] for state in allowed)}"
                )
            if order == "reassess" and not self.reassessment_refused:
                # The appeal is against a refusal to re-assess (CFA s.51(2)(d)).
                return "an order to re-assess needs a decision not to re-assess before it"
        return None

    def _guard_advice(self, event: Event) -> str | None:
        """Reg 8(1): advice pairs with an open request the adviser had received by then."""
        advice, ref = event.get("advice"), event.get("ref")
        requests = [starts for a, r, starts in self.advice_open if (a, r) == (advice, ref)]
        if any(starts <= event.date for starts in requests):
            return None
        with_ref = f" with ref {ref}" if ref else ""
        kind = _ADVICE_NAMES.get(str(advice), str(advice))
        if requests:
            return (
                f"the adviser received the request for {kind} advice{with_ref} only on "
                f"{govuk_date(min(requests))}, after the advice arrived"
            )
        return f"there is no unanswered request for {kind} advice{with_ref}"

    def _guard_ceased(self, event: Event) -> str | None:
        """A ceased case takes only the dispute about its cease decision and a late transfer."""
        t = event.type
        if t is E.PLAN_TRANSFERRED_OUT:
            if not self.transfer_out_open:
                return "no move to another council's area has been reported"
            return None
        if not self.cease_decided:
            return "the council made no decision to cease the plan that could be disputed"
        if t in (E.MEDIATION_HELD, E.MEDIATION_WITHDRAWN) and not self.mediations_open:
            return "mediation has not been requested"
        return None

    def apply(self, event: Event) -> None:
        """Move the case on by one event, or raise `EventNotAllowed`."""
        if event.type.value not in _ACCEPTS[self.state]:
            raise self.refuse(event)
        why = self.guard(event)
        if why:
            raise self.refuse(event, why)
        self.state = _NEXT[(self.state, event.type.value)]
        self._remember(event)

    def _remember(self, event: Event) -> None:
        t = event.type
        if t is E.ADVICE_REQUESTED:
            starts = event.get("received_on") or event.date
            self.advice_open.append((event.get("advice"), event.get("ref"), starts))
        elif t is E.ADVICE_RECEIVED:
            key = (event.get("advice"), event.get("ref"))
            for i, (advice, ref, starts) in enumerate(self.advice_open):
                if (advice, ref) == key and starts <= event.date:
                    del self.advice_open[i]
                    break
        elif t in (E.REQUEST_WITHDRAWN, E.DECISION_NOT_TO_ISSUE):
            self.advice_open.clear()
        elif t is E.REVIEW_MEETING_NOTICE_SENT:
            self.papers_due = (event.date, event.get("meeting_date"))
        elif t is E.REVIEW_PAPERS_CIRCULATED:
            self.papers_due = None
        elif t is E.REVIEW_MEETING_HELD:
            self.meetings_without_report += 1
            self.meeting_since_decision = True
            if self.papers_due is not None:
                notice, meeting = self.papers_due
                if event.date >= meeting or event.date > notice:
                    self.papers_due = None
        elif t is E.REVIEW_REPORT_SENT:
            self.meetings_without_report -= 1
        elif t is E.REVIEW_DECISION:
            self.meeting_since_decision = False
            if event.get("outcome") == "cease":
                self.cease_decided = True
        elif t is E.AMENDMENT_NOTICE_SENT:
            self.notice_open = True
        elif t in (E.AMENDED_PLAN_ISSUED, E.DECISION_NOT_TO_AMEND):
            self.notice_open = False
            self.reassessing = False
            if t is E.AMENDED_PLAN_ISSUED:
                self.amend_orders_open = 0
        elif t is E.REASSESSMENT_REQUESTED:
            self.reassessment_requests_open += 1
        elif t in (E.DECISION_TO_REASSESS, E.DECISION_NOT_TO_REASSESS):
            self.reassessment_requests_open = max(0, self.reassessment_requests_open - 1)
            # A refusal of a second request leaves a re-assessment under way as it was.
            self.reassessing = self.reassessing or t is E.DECISION_TO_REASSESS
            self.reassessment_refused = t is E.DECISION_NOT_TO_REASSESS
        elif t is E.CEASE_PROPOSED:
            self.cease_proposed = True
        elif t is E.CEASE_NOTICE_SENT:
            self.cease_proposed = False
            self.cease_decided = True
        elif t is E.MOVE_REPORTED:
            self.transfer_out_open = True
        elif t in (E.PLAN_CEASED, E.PLAN_TRANSFERRED_OUT):
            # Duties of a plan in force end with it (spec 3); a transfer out is still owed
            # after a plan_ceased, and met by the transfer.
            self.advice_open.clear()
            self.reassessment_requests_open = 0
            self.reassessing = False
            self.papers_due = None
            if t is E.PLAN_TRANSFERRED_OUT:
                self.transfer_out_open = False
        elif t is E.MEDIATION_REQUESTED:
            self.mediations_open += 1
        elif t is E.MEDIATION_HELD:
            self.mediations_open -= 1
        elif t is E.MEDIATION_WITHDRAWN:
            self.mediations_open = 0  # the family no longer wants any of it
        elif t in ORDER_EVENTS and event.get("order") in ("amend", "name_school"):
            self.amend_orders_open += 1
