"""Benchmark: recording one event (`service.record_event`) at council scale.

Goal (issue 8): p95 under 50 ms on SQLite and on PostgreSQL with 50,000 cases stored.
Run: .venv/bin/python bench/bench_record_event.py [--database sqlite|postgresql|both]
     [--cases 50000] [--events 500] [--keep] [--profile FILE]

The data set is the seeded cohort (`workflow.demo.generate`) imported through
`service.import_events`, built in a child process (so the peak memory reported is the
recording's own) and cached: SQLite under bench/.data/, PostgreSQL as its own
`ehc_bench_record_<cases>` database, dropped at the end unless --keep. Every run records
on a scratch copy, so the cached data never drift. The timed events are the next step of
randomly chosen open cases (the first of a shuffled list of candidates that the case's
history accepts, checked in memory beforehand), dated today, each in its own session and
transaction as the web form and `ehc case record` do. Letters the events make are part
of the time. The harness (bench/scenarios/record_event.py) calls `run(url=...)`.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import random
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is a package of the project root
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import col, select  # noqa: E402

import bootstrap  # noqa: E402
from bench.config import (  # noqa: E402
    DATA,
    END,
    NOW,
    PG_PREFIX,
    PG_SERVER,
    SEED,
    generator_version,
)
from workflow import demo, migrate, service  # noqa: E402
from workflow.case_writes import END_OF_TIME, stored_to_event  # noqa: E402
from workflow.config import Config  # noqa: E402
from workflow.db import make_engine, new_session  # noqa: E402
from workflow.errors import WorkflowError  # noqa: E402
from workflow.law.deadlines import Settings, evaluate  # noqa: E402
from workflow.law.events import parse_event  # noqa: E402
from workflow.law.machine import OPEN_STATES  # noqa: E402
from workflow.models import Case, StoredEvent  # noqa: E402

CASES = 50_000
EVENTS = 500
WARM_UP = 10  # first events (imports, caches), timed but not counted
CASES_PER_TRANSACTION = 5_000
PICK_SEED = 8
# What an officer records next on an open case; each case takes the first of these,
# shuffled, that its history accepts.
CANDIDATES: list[dict[str, Any]] = [
    {"type": "decision_to_assess"},
    {"type": "advice_requested", "advice": "psychological"},
    {"type": "advice_requested", "advice": "health"},
    {"type": "advice_received", "advice": "psychological"},
    {"type": "draft_plan_issued"},
    {"type": "final_plan_issued"},
    {"type": "review_meeting_held"},
    {"type": "review_report_sent"},
    {"type": "review_decision", "outcome": "maintain"},
    {"type": "amendment_notice_sent"},
    {"type": "amended_plan_issued"},
    {"type": "mediation_requested"},
]


def clock() -> Any:
    return NOW


# -- the data set ----------------------------------------------------------------------


def _admin() -> sa.Engine:
    return sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")


def _pg(statement: str) -> None:
    engine = _admin()
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(statement))
    finally:
        engine.dispose()


def _pg_name(url: str) -> str:
    name = make_url(url).database
    assert name is not None and name.startswith(PG_PREFIX), name  # only our own databases
    return name


def _pg_exists(name: str) -> bool:
    engine = _admin()
    try:
        with engine.connect() as conn:
            found = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
    finally:
        engine.dispose()
    return found is not None


def cached_url(database: str, cases: int) -> str:
    if database == "postgresql":
        return f"{PG_SERVER}/{PG_PREFIX}record_{cases}"
    return f"sqlite:///{DATA / f'record-{cases}.db'}"


def _key(cases: int) -> str:
    return f"{cases}-s{SEED}-g{generator_version()}"


def _key_file(url: str) -> Path:
    return DATA / f"{make_url(url).database}.key"


def _build(url: str, cases: int) -> None:
    """Import the cohort into an empty database (run in a child process)."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    batch: list[str] = []
    in_batch = 0
    last = None
    for line in demo.generate(cases, end=END, seed=SEED):
        if line["case"] != last:  # a case's lines come together
            last = line["case"]
            if in_batch == CASES_PER_TRANSACTION:
                _import(engine, batch)
                batch, in_batch = [], 0
            in_batch += 1
        batch.append(json.dumps(line))
    _import(engine, batch)
    engine.dispose()


def _import(engine: sa.Engine, lines: list[str]) -> None:
    with new_session(engine) as session:
        service.import_events(
            projections=bootstrap.projections(Config()),
            session=session,
            lines=lines,
            actor="bench",
            clock=clock,
        )


def ensure_data(database: str, cases: int) -> str:
    """The cached data set's address, building it first if missing or out of date."""
    url = cached_url(database, cases)
    DATA.mkdir(parents=True, exist_ok=True)
    key = _key_file(url)
    if database == "postgresql":
        present = _pg_exists(_pg_name(url))
    else:
        present = Path(str(make_url(url).database)).exists()
    if present and key.exists() and key.read_text() == _key(cases):
        return url
    drop(url)
    if database == "postgresql":
        _pg(f'CREATE DATABASE "{_pg_name(url)}"')
    started = time.perf_counter()
    child = multiprocessing.get_context("spawn").Process(target=_build, args=(url, cases))
    child.start()
    child.join()
    if child.exitcode != 0:
        drop(url)
        raise SystemExit(f"building the {database} data set failed")
    key.write_text(_key(cases))
    print(f"built {cases:,} cases on {database} in {time.perf_counter() - started:.0f} s")
    return url


def scratch_copy(url: str) -> str:
    """A copy of the data set to record on (the original stays as built)."""
    if url.startswith("sqlite"):
        source = Path(str(make_url(url).database))
        target = source.with_name(f"{source.stem}-scratch.db")
        drop(f"sqlite:///{target}")
        engine = sa.create_engine(url)  # checkpoint the WAL so the file alone is complete
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        shutil.copyfile(source, target)
        return f"sqlite:///{target}"
    name = f"{make_url(url).database}_scratch"[:63]
    copy = f"{PG_SERVER}/{name}"
    drop(copy)
    _pg(f'CREATE DATABASE "{_pg_name(copy)}" TEMPLATE "{make_url(url).database}"')
    return copy


def drop(url: str) -> None:
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{make_url(url).database}{suffix}").unlink(missing_ok=True)
        _key_file(url).unlink(missing_ok=True)
        return
    _pg(f'DROP DATABASE IF EXISTS "{_pg_name(url)}" WITH (FORCE)')
    _key_file(url).unlink(missing_ok=True)


# -- choosing and recording events -------------------------------------------------------


def choose_events(engine: sa.Engine, count: int) -> list[tuple[str, dict[str, Any]]]:
    """`count` (case, event) pairs: open cases chosen at random, each with a next step its
    whole history accepts (checked with the clock in memory, not timed)."""
    rng = random.Random(PICK_SEED)
    today = NOW.date().isoformat()
    with new_session(engine) as session:
        refs = list(
            session.exec(
                select(Case.reference)
                .where(col(Case.state).in_([s.value for s in OPEN_STATES]))
                .order_by(Case.reference)
            )
        )
        rng.shuffle(refs)
        chosen: list[tuple[str, dict[str, Any]]] = []
        for ref in refs:
            if len(chosen) == count:
                break
            case = session.exec(select(Case).where(Case.reference == ref)).one()
            rows = session.exec(
                select(StoredEvent)
                .where(StoredEvent.case_id == case.id)
                .order_by(col(StoredEvent.sequence))
            ).all()
            history = [stored_to_event(row) for row in rows]
            for candidate in rng.sample(CANDIDATES, len(CANDIDATES)):
                raw = {**candidate, "date": today}
                new = parse_event(raw, index=len(history) + 1)
                try:
                    evaluate(ref, [*history, new], END_OF_TIME, Settings())
                except WorkflowError:
                    continue
                chosen.append((ref, raw))
                break
    if len(chosen) < count:
        raise SystemExit(f"only {len(chosen)} open cases take one of the candidate events")
    return chosen


def record(
    engine: sa.Engine, chosen: list[tuple[str, dict[str, Any]]]
) -> tuple[list[float], float]:
    """Seconds for each event, recorded in its own session and transaction, and the
    process's CPU seconds for them all (steadier than wall time on a shared machine)."""
    seconds = []
    # Read once, as the web app and the CLI do at start-up (not part of recording).
    projections = bootstrap.projections(Config())
    cpu = time.process_time()
    for ref, raw in chosen:
        started = time.perf_counter()
        with new_session(engine) as session:
            service.record_event(
                projections=projections,
                session=session,
                case_ref=ref,
                event=raw,
                actor="bench",
                clock=clock,
            )
        seconds.append(time.perf_counter() - started)
    return seconds, time.process_time() - cpu


def _letters_made(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT status, count(*) FROM letters WHERE created_by = 'bench' GROUP BY status"
            )
        ).all()
    return {status: n for status, n in rows}  # noqa: C416


def run(
    url: str | None = None,
    *,
    database: str = "sqlite",
    cases: int = CASES,
    events: int = EVENTS,
    keep: bool = False,
    profile: str | None = None,
) -> dict[str, Any]:
    """Record `events` single events; return latency percentiles (ms) and peak memory.

    With `url` (the harness's data set) it records on a copy of that database; without,
    on a copy of this script's own cached data set (built if needed, dropped unless `keep`
    on PostgreSQL).
    """
    own = url is None
    source = url or ensure_data(database, cases)
    database = "postgresql" if source.startswith("postgresql") else "sqlite"
    target = scratch_copy(source)
    engine = make_engine(target)
    try:
        chosen = choose_events(engine, WARM_UP + events)
        record(engine, chosen[:WARM_UP])
        if profile:
            from pyinstrument import Profiler

            with Profiler() as profiler:
                seconds, cpu = record(engine, chosen[WARM_UP:])
            Path(profile).write_text(profiler.output_text(show_all=False))
        else:
            seconds, cpu = record(engine, chosen[WARM_UP:])
        letters = _letters_made(engine)
        with engine.connect() as conn:
            stored = {
                table: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in ("cases", "events")
            }
    finally:
        engine.dispose()
        drop(target)
        if own and database == "postgresql" and not keep:
            drop(source)
    ms = sorted(s * 1000 for s in seconds)
    return {
        "database": database,
        "cases": stored["cases"],
        "events_stored": stored["events"],
        "events_recorded": len(ms),
        "letters": letters,
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(ms[max(0, round(0.95 * len(ms)) - 1)], 1),
        "max_ms": round(ms[-1], 1),
        "mean_ms": round(statistics.fmean(ms), 1),
        "cpu_ms_mean": round(cpu * 1000 / len(ms), 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--cases", type=int, default=CASES)
    parser.add_argument("--events", type=int, default=EVENTS)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL data set")
    parser.add_argument("--profile", help="write a pyinstrument profile of the timed events")
    args = parser.parse_args()
    databases = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    for database in databases:
        with open("/proc/loadavg") as f:
            load = f.read().split()[0]
        result = run(
            database=database,
            cases=args.cases,
            events=args.events,
            keep=args.keep,
            profile=args.profile and f"{args.profile}.{database}.txt",
        )
        print(
            f"record_event on {database}: {result['events_recorded']} events, "
            f"{result['cases']:,} cases ({result['events_stored']:,} events) stored: "
            f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, max {result['max_ms']} ms, "
            f"CPU {result['cpu_ms_mean']} ms an event; "
            f"letters {result['letters']}; peak RSS {result['peak_rss_mb']} MB; "
            f"load {load}; Python {platform.python_version()}"
        )


if __name__ == "__main__":
    main()
