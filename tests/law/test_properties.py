"""Properties of the clock over generated case histories that the law allows.

The generator walks the state machine: at each step it picks an event type the case's
current state accepts (`workflow.law.machine.accepts`), fills in sensible fields, and keeps it
only if `CaseFlow`'s guards allow it; dates only move forward (two events share a date
only when the spec's same-day order keeps them in the order they were made).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflow.law.deadlines import Evaluation, Settings, evaluate
from workflow.law.events import TYPE_ORDER, Event, EventType, parse_event
from workflow.law.machine import ORDER_STATES, CaseFlow, accepts

E = EventType
PROFILE = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

ADVICE = ("educational", "health", "psychological", "social_care", "parent", "other")
ORDER_TYPES = (E.MEDIATION_AGREEMENT, E.APPEAL_CONCEDED, E.TRIBUNAL_ORDER)


class Walk:
    """What the generator needs to know beyond the machine: which deadlines exist."""

    def __init__(self) -> None:
        self.kinds: set[str] = set()
        self.advice: set[tuple[str, str | None]] = set()
        self.order_refs: set[str] = set()


def _fields(
    draw: st.DrawFn, t: EventType, day: date, flow: CaseFlow, walk: Walk
) -> dict[str, Any] | None:
    """Sensible fields for an event of type `t`, or None when it cannot be made now."""
    if t is E.REQUEST_RECEIVED:
        return {"source": draw(st.sampled_from(("parent", "school", "health")))}
    if t is E.PLAN_TRANSFERRED_IN:
        back = draw(st.integers(0, 400))
        return {"last_reviewed": (day - timedelta(days=back)).isoformat()}
    if t is E.ADVICE_REQUESTED:
        fields: dict[str, Any] = {"advice": draw(st.sampled_from(ADVICE))}
        if draw(st.booleans()):
            fields["ref"] = draw(st.sampled_from(("A", "B")))
        if draw(st.booleans()):
            fields["received_on"] = (day + timedelta(days=draw(st.integers(0, 7)))).isoformat()
        return fields
    if t is E.ADVICE_RECEIVED:
        # v3: only a request the adviser had received by this day (reg 8(1)).
        open_keys = sorted(
            {(a, r) for a, r, starts in flow.advice_open if starts <= day},
            key=lambda k: (k[0], k[1] or ""),
        )
        if not open_keys:
            return None
        advice, ref = draw(st.sampled_from(open_keys))
        return {"advice": advice, **({"ref": ref} if ref else {})}
    if t is E.EXCEPTION_RECORDED:
        options = sorted(
            walk.kinds
            & {"decision_to_assess", "final_plan", "decision_not_to_issue", "reassessment_final"}
        )
        options += ["advice"] * bool(walk.advice) + ["order_compliance"] * bool(walk.order_refs)
        if not options:
            return None
        applies_to = draw(st.sampled_from(options))
        reason = {"advice": "missed_appointment"}.get(applies_to, "personal_circumstances")
        fields = {"applies_to": applies_to, "reason": reason}
        if applies_to == "advice":
            advice, ref = draw(
                st.sampled_from(sorted(walk.advice, key=lambda k: (k[0], k[1] or "")))
            )
            fields["advice"] = advice
            if ref:
                fields["ref"] = ref
        elif applies_to == "order_compliance" and draw(st.booleans()):
            fields["ref"] = draw(st.sampled_from(sorted(walk.order_refs)))
        return fields
    if t in (E.DRAFT_PLAN_ISSUED, E.AMENDMENT_NOTICE_SENT):
        if draw(st.booleans()):
            return {"served_on": (day + timedelta(days=draw(st.integers(0, 5)))).isoformat()}
        return {}
    if t is E.REVIEW_DECISION:
        return {"outcome": draw(st.sampled_from(("maintain", "amend", "cease")))}
    if t is E.PHASE_TRANSFER_SCHEDULED:
        if draw(st.integers(0, 3)) == 0:
            # v3, reg 18(2): a move between post-16 institutions on a date.
            move = day + timedelta(days=draw(st.integers(30, 500)))
            return {"to": "post16_institution", "transfer_date": move.isoformat()}
        # A transfer in a September after the scheduling, as councils plan them.
        year = day.year + draw(st.integers(1, 2))
        return {"transfer_year": year, "to": draw(st.sampled_from(("school", "post16")))}
    if t is E.REVIEW_MEETING_NOTICE_SENT:
        meeting = day + timedelta(days=draw(st.integers(0, 40)))
        return {"meeting_date": meeting.isoformat()}
    if t is E.MOVE_REPORTED:
        return {"move_date": (day + timedelta(days=draw(st.integers(0, 60)))).isoformat()}
    if t is E.REASSESSMENT_REQUESTED:
        return {"source": draw(st.sampled_from(("parent", "young_person", "school", "health")))}
    if t is E.PLAN_CEASED:
        return {"reason": draw(st.sampled_from(("needs_met", "moved_la", "max_age")))}
    if t in ORDER_TYPES:
        orders = [
            o
            for o, states in ORDER_STATES.items()
            if flow.state in states
            and (o != "reassess" or (flow.reassessment_refused and t is not E.MEDIATION_AGREEMENT))
        ]
        if not orders:
            return None
        return {"order": draw(st.sampled_from(orders))}
    return {}


def _remember(walk: Walk, event: Event) -> None:
    t = event.type
    if t is E.REQUEST_RECEIVED:
        walk.kinds.add("decision_to_assess")
    elif t is E.DECISION_TO_ASSESS:
        walk.kinds.update(("final_plan", "decision_not_to_issue"))
    elif t is E.DECISION_TO_REASSESS:
        walk.kinds.add("reassessment_final")
    elif t is E.ADVICE_REQUESTED and event.get("advice") != "parent":
        walk.advice.add((event.get("advice"), event.get("ref")))
    elif t in ORDER_TYPES:
        walk.order_refs.update(
            {
                "assess": ["assess"],
                "issue_plan": ["issue_plan_draft", "issue_plan_final"],
                "amend": ["amend"],
                "name_school": ["name_school"],
                "reassess": ["reassess"],
            }[event.get("order")]
        )


# The walk favours the events that move a case along, so it reaches plans and reviews.
PROGRESS = {
    E.DECISION_TO_ASSESS: 4,
    E.ADVICE_RECEIVED: 3,
    E.DRAFT_PLAN_ISSUED: 4,
    E.FINAL_PLAN_ISSUED: 6,
    E.REVIEW_MEETING_HELD: 4,
    E.REVIEW_REPORT_SENT: 3,
    E.REVIEW_DECISION: 4,
    E.AMENDMENT_NOTICE_SENT: 3,
    E.AMENDED_PLAN_ISSUED: 4,
    E.CEASE_NOTICE_SENT: 3,  # v3: after a cease_proposed, so the walk reaches it
}


def _feasible(flow: CaseFlow, walk: Walk) -> list[EventType]:
    """Event types the state accepts and whose guards could pass, weighted by PROGRESS."""
    out: list[EventType] = []
    for name in accepts(flow.state):
        t = E(name)
        if t in (E.REQUEST_RECEIVED, E.PLAN_TRANSFERRED_IN):
            continue
        if t is E.ADVICE_RECEIVED and not flow.advice_open:
            continue
        if t is E.EXCEPTION_RECORDED and not (walk.kinds or walk.advice or walk.order_refs):
            continue
        if t in ORDER_TYPES and not any(flow.state in s for s in ORDER_STATES.values()):
            continue
        if t not in (E.ADVICE_RECEIVED, E.EXCEPTION_RECORDED, *ORDER_TYPES):
            probe = parse_event({"type": name, "date": "2024-01-01", **_PROBE.get(t, {})})
            if flow.guard(probe) is not None:
                continue
        out += [t] * PROGRESS.get(t, 1)
    return out


_PROBE: dict[EventType, dict[str, Any]] = {
    E.ADVICE_REQUESTED: {"advice": "health"},
    E.REVIEW_DECISION: {"outcome": "maintain"},
    E.PHASE_TRANSFER_SCHEDULED: {"transfer_year": 2025, "to": "school"},
    E.PLAN_CEASED: {"reason": "needs_met"},
    E.REVIEW_MEETING_NOTICE_SENT: {"meeting_date": "2024-02-01"},
    E.MOVE_REPORTED: {"move_date": "2024-03-01"},
}


@st.composite
def histories(draw: st.DrawFn) -> list[Event]:
    """A valid case history, in the order it happened (dates never go back)."""
    day = draw(st.dates(date(2019, 1, 1), date(2028, 12, 31)))
    first = draw(st.sampled_from((E.REQUEST_RECEIVED, E.REQUEST_RECEIVED, E.PLAN_TRANSFERRED_IN)))
    flow, walk = CaseFlow("P1"), Walk()
    events: list[Event] = []
    steps = draw(st.integers(0, 40))
    t: EventType | None = first
    for _ in range(steps + 1):
        if t is None:
            choices = _feasible(flow, walk)
            if not choices:
                break
            t = draw(st.sampled_from(choices))
            gap = draw(st.sampled_from((0, 1, 3, 7, 14, 21, 30, 45, 60, 120, 300)))
            if gap == 0 and TYPE_ORDER[t] < TYPE_ORDER[events[-1].type]:
                gap = 1  # same day only when processing order keeps this order
            day = day + timedelta(days=gap)
        fields = _fields(draw, t, day, flow, walk)
        if fields is not None:
            raw = {"type": t.value, "date": day.isoformat(), **fields}
            event = parse_event(raw, index=len(events))
            if flow.guard(event) is None and t.value in accepts(flow.state):
                flow.apply(event)
                _remember(walk, event)
                events.append(event)
        t = None
    return events


def _run(events: list[Event], as_of: date, **kw: Any) -> Evaluation:
    return evaluate("P1", events, as_of, Settings(**kw))


def _as_of(draw: st.DrawFn, events: list[Event]) -> date:
    lo, hi = events[0].date, events[-1].date + timedelta(days=400)
    return draw(st.dates(lo, hi))


def _key(x: Any) -> tuple[Any, ...]:
    return (x.kind, x.advice, x.ref, x.starts, x.due)


@PROFILE
@given(events=histories(), data=st.data())
def test_evaluate_never_raises_and_due_follows_start(events: list[Event], data: Any) -> None:
    rule = data.draw(st.sampled_from(("before", "by")))
    days = data.draw(st.sampled_from((139, 140)))
    as_of = _as_of(data.draw, events)
    result = _run(events, as_of, phase_transfer_rule=rule, twenty_week_days=days)
    ordered = sorted((e for e in events if e.date <= as_of), key=lambda e: e.sort_key)
    for x in result.deadlines:
        capped = x.kind == "amended_plan" and x.due != x.starts + timedelta(days=56)
        # Only an amended plan may be due before it starts, and only when Devon caps it;
        # and (v3) a review meeting's notice and papers, due two weeks before the meeting,
        # when the notice went out later than that.
        if x.kind in ("review_meeting_notice", "review_papers"):
            continue
        assert x.due >= x.starts or capped, x
        if not capped:
            continue
        # Devon: 12 weeks from the latest review meeting M, after a decision to amend
        # since M, and only ever earlier than the 8 weeks.
        assert x.due < x.starts + timedelta(days=56), x
        notice = next(
            i
            for i, e in enumerate(ordered)
            if e.type is E.AMENDMENT_NOTICE_SENT and e.date == x.starts
        )
        before = ordered[:notice]
        meetings = [i for i, e in enumerate(before) if e.type is E.REVIEW_MEETING_HELD]
        assert meetings, x
        m = meetings[-1]
        assert x.due == before[m].date + timedelta(days=84), x
        assert any(
            e.type is E.REVIEW_DECISION and e.get("outcome") == "amend" for e in before[m:]
        ), x


@PROFILE
@given(events=histories(), data=st.data())
def test_an_event_after_as_of_changes_nothing(events: list[Event], data: Any) -> None:
    as_of = _as_of(data.draw, events)
    before = _run(events, as_of)
    # Any event at all, even one the case could never take, dated after as_of.
    t = E(data.draw(st.sampled_from([x.value for x in E])))
    later = as_of + timedelta(days=data.draw(st.integers(1, 500)))
    flow = CaseFlow("X")
    fields = _fields(data.draw, t, later, flow, Walk())
    if fields is None:  # needs history the blank flow lacks: give it plain fields
        fields = {
            E.ADVICE_RECEIVED: {"advice": "health"},
            E.EXCEPTION_RECORDED: {"applies_to": "final_plan", "reason": "school_closure"},
        }.get(t, {"order": "amend"})
    extra = parse_event({"type": t.value, "date": later.isoformat(), **fields}, index=len(events))
    after = _run([*events, extra], as_of)
    assert after.to_json() == before.to_json()
    assert after.state == before.state
    assert after.warnings == before.warnings


@PROFILE
@given(events=histories(), data=st.data())
def test_met_stays_met_and_deadlines_stay_as_time_passes(events: list[Event], data: Any) -> None:
    first = _as_of(data.draw, events)
    second = first + timedelta(days=data.draw(st.integers(1, 800)))
    early, late = _run(events, first), _run(events, second)

    def met(r: Evaluation) -> Counter[tuple[Any, ...]]:
        return Counter(
            (*_key(x), x.met_on, x.status) for x in r.deadlines if x.status in ("met", "late")
        )

    assert not met(early) - met(late)
    # and a deadline, once it exists, keeps its start and due date
    assert not Counter(map(_key, early.deadlines)) - Counter(map(_key, late.deadlines))
    # a cancelled deadline stays cancelled or lapsed, with the same days late
    ended = Counter(
        (*_key(x), x.status, x.days_late)
        for x in early.deadlines
        if x.status in ("cancelled", "lapsed")
    )
    ended_later = Counter((*_key(x), x.status, x.days_late) for x in late.deadlines)
    assert not ended - ended_later


@PROFILE
@given(events=histories(), data=st.data())
def test_breach_rules(events: list[Event], data: Any) -> None:
    as_of = _as_of(data.draw, events)
    for x in _run(events, as_of).deadlines:
        if x.breach:
            assert x.status in ("late", "overdue", "lapsed"), x
            assert x.exception is None, x
        # the converse (section 5): only an excused deadline or the open
        # decision_not_to_issue limit escapes a breach
        if x.status in ("late", "lapsed") and x.exception is None:
            assert x.breach, x
        if x.status == "overdue" and x.exception is None:
            assert x.breach == (x.kind != "decision_not_to_issue"), x
        # days late is set exactly when the deadline is late, overdue or lapsed
        late = x.status in ("late", "overdue", "lapsed")
        assert (x.days_late is not None and x.days_late > 0) == late, x
        if x.status in ("met", "late"):
            assert x.met_on is not None and x.met_on >= x.starts and x.met_on <= as_of, x


@PROFILE
@given(events=histories(), data=st.data())
def test_a_duty_that_ended_with_the_case_never_becomes_overdue(
    events: list[Event], data: Any
) -> None:
    """Spec v3 change 6: a withdrawn or transferred-out case has no open duty; a ceased
    one keeps only a transfer out still owed and a mediation about its cease decision."""
    result = _run(events, _as_of(data.draw, events))
    still_open = {x.kind for x in result.deadlines if x.status in ("pending", "overdue")}
    if result.state in ("withdrawn", "transferred_out"):
        assert not still_open, result.deadlines
    elif result.state == "ceased":
        assert still_open <= {"transfer_out", "mediation"}, result.deadlines


def test_the_generator_reaches_plans_reviews_and_orders() -> None:
    """The walk is not stuck at the front door: over many draws it reaches deep states."""
    seen: set[str] = set()

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(histories())
    def collect(events: list[Event]) -> None:
        seen.update(e.type.value for e in events)

    collect()
    for needed in (
        "final_plan_issued",
        "review_decision",
        "amended_plan_issued",
        # v3: the new duties are walked too, so the properties above cover their kinds
        "review_meeting_notice_sent",
        "decision_to_reassess",
        "move_reported",
        "cease_proposed",
    ):
        assert needed in seen
