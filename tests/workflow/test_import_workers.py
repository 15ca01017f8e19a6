"""A large import read, checked and replayed in worker processes gives what the
one-process import gives: the same rows, the same ids, the same errors naming the
same line, and nothing written when a line is bad; on both databases."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from tests.council import council_for_lines
from tests.wiring import projections
from workflow import demo, import_workers, importing, migrate, service
from workflow.db import make_engine, new_session
from workflow.errors import ConcurrentUpdate, WorkflowError
from workflow.models import Case

LINES = [json.dumps(x) for x in demo.generate(40, end=date(2026, 11, 1), seed=21)]
TABLES = {
    "cases": "SELECT id, reference, state, version, team, officer, date_of_birth FROM cases"
    " ORDER BY id",
    "events": "SELECT case_id, sequence, type, date, fields, note, actor, recorded_by"
    " FROM events ORDER BY case_id, sequence",
    "deadlines": "SELECT case_id, position, kind, advice, ref, created_on, starts, due, met_on,"
    " cancelled_on, can_lapse, exception, exception_on FROM deadlines ORDER BY case_id, position",
    "facts": "SELECT case_id, kind, since, until, request_on, disputed_on FROM timeliness_facts"
    " ORDER BY case_id, since, kind",
    "people": "SELECT * FROM case_people ORDER BY case_id",
}


def _rows(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as conn:
        return {
            name: [tuple(r) for r in conn.execute(sa.text(sql))] for name, sql in TABLES.items()
        }


def _by_reference(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """`_rows` with each case named by its reference, not its id (PostgreSQL's ids taken
    by an import that was rolled back are not given again)."""
    rows = _rows(engine)
    ref = {row[0]: row[1] for row in rows["cases"]}
    return {
        "cases": [row[1:] for row in rows["cases"]],
        "people": [(ref[row[1]], *row[2:]) for row in rows["people"]],
        **{
            name: [(ref[row[0]], *row[1:]) for row in rows[name]]
            for name in ("events", "deadlines", "facts")
        },
    }


def _counts(engine: Engine) -> tuple[int, ...]:
    with engine.connect() as conn:
        return tuple(
            int(conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one())
            for t in ("cases", "events", "deadlines", "timeliness_facts", "case_people")
        )


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Each import of the test through the workers: True if they imported it, False if it
    went back to the one-process path. Any file of two lines or more goes to them, in
    runs of about 60 lines, with two workers."""
    monkeypatch.setattr(import_workers, "PARALLEL_FROM", 2)
    monkeypatch.setattr(import_workers, "RUN_LINES", 60)
    monkeypatch.setattr(import_workers, "worker_count", lambda _url, lines: 2 if lines > 1 else 0)
    seen: list[bool] = []
    write = import_workers.write_cases

    def spy(**kwargs: Any) -> import_workers.Imported | None:
        done = write(**kwargs)
        seen.append(done is not None)
        return done

    monkeypatch.setattr(import_workers, "write_cases", spy)
    return seen


def _engine(url: str, clock: Callable[[], datetime]) -> Engine:
    engine = make_engine(url)
    migrate.upgrade(engine)
    council_for_lines(engine, clock, LINES)
    return engine


def _import(engine: Engine, clock: Callable[[], datetime], lines: list[str]) -> None:
    with new_session(engine) as session:
        service.import_events(
            projections=projections(), session=session, lines=lines, actor="loader", clock=clock
        )


def _error(engine: Engine, clock: Callable[[], datetime], lines: list[str]) -> WorkflowError:
    with pytest.raises(WorkflowError) as caught:
        _import(engine, clock, lines)
    return caught.value


def _alone(
    monkeypatch: pytest.MonkeyPatch, engine: Engine, clock: Callable[[], datetime], lines: list[str]
) -> None:
    """Import in this process only, as without the workers."""
    with monkeypatch.context() as m:
        m.setattr(import_workers, "worker_count", lambda _url, _lines: 0)
        _import(engine, clock, lines)


def test_workers_import_as_one_process_does(
    new_db_url: Callable[[], str],
    clock: Callable[[], datetime],
    taken: list[bool],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alone = _engine(new_db_url(), clock)
    _alone(monkeypatch, alone, clock, LINES)
    in_workers = _engine(new_db_url(), clock)
    _import(in_workers, clock, LINES)
    assert taken == [True]
    assert _rows(in_workers) == _rows(alone)
    assert len(_rows(in_workers)["cases"]) == 40
    alone.dispose()
    in_workers.dispose()


def _broken(lines: list[str], number: int, change: dict[str, Any]) -> list[str]:
    """`lines` with line `number` (counted from 1) changed."""
    raw = json.loads(lines[number - 1])
    out = list(lines)
    out[number - 1] = json.dumps({**raw, **change})
    return out


@pytest.mark.parametrize(
    "change",
    [
        {"date": "2024-02-30"},  # a line that does not read
        {"type": "final_plan_issued"},  # an event the case's history does not allow
    ],
)
def test_a_bad_line_late_in_the_file_is_named_as_one_process_names_it_and_nothing_is_kept(
    db_url: str,
    clock: Callable[[], datetime],
    taken: list[bool],
    monkeypatch: pytest.MonkeyPatch,
    change: dict[str, Any],
) -> None:
    engine = _engine(db_url, clock)
    before = _counts(engine)
    lines = _broken(LINES, len(LINES) - 3, change)
    in_workers = str(_error(engine, clock, lines))
    assert taken == [False]  # they found it and gave the file back
    assert _counts(engine) == before
    with monkeypatch.context() as m:
        m.setattr(import_workers, "worker_count", lambda _url, _lines: 0)
        alone = str(_error(engine, clock, lines))
    assert in_workers == alone
    assert in_workers.startswith(f"Line {len(LINES) - 3}"), in_workers
    engine.dispose()


def _by_case(lines: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in lines:
        out.setdefault(json.loads(line)["case"], []).append(line)
    return out


def test_a_stored_case_or_a_case_in_two_runs_takes_the_one_process_path(
    new_db_url: Callable[[], str],
    clock: Callable[[], datetime],
    taken: list[bool],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cases = list(_by_case(LINES).values())
    engine = _engine(new_db_url(), clock)
    _alone(monkeypatch, engine, clock, cases[0][:2])
    _import(engine, clock, cases[0][2:] + [line for case in cases[1:] for line in case])
    assert taken == [False]  # the first case was stored: its new events follow its own
    assert len(_rows(engine)["events"]) == len(LINES)
    _assert_the_version_moves(engine)
    # The cases' lines taking turns: a case is in several runs.
    turns = [case[i] for i in range(max(map(len, cases))) for case in cases if i < len(case)]
    in_turns = _engine(new_db_url(), clock)
    _import(in_turns, clock, turns)
    alone = _engine(new_db_url(), clock)
    _alone(monkeypatch, alone, clock, turns)
    assert taken == [False, False]
    assert _by_reference(in_turns) == _by_reference(alone)
    for e in (engine, in_turns, alone):
        e.dispose()


def test_a_case_the_look_up_missed_is_refused_by_the_database_naming_its_line(
    db_url: str, clock: Callable[[], datetime], taken: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = _engine(db_url, clock)
    cases = _by_case(LINES)
    late = list(cases)[30]
    _alone(monkeypatch, engine, clock, cases[late])
    before = _counts(engine)
    look_up = importing.lock_cases

    def missing(session: Any, wanted: list[str]) -> dict[str, Case]:
        return {ref: case for ref, case in look_up(session, wanted).items() if ref != late}

    monkeypatch.setattr(importing, "lock_cases", missing)
    rest = [line for ref, lines in cases.items() if ref != late for line in lines]
    cut = len([line for case in list(cases.values())[:20] for line in case])
    lines = rest[:cut] + cases[late] + rest[cut:]
    with pytest.raises(ConcurrentUpdate) as caught:
        _import(engine, clock, lines)
    assert str(caught.value).startswith(
        f"Line {cut + 1} (case {late}): the case was opened by someone else"
    ), caught.value
    assert _counts(engine) == before
    engine.dispose()


def _version(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT version FROM queue_version")).scalar_one())


def _assert_the_version_moves(engine: Engine) -> None:
    """A change to the deadlines after an import moves the queue version: the import
    put back the triggers it set aside."""
    version = _version(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE deadlines SET due = due WHERE position = 0"))
    assert _version(engine) > version


def test_the_queue_version_moves_and_its_triggers_stay(
    db_url: str, clock: Callable[[], datetime], taken: list[bool]
) -> None:
    engine = _engine(db_url, clock)
    version = _version(engine)
    _import(engine, clock, LINES)
    assert taken == [True]
    assert _version(engine) > version
    _assert_the_version_moves(engine)
    engine.dispose()


def test_a_small_file_or_an_in_memory_database_is_imported_in_this_process() -> None:
    assert import_workers.worker_count(sa.make_url("sqlite://"), 10**6) == 0
    assert import_workers.worker_count(sa.make_url("sqlite:////tmp/x.db"), 100) == 0
    assert import_workers.worker_count(sa.make_url("postgresql+psycopg://h/d"), 100) == 0


def test_runs_are_cut_between_cases() -> None:
    runs = list(import_workers.runs(LINES, 50))
    assert [line for _first, part in runs for line in part] == LINES
    assert [first for first, _part in runs] == [
        1 + sum(len(part) for _f, part in runs[:i]) for i in range(len(runs))
    ]
    cases = [{json.loads(line)["case"] for line in part} for _first, part in runs]
    assert all(not a & b for i, a in enumerate(cases) for b in cases[i + 1 :])
