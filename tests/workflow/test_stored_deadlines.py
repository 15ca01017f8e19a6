"""Stored deadlines, read in SQL as of any day, equal the pure clock's output.

After imported, recorded and back-dated events, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date

import pytest
from sqlmodel import Session, col, select

from tests.workflow.factories import ASSESSMENT, ev, import_all, record_all
from workflow import demo
from workflow.deadline_store import deadlines_as_of
from workflow.law.deadlines import evaluate
from workflow.law.events import parse_event
from workflow.models import Case, StoredEvent

FIELDS = ("kind", "advice", "ref", "starts", "due", "met_on", "status", "exception", "breach")


def _from_sql(session: Session, as_of: date) -> dict[str, list[tuple]]:
    dialect = session.get_bind().dialect.name
    rows = session.execute(deadlines_as_of(as_of, dialect)).mappings().all()
    out: dict[str, list[tuple]] = defaultdict(list)
    for r in rows:
        out[r["case"]].append((*(r[f] for f in FIELDS[:-1]), bool(r["breach"]), r["days_late"]))
    return {k: sorted(v, key=repr) for k, v in out.items()}


def _from_clock(session: Session, as_of: date) -> dict[str, list[tuple]]:
    by_case: dict[str, list] = defaultdict(list)
    refs = {}
    statement = select(StoredEvent).order_by(col(StoredEvent.case_id), col(StoredEvent.sequence))
    for row in session.exec(statement):
        raw = {"type": row.type, "date": row.date.isoformat(), **row.fields}
        by_case[row.case_id].append(parse_event(raw, index=row.sequence))
    for case in session.exec(select(Case)):
        refs[case.id] = case.reference
    out: dict[str, list[tuple]] = {}
    for case_id, events in by_case.items():
        result = evaluate(refs[case_id], events, as_of)
        rows = [(*(getattr(d, f) for f in FIELDS), d.days_late) for d in result.deadlines]
        if rows:
            out[refs[case_id]] = sorted(rows, key=repr)
    return out


@pytest.fixture
def populated(session: Session, clock) -> Session:
    lines = [json.dumps(x) for x in demo.generate(150, end=date(2026, 10, 31), seed=11)]
    import_all(session=session, lines=lines, clock=clock)
    # Recorded one by one, then a back-dated event and an exception after the fact.
    record_all(session=session, case_ref="R1", events=ASSESSMENT[:2], clock=clock)
    record_all(
        session=session,
        case_ref="R1",
        events=[
            ev("advice_requested", "2024-02-13", advice="health"),
            ev("draft_plan_issued", "2024-07-01"),
            ev("advice_requested", "2024-02-20", advice="social_care"),  # back-dated
            ev(
                "exception_recorded",
                "2024-08-01",
                reason="personal_circumstances",
                applies_to="final_plan",
            ),
        ],
        clock=clock,
    )
    return session


@pytest.mark.parametrize(
    "as_of",
    [
        date(2026, 11, 20),  # today
        date(2025, 6, 30),  # a month end in the past: later events are ignored
        date(2024, 7, 15),  # between R1's draft and its exception
        date(2024, 2, 29),  # a leap day
    ],
)
def test_stored_deadlines_equal_the_pure_clock(populated: Session, as_of: date) -> None:
    sql = _from_sql(populated, as_of)
    pure = _from_clock(populated, as_of)
    assert sql.keys() == pure.keys()
    for case in pure:
        assert sql[case] == pure[case], case


def test_case_with_no_deadlines_yet_has_no_rows(session: Session, clock) -> None:
    record_all(session=session, case_ref="R2", events=ASSESSMENT[:1], clock=clock)
    assert _from_sql(session, date(2024, 1, 7)) == {}
    assert [row[0] for row in _from_sql(session, date(2024, 1, 8))["R2"]] == ["decision_to_assess"]
