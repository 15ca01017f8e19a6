"""Import is all or nothing and names the bad line; export -> import -> export is identical."""

from __future__ import annotations

import json
from datetime import date
from itertools import islice

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session

from tests.council import council_for_lines
from tests.wiring import projections
from tests.workflow.factories import ASSESSMENT, import_all, record_all
from workflow import demo, service
from workflow.db import make_engine, new_session
from workflow.errors import EventNotAllowed, InvalidEvent, WorkflowError


def _lines(count: int) -> list[str]:
    gen = demo.generate(200, end=date(2026, 11, 1), seed=7)
    lines = [json.dumps(line) for line in islice(gen, count)]
    assert len(lines) == count
    return lines


def _counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            int(conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one())
            for t in ("cases", "events", "deadlines")
        )


def test_import_creates_cases_events_and_deadlines(session: Session, engine: Engine, clock):
    lines = _lines(1000)
    summary = import_all(session=session, lines=lines, clock=clock)
    cases = {json.loads(line)["case"] for line in lines}
    assert (summary.events, summary.cases_created, summary.cases_updated) == (1000, len(cases), 0)
    n_cases, n_events, n_deadlines = _counts(engine)
    assert (n_cases, n_events) == (len(cases), 1000)
    assert n_deadlines > 0


@pytest.mark.parametrize(
    "bad, error, message",
    [
        ({"type": "plan_finalised", "date": "2024-01-01"}, InvalidEvent, "not a known event type"),
        ({"type": "review_meeting_held", "date": "2024-13-01"}, InvalidEvent, "not a real date"),
        ({"type": "advice_requested", "date": "2024-01-01"}, InvalidEvent, "enter the advice"),
        ({"type": "final_plan_issued", "date": "2020-01-01"}, EventNotAllowed, "cannot take"),
    ],
)
def test_a_bad_line_500_imports_nothing(
    session: Session, engine: Engine, clock, bad, error, message
) -> None:
    lines = _lines(1000)
    # Inserted, not replacing a line: every case's own history stays whole.
    lines.insert(499, json.dumps({"case": "BAD1", **bad}))
    with pytest.raises(error) as caught:
        import_all(session=session, lines=lines, clock=clock)
    assert str(caught.value).startswith("Line 500")
    assert message in str(caught.value)
    assert _counts(engine) == (0, 0, 0)


def test_a_line_that_breaks_a_stored_history_is_named(
    session: Session, engine: Engine, clock
) -> None:
    record_all(session=session, case_ref="C1", events=ASSESSMENT[:2], clock=clock)
    lines = [
        json.dumps(
            {"case": "C2", "type": "request_received", "date": "2024-01-01", "source": "parent"}
        ),
        json.dumps({"case": "C1", "type": "request_withdrawn", "date": "2024-01-10"}),
    ]
    with pytest.raises(WorkflowError) as caught:
        import_all(session=session, lines=lines, clock=clock)
    assert str(caught.value).startswith("Line 2: Case C1")
    assert _counts(engine)[:2] == (1, 2)


def test_import_adds_back_dated_events_to_existing_cases(session: Session, clock) -> None:
    record_all(session=session, case_ref="C1", events=[*ASSESSMENT[:2], ASSESSMENT[4]], clock=clock)
    line = {"case": "C1", "type": "advice_requested", "date": "2024-03-01", "advice": "health"}
    summary = service.import_events(
        projections=projections(),
        session=session,
        lines=council_for_lines(session, clock, [json.dumps({**line, "team": "East"})]),
        actor="l",
        clock=clock,
    )
    assert (summary.cases_created, summary.cases_updated) == (0, 1)
    view = service.get_case(session=session, case_ref="C1", as_of=date(2024, 6, 1))
    assert view.case.team == "East" and view.case.version == 4
    assert [e.type for e in view.events][2] == "advice_requested"


def test_case_fields_ride_on_lines_and_the_last_value_wins(session: Session, clock) -> None:
    lines = [
        {
            "case": "C1",
            "type": "request_received",
            "date": "2024-01-08",
            "source": "parent",
            "team": "North",
            "officer": "A",
            "date_of_birth": "2015-03-02",
        },
        {"case": "C1", "type": "decision_to_assess", "date": "2024-02-12", "officer": "B"},
    ]
    import_all(session=session, lines=[json.dumps(x) for x in lines], clock=clock, actor="l")
    case = service.get_case(session=session, case_ref="C1", as_of=date(2024, 3, 1)).case
    assert (case.team, case.officer, case.date_of_birth) == ("North", "B", date(2015, 3, 2))


def test_export_import_export_is_identical(new_db_url, session: Session, clock):
    lines = _lines(1500)
    import_all(session=session, lines=lines, clock=clock)
    record_all(session=session, case_ref="ZZ1", events=ASSESSMENT, clock=clock)
    first = [json.dumps(x) for x in service.export_events(session=session)]
    assert len(first) == 1500 + len(ASSESSMENT)

    # Into an empty database of the same engine.
    other = make_engine(new_db_url())
    try:
        s2 = new_session(other)
        import_all(session=s2, lines=first, clock=clock)
        second = [json.dumps(x) for x in service.export_events(session=s2)]
        s2.close()
    finally:
        other.dispose()
    assert second == first
