"""A large import read, checked and replayed in worker processes (issue 21).

Reading and checking a line and replaying its case is pure Python and, on two cores,
most of an import's time. For a file of many lines, runs of whole cases go to worker
processes (one per core, at most four), each reading, checking and replaying its run
and converting the rows for the driver (`bulk.prepare_rows`); this process meanwhile
writes the runs already done, in their order, in the caller's transaction, giving each
new case its id. The result is the one-process import's (`workflow.importing`):
the same rows, in the same order, with the same ids.

Only the plain case takes this path: every case in the file is new, each case's lines
are together (a file as exported or generated), its events carry no sequence or void,
and no letters are made (`project_events`). Anything else, and any line or event the
workers refuse, goes back to the one-process path, which rolls back what this wrote
and reads the file again: so a bad line is named as it always is, the first in the
file, however the file was cut. A row the database refuses while this path writes is
named here, as the one-process import names it.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
from collections import deque
from collections.abc import Generator, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from workflow import bulk, deadline_refresh, deadline_store, importing
from workflow import people as letter_people
from workflow.case_writes import check_reference, replay
from workflow.clock import Clock, today_in_england
from workflow.errors import WorkflowError
from workflow.law.calendar import WorkingDays
from workflow.law.deadlines import Settings
from workflow.models import Case, StoredDeadline, StoredEvent
from workflow.timeliness import FACTS, case_spans, fact_rows, moments

PARALLEL_FROM = 20_000  # lines: below this, starting the workers costs more than it saves
RUN_LINES = 5_000  # lines a worker reads, checks and replays at a time
MAX_WORKERS = 4


@dataclass(frozen=True)
class PreparedCase:
    """What this process needs of a new case a worker replayed: its row, its people, and
    the line of each of its events (event k is numbered k: `lines[k - 1]`)."""

    ref: str
    state: str
    fields: dict[str, Any]
    field_lines: dict[str, int]
    people: dict[str, Any]
    lines: list[int]


@dataclass(frozen=True)
class PreparedRun:
    """A run of whole new cases, replayed, with their rows ready for the driver."""

    cases: list[PreparedCase]
    events: bulk.Prepared
    deadlines: bulk.Prepared
    facts: bulk.Prepared


@dataclass(frozen=True)
class Imported:
    events: int
    cases_created: int
    made: importing.CreatedPeople


def worker_count(url: sa.URL, lines: int) -> int:
    """How many worker processes to import `lines` lines with (0: in this process).

    One a core, at most four, on PostgreSQL, whose server does the rows' work; on SQLite
    this process writes the rows itself, about as much work as a worker's, so it keeps a
    core: one fewer (on two cores one worker, which doubles the import)."""
    sqlite = url.get_backend_name() == "sqlite"
    if deadline_refresh.in_memory(url) or lines < PARALLEL_FROM:
        return 0
    workers = min(MAX_WORKERS, deadline_refresh.cores() - (1 if sqlite else 0))
    # PostgreSQL's one process would be the importing process's only helper: no gain.
    return workers if workers >= (1 if sqlite else 2) else 0


# -- in a worker ------------------------------------------------------------------------


class _OneProcess(Exception):
    """The run needs the one-process path (see the module's docstring)."""


def prepare_run(
    first_line: int,
    lines: list[str],
    *,
    today: date,
    now: datetime,
    actor: str,
    settings: Settings,
    working_days: WorkingDays | None,
    dialect_name: str,
) -> PreparedRun | None:
    """Read, check and replay a run of lines (the first numbered `first_line` in its
    file) as new cases, and make their rows; None if the run needs the one-process path."""
    with deadline_refresh.no_cycle_collection():  # as the refresh's workers
        try:
            cases = list(
                importing.parse_import_lines(lines, today=today, first_line=first_line).values()
            )
            dialect = sa.make_url(f"{dialect_name}://").get_dialect()()
            done: list[PreparedCase] = []
            events, deadlines, facts = [], [], []
            for entry in cases:
                if entry.numbered:  # numbers and voids: the one-process path
                    raise _OneProcess
                check_reference(entry.ref)  # a new case's full reference syntax
                history = [event for _line, event in entry.events]
                evaluation = replay(
                    entry.ref, history, new=history, settings=settings, working_days=working_days
                )
                events.append(importing.event_rows(0, history, now=now, actor=actor))
                deadlines.append(deadline_store.deadline_rows(0, evaluation))
                facts.append(fact_rows(0, case_spans(moments(history))))
                done.append(
                    PreparedCase(
                        ref=entry.ref,
                        state=evaluation.state,
                        fields=entry.fields,
                        field_lines=entry.field_lines,
                        people=entry.people,
                        lines=[line for line, _event in entry.events],
                    )
                )
            return PreparedRun(
                cases=done,
                events=bulk.prepare_rows(StoredEvent.__table__, dialect, events),  # type: ignore[attr-defined]
                deadlines=bulk.prepare_rows(StoredDeadline.__table__, dialect, deadlines),  # type: ignore[attr-defined]
                facts=bulk.prepare_rows(FACTS, dialect, facts),
            )
        except (WorkflowError, bulk.RowRefused, _OneProcess):
            return None


# -- in the importing process -----------------------------------------------------------


def runs(lines: Sequence[str], size: int | None = None) -> Iterator[tuple[int, list[str]]]:
    """The lines in runs of about `size` (with the number of each run's first line), each
    cut where the case changes, so a file whose cases' lines are together is cut between
    cases. Where a cut cannot tell (a line that is not a JSON object), it cuts anyway:
    a case in two runs sends the file to the one-process path."""
    size = size or RUN_LINES
    start = 0
    while start < len(lines):
        end = min(start + size, len(lines))
        before = _case_of(lines[end - 1])
        while end < len(lines) and before is not None and _case_of(lines[end]) == before:
            end += 1
        yield start + 1, list(lines[start:end])
        start = end


def _case_of(line: str) -> Any:
    try:
        raw = json.loads(line)
    except ValueError:
        return None
    return raw.get("case") if isinstance(raw, dict) else None


def write_cases(
    *,
    session: Session,
    lines: Sequence[str],
    actor: str,
    clock: Clock,
    settings: Settings,
    working_days: WorkingDays | None,
    create_missing: bool,
    workers: int,
) -> Imported | None:
    """Import `lines` with `workers` worker processes, in the caller's transaction
    (nothing is committed); None if the file needs the one-process path, when the
    caller must roll back what this wrote."""
    now = clock()
    dialect = session.connection().dialect
    options = {
        "today": today_in_england(clock),
        "now": now,
        "actor": actor,
        "settings": settings,
        "working_days": working_days,
        "dialect_name": f"{dialect.name}+{dialect.driver}",
    }
    made = importing.CreatedPeople()
    found: dict[tuple[str, str, str | None], str] = {}
    by_id: dict[int, PreparedCase] = {}
    seen: set[str] = set()
    events = 0
    try:
        with contextlib.closing(_prepared(runs(lines), workers, options)) as prepared:
            for run in prepared:
                if run is None:
                    return None
                refs = [case.ref for case in run.cases]
                if seen.intersection(refs) or importing.lock_cases(session, refs):
                    return None  # a case in two runs, or one already stored
                seen.update(refs)
                entries = [
                    importing.ImportCase(c.ref, fields=c.fields, field_lines=c.field_lines)
                    for c in run.cases
                ]
                importing.resolve_assignments(
                    session=session, cases=entries, create_missing=create_missing,
                    clock=clock, made=made, found=found,
                )  # fmt: skip
                ids = bulk.new_ids(session, Case.__table__, len(refs))  # type: ignore[attr-defined]
                by_id.update(zip(ids, run.cases, strict=True))
                _write_run(session, run, entries, ids, now)
                events += sum(len(case.lines) for case in run.cases)
        people = {case_id: case.people for case_id, case in by_id.items() if case.people}
        letter_people.insert_people(session, people, now, actor)
    except WorkflowError:
        return None  # an unknown team or officer: named in its place by the one-process path
    except bulk.RowRefused as refused:
        raise _refused(refused, by_id) from None
    except BrokenProcessPool:
        _stop_pool()
        return None
    return Imported(events=events, cases_created=len(by_id), made=made)


def _write_run(
    session: Session,
    run: PreparedRun,
    entries: list[importing.ImportCase],
    ids: list[int],
    now: datetime,
) -> None:
    """A run's new cases, then their rows."""
    rows = [
        importing.case_row(case_id, entry, case.state, now)
        for case_id, case, entry in zip(ids, run.cases, entries, strict=True)
    ]
    bulk.insert_rows(session, Case.__table__, rows)  # type: ignore[attr-defined]
    bulk.insert_prepared(session, StoredEvent.__table__, run.events, ids)  # type: ignore[attr-defined]
    bulk.insert_prepared(session, StoredDeadline.__table__, run.deadlines, ids)  # type: ignore[attr-defined]
    bulk.insert_prepared(session, FACTS, run.facts, ids)


def _refused(refused: bulk.RowRefused, by_id: dict[int, PreparedCase]) -> WorkflowError:
    """A row the database refused, as the line it came from (as `importing` names it)."""
    row = refused.row or {}
    by_ref = {case.ref: case for case in by_id.values()}
    case = by_ref.get(row.get("reference", "")) or by_id.get(row.get("case_id", -1))
    if case is None:
        return importing.unplaced_refusal(refused, list(by_ref)[:4])
    line = case.lines[0]
    sequence = row.get("sequence")
    if refused.table == StoredEvent.__tablename__ and isinstance(sequence, int):
        line = case.lines[sequence - 1] if 0 < sequence <= len(case.lines) else line
    return importing.refusal_error(refused, case.ref, line)


# -- the workers ------------------------------------------------------------------------

_pool: ProcessPoolExecutor | None = None
_pool_workers = 0


def _pool_of(workers: int) -> ProcessPoolExecutor:
    """The worker processes, kept for the next import (starting them takes a second)."""
    global _pool, _pool_workers
    if _pool is None or _pool_workers != workers:
        _stop_pool()
        context = multiprocessing.get_context("spawn")  # no copy of this process's connections
        _pool, _pool_workers = ProcessPoolExecutor(workers, mp_context=context), workers
    return _pool


def _stop_pool() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


def _prepared(
    parts: Iterator[tuple[int, list[str]]], workers: int, options: dict[str, Any]
) -> Generator[PreparedRun | None, None, None]:
    """Each run prepared by the workers, in order; a few ahead of the writing, so memory
    does not grow with the file."""
    pool = _pool_of(workers)
    pending: deque[Future[PreparedRun | None]] = deque()
    try:
        for first, part in parts:
            pending.append(pool.submit(prepare_run, first, part, **options))
            if len(pending) >= 2 * workers:
                break
        while pending:
            done = pending.popleft().result()
            following = next(parts, None)
            if following is not None:
                pending.append(pool.submit(prepare_run, *following, **options))
            yield done
    finally:
        for future in pending:
            future.cancel()
