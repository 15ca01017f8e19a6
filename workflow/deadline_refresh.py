"""Replaying every case for `service.refresh_all_deadlines`, in passes of cases.

A pass reads a run of consecutive case ids' effective events, replays each case
(`workflow.law.deadlines.evaluate`) and returns the rows of its stored deadlines and
timeliness facts. The replay is pure Python and most of a refresh's time, so with many
cases the passes run in worker processes (one per core, at most four), each reading the
events over its own connection, while the refresh's own transaction writes what they
return: the cases are locked by that transaction, so no event can be added meanwhile,
and the events it reads are the committed ones the workers read. In-memory SQLite
databases (one connection) and small refreshes replay in the refresh's own process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from workflow import bulk
from workflow.case_writes import END_OF_TIME, stored_to_event
from workflow.corrections import effective
from workflow.db import READ_ONLY, make_engine
from workflow.deadline_store import deadline_rows
from workflow.law.calendar import WorkingDays
from workflow.law.deadlines import Settings, evaluate
from workflow.law.events import Event
from workflow.models import StoredDeadline, StoredEvent
from workflow.timeliness import FACTS, case_spans, fact_rows, moments

CASES_PER_PASS = 2_000
PARALLEL_FROM = 20_000  # cases: below this, starting the workers costs more than it saves
MAX_WORKERS = 4

Rows = list[dict[str, Any]]
Replayed = tuple[bulk.Prepared, bulk.Prepared]  # a pass's deadlines and facts
Pass = list[tuple[int, str]]  # (case id, reference), consecutive ids

_worker_engine: sa.Engine | None = None


def _events_statement(first_id: int, last_id: int) -> sa.Select[Any]:
    return (
        sa.select(
            col(StoredEvent.case_id),
            col(StoredEvent.sequence),
            col(StoredEvent.type),
            col(StoredEvent.date),
            col(StoredEvent.fields),
            col(StoredEvent.note),
            col(StoredEvent.actor),
        )
        .where(col(StoredEvent.case_id).between(first_id, last_id), effective())
        .order_by(col(StoredEvent.case_id), col(StoredEvent.sequence))
    )


def replay_pass(
    connection: sa.Connection,
    cases: Pass,
    settings: Settings,
    working_days: WorkingDays | None,
) -> Replayed:
    """The deadline rows and fact rows of a pass of cases, converted for the driver
    (`bulk.prepare_rows`): in a worker, so that the refresh's own process, which has
    the rows' inserts to do, only writes them (`bulk.insert_prepared`)."""
    histories: dict[int, list[Event]] = {case_id: [] for case_id, _ref in cases}
    for row in connection.execute(_events_statement(cases[0][0], cases[-1][0])):
        # A row has the fields `stored_to_event` reads from a StoredEvent.
        histories[row.case_id].append(stored_to_event(row))  # type: ignore[arg-type]
    deadlines: list[Rows] = []
    facts: list[Rows] = []
    for case_id, ref in cases:
        history = histories[case_id]
        evaluation = evaluate(ref, history, END_OF_TIME, settings, working_days)
        deadlines.append(deadline_rows(case_id, evaluation))
        facts.append(fact_rows(case_id, case_spans(moments(history))))
    dialect = connection.dialect
    return (
        bulk.prepare_rows(StoredDeadline.__table__, dialect, deadlines),  # type: ignore[attr-defined]
        bulk.prepare_rows(FACTS, dialect, facts),
    )


def _start_worker(url: str) -> None:
    global _worker_engine
    _worker_engine = make_engine(url)


def _replay_in_worker(
    cases: Pass, settings: Settings, working_days: WorkingDays | None
) -> Replayed:
    assert _worker_engine is not None
    # A plain reader: on SQLite it takes no write lock (the refresh holds it).
    with (
        _worker_engine.execution_options(**{READ_ONLY: True}).connect() as connection,
        no_cycle_collection(),
    ):
        out = replay_pass(connection, cases, settings, working_days)
        connection.rollback()
    return out


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector off while a worker replays: a pass makes hundreds of
    thousands of objects in no cycle, and the collector's passes over them took 5 to 10%
    of a worker's time. Nothing outlives the pass but its result."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def worker_count(url: sa.URL, cases: int) -> int:
    """How many worker processes to replay `cases` cases with (0: replay here)."""
    if in_memory(url) or cases < PARALLEL_FROM:
        return 0
    workers = min(MAX_WORKERS, cores())
    return workers if workers > 1 else 0


def in_memory(url: sa.URL) -> bool:
    """An in-memory SQLite database: one connection, that no other process can open."""
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def cores() -> int:
    """The CPU cores this process may run on."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return usable or 1


def replayed(
    connection: sa.Connection,
    cases: Sequence[tuple[int, str]],
    settings: Settings,
    working_days: WorkingDays | None,
    *,
    workers: int,
    per_pass: int = CASES_PER_PASS,
) -> Iterator[tuple[list[int], Replayed]]:
    """Each pass's case ids and rows, in the order of the cases."""
    passes = [list(cases[i : i + per_pass]) for i in range(0, len(cases), per_pass)]
    if workers == 0:
        for one in passes:
            yield (
                [case_id for case_id, _ref in one],
                replay_pass(connection, one, settings, working_days),
            )
        return
    url = connection.engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")  # no copy of this process's connections
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=(url,)
    ) as pool:
        # A few passes ahead of the writing, so memory does not grow with the cases.
        pending: deque[tuple[Pass, Future[Replayed]]] = deque()
        ahead = iter(passes)
        for one in ahead:
            pending.append((one, pool.submit(_replay_in_worker, one, settings, working_days)))
            if len(pending) >= 2 * workers:
                break
        while pending:
            one, done = pending.popleft()
            following = next(ahead, None)
            if following is not None:
                pending.append(
                    (following, pool.submit(_replay_in_worker, following, settings, working_days))
                )
            yield [case_id for case_id, _ref in one], done.result()
