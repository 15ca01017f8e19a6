"""The service layer on SQLite and PostgreSQL: recording, back-dating, versions, races."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session, select

from tests.council import add_council
from tests.wiring import projections
from tests.workflow.factories import ASSESSMENT, ev, record_all
from workflow import service
from workflow.db import make_engine, new_session
from workflow.errors import (
    CaseNotFound,
    ConcurrentUpdate,
    EventNotAllowed,
    InvalidEvent,
    InvalidInput,
)
from workflow.models import Case, StoredDeadline, StoredEvent


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_first_event_opens_the_case(session: Session, clock) -> None:
    add_council(session, clock, officers={"A": "North"})
    result = service.record_event(
        projections=projections(),
        session=session,
        case_ref="C1",
        event=ev("request_received", "2024-01-08", source="parent"),
        actor="officer.a",
        clock=clock,
        case_fields={"team": "North", "officer": "A"},
    )
    assert (result.case.state, result.case.version) == ("requested", 1)
    assert (result.case.team, result.case.officer) == ("North", "A")
    assert result.event.recorded_by == "officer.a"
    assert result.event.recorded_at == clock()
    stored = session.exec(select(StoredDeadline)).all()
    assert [(d.kind, d.due) for d in stored] == [("decision_to_assess", date(2024, 2, 19))]


def test_a_full_assessment_moves_through_the_states(session: Session, clock) -> None:
    states = []
    for event in ASSESSMENT:
        result = service.record_event(
            projections=projections(),
            session=session,
            case_ref="C1",
            event=event,
            actor="a",
            clock=clock,
        )
        states.append(result.case.state)
    assert states == [
        "requested",
        "assessing",
        "assessing",
        "assessing",
        "draft_issued",
        "plan_in_force",
    ]
    assert result.case.version == 6


def test_refused_event_saves_nothing(session: Session, engine: Engine, clock) -> None:
    record_all(session=session, case_ref="C1", events=ASSESSMENT[:2], clock=clock)
    with pytest.raises(
        EventNotAllowed, match="Case C1 is being assessed, so it cannot take \u201cFinal plan"
    ):
        service.record_event(
            projections=projections(),
            session=session,
            case_ref="C1",
            event=ev("final_plan_issued", "2024-05-20"),
            actor="a",
            clock=clock,
        )
    assert _count(engine, "events") == 2
    case = session.exec(select(Case)).one()
    assert (case.state, case.version) == ("assessing", 2)


def test_first_event_that_cannot_open_a_case_creates_no_case(
    session: Session, engine: Engine, clock
) -> None:
    with pytest.raises(EventNotAllowed, match="Case C9 is new"):
        service.record_event(
            projections=projections(),
            session=session,
            case_ref="C9",
            event=ev("decision_to_assess", "2024-02-12"),
            actor="a",
            clock=clock,
        )
    assert _count(engine, "cases") == 0


def test_back_dated_event_is_accepted_when_the_history_stays_valid(session: Session, clock) -> None:
    record_all(session=session, case_ref="C1", events=[*ASSESSMENT[:2], ASSESSMENT[4]], clock=clock)
    result = service.record_event(
        projections=projections(),
        session=session,
        case_ref="C1",
        event=ev("advice_requested", "2024-03-01", advice="health"),
        actor="a",
        clock=clock,
    )
    assert result.case.state == "draft_issued"
    view = service.get_case(session=session, case_ref="C1", as_of=date(2024, 6, 1))
    assert [e.type for e in view.events] == [
        "request_received",
        "decision_to_assess",
        "advice_requested",
        "draft_plan_issued",
    ]
    advice = [d for d in view.evaluation.deadlines if d.kind == "advice"]
    assert [(d.starts, d.due, d.status) for d in advice] == [
        (date(2024, 3, 1), date(2024, 4, 12), "overdue")
    ]


def test_back_dated_event_is_refused_when_it_breaks_the_history(
    session: Session, engine: Engine, clock
) -> None:
    record_all(session=session, case_ref="C1", events=[*ASSESSMENT[:2], ASSESSMENT[4]], clock=clock)
    with pytest.raises(InvalidEvent) as caught:
        service.record_event(
            projections=projections(),
            session=session,
            case_ref="C1",
            event=ev("request_withdrawn", "2024-03-01"),
            actor="a",
            clock=clock,
        )
    message = str(caught.value)
    assert "Case C1" in message and "“Draft plan issued” on 22 April 2024" in message
    assert "withdrawn" in message
    assert _count(engine, "events") == 3


def test_future_dates_are_refused(session: Session, clock) -> None:
    with pytest.raises(InvalidEvent, match="21 November 2026 is in the future"):
        service.record_event(
            projections=projections(),
            session=session,
            case_ref="C1",
            event=ev("request_received", "2026-11-21", source="parent"),
            actor="a",
            clock=clock,
        )


@pytest.mark.parametrize(
    "event, message",
    [
        (ev("request_received", "2024-01-08"), "enter the source"),
        (ev("request_received", "2024-02-30", source="parent"), "not a real date"),
        (ev("request_recieved", "2024-01-08", source="parent"), "not a known event type"),
        (ev("request_received", "", source="parent"), "enter the date"),
        (ev("request_received", "2024-01-08", source="aunt"), "source must be one of"),
    ],
)
def test_bad_events_get_plain_messages(session: Session, clock, event, message) -> None:
    with pytest.raises(InvalidEvent, match=message):
        service.record_event(
            projections=projections(),
            session=session,
            case_ref="C1",
            event=event,
            actor="a",
            clock=clock,
        )


def test_bad_reference_is_refused(session: Session, clock) -> None:
    with pytest.raises(InvalidInput, match="Enter the case reference"):
        service.record_event(
            projections=projections(),
            session=session,
            case_ref=" ",
            event=ASSESSMENT[0],
            actor="a",
            clock=clock,
        )


def test_stale_version_is_a_conflict_and_saves_nothing(
    session: Session, engine: Engine, clock
) -> None:
    record_all(session=session, case_ref="C1", events=ASSESSMENT[:2], clock=clock)
    with pytest.raises(ConcurrentUpdate, match="Case C1 was changed by someone else"):
        service.record_event(
            projections=projections(),
            session=session,
            case_ref="C1",
            event=ASSESSMENT[2],
            actor="a",
            clock=clock,
            expected_version=1,
        )
    assert _count(engine, "events") == 2


def test_showing_an_unknown_case(session: Session) -> None:
    with pytest.raises(CaseNotFound, match="There is no case NOPE"):
        service.get_case(session=session, case_ref="NOPE", as_of=date(2024, 1, 1))


def _race(db_url: str, clock, expected_version: int | None) -> list[BaseException | None]:
    """Two officers, each with their own connection, record on case C1 at the same moment."""
    engines = [make_engine(db_url) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[BaseException | None] = [None, None]
    events = [
        ev("advice_requested", "2024-02-13", advice="health"),
        ev("advice_requested", "2024-02-13", advice="psychological"),
    ]

    def officer(i: int) -> None:
        session = new_session(engines[i])
        try:
            barrier.wait(timeout=10)
            service.record_event(
                projections=projections(),
                session=session,
                case_ref="C1",
                event=events[i],
                actor=f"officer{i}",
                clock=clock,
                expected_version=expected_version,
            )
        except BaseException as e:  # noqa: BLE001 - the test inspects it
            outcomes[i] = e
        finally:
            session.close()

    threads = [threading.Thread(target=officer, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for e in engines:
        e.dispose()
    return outcomes


def test_race_from_the_same_version_exactly_one_wins(
    db_url: str, session: Session, engine: Engine, clock
) -> None:
    record_all(session=session, case_ref="C1", events=ASSESSMENT[:2], clock=clock)
    outcomes = _race(db_url, clock, expected_version=2)
    winners = [o for o in outcomes if o is None]
    losers = [o for o in outcomes if o is not None]
    assert len(winners) == 1, outcomes
    assert len(losers) == 1 and isinstance(losers[0], ConcurrentUpdate), outcomes
    assert _count(engine, "events") == 3
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version FROM cases")).scalar_one() == 3


def test_race_without_a_version_loses_no_update(
    db_url: str, session: Session, engine: Engine, clock
) -> None:
    record_all(session=session, case_ref="C1", events=ASSESSMENT[:2], clock=clock)
    outcomes = _race(db_url, clock, expected_version=None)
    assert outcomes == [None, None]
    assert _count(engine, "events") == 4
    with engine.connect() as conn:
        sequences = conn.execute(sa.text("SELECT sequence FROM events ORDER BY sequence"))
        assert list(sequences.scalars()) == [1, 2, 3, 4]
        assert conn.execute(sa.text("SELECT version FROM cases")).scalar_one() == 4


def test_stored_events_keep_date_and_who_recorded_them(session: Session, clock) -> None:
    record_all(session=session, case_ref="C1", events=ASSESSMENT[:1], clock=clock, actor="kim")
    row = session.exec(select(StoredEvent)).one()
    assert (row.type, row.date, row.fields) == (
        "request_received",
        date(2024, 1, 8),
        {"source": "school"},
    )
    assert (row.recorded_by, row.recorded_at, row.sequence) == ("kim", clock(), 1)
