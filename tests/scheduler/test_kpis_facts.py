"""The scorecard from the timeliness facts equals the scorecard from the events.

`snapshot_counts` reads the month-end counts (open assessments by age, the review
backlog) from the spans the write path keeps (`workflow.timeliness`);
`snapshot_counts_from_events` computes them as the scorecard did before, from every
case's events with window functions. For random cohorts (the demo generator, random
seeds, sizes and periods, then random voids and corrections through the service) the
two, and the whole scorecard built on each, must be equal, on SQLite and PostgreSQL.
The facts must also come back the same from the migration's backfill and from a
refresh.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from scheduler.scorecard import compute, counts
from scheduler.scorecard.months import Month
from tests.council import council_for_lines
from tests.wiring import projections
from workflow import demo, migrate, service
from workflow.db import make_engine, new_session
from workflow.errors import WorkflowError
from workflow.law.deadlines import Settings
from workflow.law.events import parse_event
from workflow.timeliness import OPEN, Span, case_spans, moments

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PROFILE = settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def clock() -> datetime:
    return NOW


def _imported(url: str, lines: list[dict[str, Any]]) -> Engine:
    engine = make_engine(url)
    migrate.upgrade(engine)
    with new_session(engine) as session:
        service.import_events(
            projections=projections(),
            session=session,
            lines=council_for_lines(session, clock, [json.dumps(x) for x in lines]),
            actor="loader",
            clock=clock,
        )
    return engine


def _void_or_correct_some(engine: Engine, rng: random.Random, count: int) -> None:
    """Void or move the date of `count` random events (the law may refuse some)."""
    with engine.connect() as conn:
        events = conn.execute(
            sa.text(
                "SELECT c.reference, e.sequence, e.date FROM events e "
                "JOIN cases c ON c.id = e.case_id ORDER BY e.id"
            )
        ).all()
    for ref, sequence, day in rng.sample(events, min(count, len(events))):
        moved = date.fromisoformat(str(day)) + timedelta(days=rng.choice((-20, -3, 1, 10, 40)))
        with new_session(engine) as session:
            try:
                if rng.random() < 0.5:
                    service.void_event(
                        session=session,
                        case_ref=ref,
                        sequence=sequence,
                        reason="Recorded on the wrong case",
                        actor="tester",
                        clock=clock,
                        projections=projections(),
                    )
                else:
                    service.correct_event(
                        session=session,
                        case_ref=ref,
                        sequence=sequence,
                        date=moved,
                        reason="Mistyped date",
                        actor="tester",
                        clock=clock,
                        projections=projections(),
                    )
            except WorkflowError:
                session.rollback()


def _facts(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT c.reference, f.kind, f.since, f.until, f.request_on, f.disputed_on "
                "FROM timeliness_facts f JOIN cases c ON c.id = f.case_id "
                "ORDER BY c.reference, f.since, f.kind"
            )
        )
        return [tuple(str(v) for v in row) for row in rows]


def _months(end: date, count: int) -> list[Month]:
    last = Month.of(end).previous()
    out = [last]
    while len(out) < count:
        out.insert(0, out[0].previous())
    return out


@PROFILE
@given(
    seed=st.integers(0, 10_000),
    cases=st.integers(1, 60),
    end=st.dates(date(2023, 3, 1), date(2026, 11, 30)),
    years=st.sampled_from((0.5, 1.5, 3.0, 5.0)),
    changes=st.integers(0, 8),
    team=st.sampled_from((None, *demo.TEAMS)),
)
def test_the_scorecard_from_the_facts_equals_the_scorecard_from_the_events(
    new_db_url: Callable[[], str],
    monkeypatch: pytest.MonkeyPatch,
    seed: int,
    cases: int,
    end: date,
    years: float,
    changes: int,
    team: str | None,
) -> None:
    engine = _imported(new_db_url(), list(demo.generate(cases, end=end, years=years, seed=seed)))
    _void_or_correct_some(engine, random.Random(seed), changes)
    months = _months(end, 18)
    with new_session(engine) as session:
        fast = counts.snapshot_counts(session, months, twenty_week_days=140, team=team)
        slow = counts.snapshot_counts_from_events(session, months, twenty_week_days=140, team=team)
        assert fast == slow
        card = compute.compute_scorecard(
            session, first=months[0], last=months[-1], settings=Settings(), team=team
        ).to_json()
        with monkeypatch.context() as patched:
            patched.setattr(compute, "snapshot_counts", counts.snapshot_counts_from_events)
            reference = compute.compute_scorecard(
                session, first=months[0], last=months[-1], settings=Settings(), team=team
            ).to_json()
        assert card == reference
    engine.dispose()


def test_the_migration_backfills_the_facts_the_write_path_keeps(
    new_db_url: Callable[[], str],
) -> None:
    lines = list(demo.generate(80, end=date(2026, 11, 1), years=4.0, seed=3))
    engine = _imported(new_db_url(), lines)
    _void_or_correct_some(engine, random.Random(3), 10)
    kept = _facts(engine)
    assert {row[1] for row in kept} == {"open", "backlog"}
    config = migrate.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0010")
    migrate.upgrade(engine)
    assert _facts(engine) == kept
    engine.dispose()


def test_a_refresh_writes_the_facts_again(new_db_url: Callable[[], str]) -> None:
    lines = list(demo.generate(40, end=date(2026, 11, 1), seed=5))
    engine = _imported(new_db_url(), lines)
    kept = _facts(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM timeliness_facts"))
    with new_session(engine) as session:
        assert service.refresh_all_deadlines(session=session, clock=clock) == 40
    assert _facts(engine) == kept
    engine.dispose()


def _event(type_: str, day: str, sequence: int, **fields: Any) -> Any:
    return parse_event({"type": type_, "date": day, **fields}, index=sequence)


def test_same_day_events_give_one_span_and_a_dispute_splits_it() -> None:
    events = [
        _event("request_received", "2024-01-08", 1, source="school"),  # Mon
        _event("decision_to_assess", "2024-02-12", 2),  # Mon: still open
        _event("mediation_requested", "2024-03-04", 3),  # Mon: disputed from here
        _event("draft_plan_issued", "2024-03-04", 4),  # the same day
        _event("final_plan_issued", "2024-06-03", 5),  # Mon: no longer open
    ]
    assert case_spans(moments(events)) == [
        Span(OPEN, date(2024, 1, 8), date(2024, 3, 4), date(2024, 1, 8), None),
        Span(OPEN, date(2024, 3, 4), date(2024, 6, 3), date(2024, 1, 8), date(2024, 3, 4)),
    ]
