"""Property: a case after voids and corrections is the case its corrected history makes.

Random valid histories (the law's generator, `tests.law.test_properties.histories`) are
recorded through the service; random voids and corrections follow (refused ones must
write nothing). The case's state, its stored deadline rows and the scorecard's inputs
for its months must then equal those of a fresh case that recorded the effective events
in the first place. On SQLite and PostgreSQL; each example uses its own cases and teams.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, select

from scheduler.scorecard import counts
from scheduler.scorecard.months import Month
from tests.council import add_council
from tests.law.test_properties import histories
from tests.wiring import projections
from workflow import service
from workflow.errors import WorkflowError
from workflow.law.events import Event
from workflow.models import StoredDeadline

# Far enough ahead that no generated event is in the future.
LATER = datetime(2100, 1, 1, tzinfo=UTC)
AS_OF = date(2099, 12, 31)
PROFILE = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_numbers = itertools.count(1)


def clock() -> datetime:
    return LATER


def record(session: Session, ref: str, team: str, events: list[dict[str, Any]]) -> None:
    add_council(session, clock, team_names=[team])
    for i, raw in enumerate(events):
        service.record_event(
            session=session,
            case_ref=ref,
            event=raw,
            actor="tester",
            clock=clock,
            projections=projections(),
            case_fields={"team": team} if i == 0 else None,
        )


def raw(event: Event) -> dict[str, Any]:
    return {**event.to_json(), **({"note": event.note} if event.note else {})}


@st.composite
def changes(draw: st.DrawFn) -> list[tuple[str, int, int, bool]]:
    """Up to three changes: (void or correct, which effective event (from the end),
    days to move the date, whether to change its note)."""
    return draw(
        st.lists(
            st.tuples(
                st.sampled_from(("void", "correct")),
                st.integers(0, 6),
                st.sampled_from((-20, -3, -1, 0, 1, 2, 10, 40)),
                st.booleans(),
            ),
            min_size=1,
            max_size=3,
        )
    )


def months_of(first: date, last: date) -> list[Month]:
    out, m = [], Month.of(first)
    while m <= Month.of(last) and len(out) < 120:
        out.append(m)
        m = Month.of(m.last + timedelta(days=1))
    return out


def inputs(session: Session, ref: str, team: str, months: list[Month]) -> dict[str, Any]:
    """What the case is: state, stored deadlines, the scorecard's counts for its team."""
    view = service.get_case(session=session, case_ref=ref, as_of=AS_OF)
    rows = session.exec(
        select(StoredDeadline)
        .where(StoredDeadline.case_id == view.case.id)
        .order_by(col(StoredDeadline.position))
    )
    stored = [{k: v for k, v in r.model_dump().items() if k not in ("id", "case_id")} for r in rows]
    found = {
        "state": view.case.state,
        "deadlines": stored,
        "windows": view.evaluation.windows,
        "by_month": counts.deadline_counts_by_month(session, months, team=team),
        "snapshots": counts.snapshot_counts(session, months, twenty_week_days=140, team=team),
        "final_plans": counts.final_plans_issued(
            session, start=months[0].first, end=months[-1].last, team=team
        ),
    }
    session.commit()
    return found


def _version(session: Session, ref: str) -> int:
    version = session.execute(sa.text("SELECT version FROM cases WHERE reference = :r"), {"r": ref})
    out = int(version.scalar_one())
    session.commit()
    return out


@PROFILE
@given(history=histories().map(lambda h: h[:10]), steps=changes())
def test_a_corrected_case_is_the_case_its_effective_history_makes(
    session: Session, history: list[Event], steps: list[tuple[str, int, int, bool]]
) -> None:
    n = next(_numbers)
    ref, fresh, team, fresh_team = f"C{n}", f"F{n}", f"T{n}", f"U{n}"
    record(session, ref, team, [raw(e) for e in history])
    applied = 0
    for what, back, days, renote in steps:
        view = service.get_case(session=session, case_ref=ref, as_of=AS_OF)
        if not view.events:
            break
        target = view.events[max(0, len(view.events) - 1 - back)]
        before = _version(session, ref)
        try:
            if what == "void":
                service.void_event(
                    session=session,
                    case_ref=ref,
                    sequence=target.sequence,
                    reason="Property test",
                    actor="tester",
                    clock=clock,
                    projections=projections(),
                )
            else:
                service.correct_event(
                    session=session,
                    case_ref=ref,
                    sequence=target.sequence,
                    date=target.date + timedelta(days=days),
                    fields={"note": f"corrected {n}"} if renote else None,
                    reason="Property test",
                    actor="tester",
                    clock=clock,
                    projections=projections(),
                )
            applied += 1
        except WorkflowError:
            assert _version(session, ref) == before  # a refusal writes nothing
    view = service.get_case(session=session, case_ref=ref, as_of=AS_OF)
    assert len(view.corrections) == applied
    effective = view.events  # in processing order: each prefix is a valid history
    events = [
        {
            "type": e.type,
            "date": e.date.isoformat(),
            **e.fields,
            **({"note": e.note} if e.note else {}),
        }
        for e in effective
    ]
    if events:
        record(session, fresh, fresh_team, events)
        days = [e.date for e in effective]
        months = months_of(min(days), max(days) + timedelta(days=200))
        assert inputs(session, ref, team, months) == inputs(session, fresh, fresh_team, months)
    else:
        assert view.case.state == "new"
