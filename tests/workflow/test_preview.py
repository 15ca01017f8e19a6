"""`workflow.preview.preview_event` on SQLite and PostgreSQL: what recording an event
would do, the same as what recording it does, and nothing written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session

from tests.wiring import projections
from tests.workflow.factories import ASSESSMENT, ev, record_all
from workflow import service
from workflow.errors import CaseNotFound, ConcurrentUpdate, WorkflowError
from workflow.law.changes import compare
from workflow.preview import preview_event

Clock = Callable[[], datetime]
TABLES = ("cases", "events", "deadlines", "letters", "audit_log")


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t: int(conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in TABLES
        }


def _preview(session: Session, clock: Clock, event: dict[str, Any], **kw: Any) -> Any:
    return preview_event(session=session, case_ref="C1", event=event, clock=clock, **kw)


@pytest.mark.parametrize(
    "recorded, event",
    [
        (ASSESSMENT[:1], ASSESSMENT[1]),  # decision to assess: met, two clocks start
        (ASSESSMENT[:2], ASSESSMENT[2]),  # advice requested
        (ASSESSMENT[:4], ASSESSMENT[4]),  # draft plan: a window opens
        # back-dated before the draft: the advice clock is inserted in the past
        ([*ASSESSMENT[:2], ASSESSMENT[4]], ev("advice_requested", "2024-03-01", advice="health")),
    ],
)
def test_the_preview_is_what_recording_then_does(
    session: Session, engine: Engine, clock: Clock, recorded: list[Any], event: dict[str, Any]
) -> None:
    record_all(session=session, case_ref="C1", events=recorded, clock=clock)
    stored = _counts(engine)
    preview = _preview(session, clock, event, expected_version=len(recorded))
    assert _counts(engine) == stored  # nothing written
    assert preview.case.version == len(recorded)
    before = service.get_case(session=session, case_ref="C1", as_of=date(9999, 12, 31))
    result = service.record_event(
        projections=projections(),
        session=session,
        case_ref="C1",
        event=event,
        actor="a",
        clock=clock,
        expected_version=len(recorded),
    )
    assert preview.changes == compare(before.evaluation, result.evaluation)
    assert preview.changes.state_after == result.case.state
    assert not preview.changes.nothing


def test_the_decision_to_assess_preview_names_its_clocks(session: Session, clock: Clock) -> None:
    record_all(session=session, case_ref="C1", events=ASSESSMENT[:1], clock=clock)
    changes = _preview(session, clock, ASSESSMENT[1]).changes
    assert (changes.state_before, changes.state_after) == ("requested", "assessing")
    assert [(x.deadline.kind, x.deadline.met_on) for x in changes.met] == [
        ("decision_to_assess", date(2024, 2, 12))
    ]
    assert [(x.deadline.kind, x.deadline.due) for x in changes.created] == [
        ("decision_not_to_issue", date(2024, 4, 29)),
        ("final_plan", date(2024, 5, 27)),
    ]


def test_a_refused_event_raises_what_the_save_raises(
    session: Session, engine: Engine, clock: Clock
) -> None:
    record_all(session=session, case_ref="C1", events=[*ASSESSMENT[:2], ASSESSMENT[4]], clock=clock)
    stored = _counts(engine)
    for event in (
        ev("request_withdrawn", "2024-03-01"),  # breaks the later draft plan
        ev("final_plan_issued", "2026-11-21"),  # tomorrow
        ev("advice_received", "2024-03-01", advice="health"),  # nothing asked
        ev("review_meeting_held", "2024-03-01"),  # not in this state
    ):
        with pytest.raises(WorkflowError) as previewed:
            _preview(session, clock, event)
        with pytest.raises(WorkflowError) as saved:
            service.record_event(
                projections=projections(),
                session=session,
                case_ref="C1",
                event=event,
                actor="a",
                clock=clock,
            )
        assert type(previewed.value) is type(saved.value)
        assert str(previewed.value) == str(saved.value)
    assert _counts(engine) == stored


def test_a_stale_version_is_a_conflict(session: Session, clock: Clock) -> None:
    record_all(session=session, case_ref="C1", events=ASSESSMENT[:2], clock=clock)
    with pytest.raises(ConcurrentUpdate):
        _preview(session, clock, ASSESSMENT[2], expected_version=1)
    assert _preview(session, clock, ASSESSMENT[2], expected_version=2).case.version == 2


def test_a_missing_case_is_not_found(session: Session, clock: Clock) -> None:
    with pytest.raises(CaseNotFound):
        _preview(session, clock, ASSESSMENT[0])
