"""`ehc scheduler`: the one active scheduler process, with standbys.

Several processes may run (two servers, or a restart racing the old process).
Exactly one is active: on PostgreSQL it holds a session-level advisory lock on
a dedicated connection; on SQLite it holds an exclusive `flock` on a lock file
beside the database (one machine only). The others are standbys: they try the
lock every `EHC_SCHEDULER_STANDBY_POLL_SECONDS` (default 15), so when the
active process dies (its connection closes, or the kernel drops its file lock)
a standby takes over within a minute. The active process checks every poll
that it still holds the lock, and steps down to standby if it has lost it (the
database restarted, the lock file was removed).

The active process runs an APScheduler 3 `BlockingScheduler` (Europe/London)
with a persistent SQLAlchemy job store on the same database (`apscheduler_jobs`),
so a missed 06:00 sweep still runs when a scheduler comes back within the
misfire grace time. On taking over it also runs today's sweep if none has
finished yet (the sweep is idempotent).
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Protocol

import sqlalchemy as sa
from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import NullPool

from scheduler import health
from scheduler.jobs import runner_name
from workflow.clock import LONDON, system_clock
from workflow.config import Config
from workflow.db import make_engine, new_session
from workflow.errors import InvalidInput
from workflow.logs import configure_logging

log = logging.getLogger("ehc.scheduler")

# "ehc-schd" as a big-endian signed 64-bit integer: the advisory lock's key.
ADVISORY_LOCK_KEY = int.from_bytes(b"ehc-schd", "big")

SWEEP_JOB = "daily_sweep"
KPI_JOB = "monthly_kpi_export"
CATCH_UP_JOB = "catch_up_sweep"
DISPATCH_JOB = "dispatch_letters"
SWEEP_MISFIRE_GRACE_SECONDS = 6 * 3600  # down at 06:00 but back by noon: still sweep
KPI_MISFIRE_GRACE_SECONDS = 12 * 3600


# -- leader election -----------------------------------------------------------------


class LeaderLock(Protocol):
    description: str

    def try_acquire(self) -> bool: ...

    def still_held(self) -> bool: ...

    def release(self) -> None: ...


class PostgresLock:
    """A session-level advisory lock, held by one dedicated connection.

    Lost when that connection closes: the process died (the server sees the socket
    close) or the machine died (the server's TCP keepalives notice; see docs).
    """

    def __init__(self, url: str) -> None:
        self.description = "PostgreSQL advisory lock"
        self.engine = make_engine(
            url,
            poolclass=NullPool,
            connect_args={
                "application_name": "ehc-scheduler",
                "keepalives": 1,
                "keepalives_idle": 20,
                "keepalives_interval": 5,
                "keepalives_count": 3,
                "connect_timeout": 10,
            },
        )
        self.conn: Connection | None = None

    def _close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except sa.exc.SQLAlchemyError:
                pass
            self.conn = None

    def try_acquire(self) -> bool:
        try:
            if self.conn is None:
                self.conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            got = self.conn.execute(
                sa.select(sa.func.pg_try_advisory_lock(ADVISORY_LOCK_KEY))
            ).scalar_one()
            return bool(got)
        except sa.exc.SQLAlchemyError as e:
            log.warning("Cannot reach the database to try the scheduler lock: %s", e)
            self._close()
            return False

    def still_held(self) -> bool:
        if self.conn is None:
            return False
        try:
            held = self.conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND pid = pg_backend_pid() AND granted "
                    "AND classid = :hi AND objid = :lo AND objsubid = 1"
                ),
                {"hi": ADVISORY_LOCK_KEY >> 32, "lo": ADVISORY_LOCK_KEY & 0xFFFFFFFF},
            ).scalar_one()
            return bool(held)
        except sa.exc.SQLAlchemyError as e:
            log.error("Lost the database connection that holds the scheduler lock: %s", e)
            self._close()
            return False

    def release(self) -> None:
        if self.conn is not None:
            try:
                self.conn.execute(sa.select(sa.func.pg_advisory_unlock(ADVISORY_LOCK_KEY)))
            except sa.exc.SQLAlchemyError:
                pass
        self._close()
        self.engine.dispose()


class FileLock:
    """An exclusive `flock` on a file beside the SQLite database: one machine only.

    The kernel drops it when the process dies, however it dies.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = f"lock file {path}"
        self.fd: int | None = None

    def try_acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{runner_name()}\n".encode())
        self.fd = fd
        return True

    def still_held(self) -> bool:
        if self.fd is None:
            return False
        try:  # someone removed or replaced the file: another process could lock the new one
            return os.stat(self.path).st_ino == os.fstat(self.fd).st_ino
        except OSError:
            return False

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def leader_lock(url: str) -> LeaderLock:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return PostgresLock(url)
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise InvalidInput("The scheduler needs a database file or PostgreSQL, not :memory:")
        return FileLock(Path(f"{Path(parsed.database).resolve()}.scheduler.lock"))
    raise InvalidInput(f"The scheduler supports SQLite and PostgreSQL, not {backend}")


# -- the jobs --------------------------------------------------------------------------


def build_scheduler(config: Config) -> BlockingScheduler:
    """The scheduler with its jobs registered (persistent store on the same database)."""
    scheduler = BlockingScheduler(
        timezone=LONDON,
        jobstores={
            "default": SQLAlchemyJobStore(engine=make_engine(config.database_url)),
            "local": MemoryJobStore(),
        },
        job_defaults={"coalesce": True, "max_instances": 1},
    )
    at = config.sweep_at
    scheduler.add_job(
        "scheduler.jobs:daily_sweep",
        CronTrigger(hour=at.hour, minute=at.minute, timezone=LONDON),
        id=SWEEP_JOB,
        name="Daily breach sweep",
        replace_existing=True,
        coalesce=True,
        misfire_grace_time=SWEEP_MISFIRE_GRACE_SECONDS,
    )
    now = datetime.now(LONDON)
    if now.time() >= at:
        # Taking over after today's sweep time: sweep now unless today's already ran.
        scheduler.add_job(
            "scheduler.jobs:catch_up_sweep",
            DateTrigger(run_date=now, timezone=LONDON),
            id=CATCH_UP_JOB,
            name="Catch-up sweep on taking over",
            jobstore="local",
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=3600,
        )
    # First working day of the month: weekdays 1-7, the job checks bank holidays.
    scheduler.add_job(
        "scheduler.jobs:monthly_kpi_export",
        CronTrigger(day="1-7", day_of_week="mon-fri", hour=7, minute=0, timezone=LONDON),
        id=KPI_JOB,
        name="Monthly KPI export",
        replace_existing=True,
        coalesce=True,
        misfire_grace_time=KPI_MISFIRE_GRACE_SECONDS,
    )
    if config.notify_api_key is not None:
        # Letters through GOV.UK Notify: send what is queued, follow what was sent. Only
        # the active scheduler runs it; the claims keep a letter from going twice anyway.
        scheduler.add_job(
            "scheduler.jobs:dispatch_letters",
            IntervalTrigger(minutes=config.notify_poll_minutes, timezone=LONDON),
            id=DISPATCH_JOB,
            name="Send letters through GOV.UK Notify and check their status",
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=config.notify_poll_minutes * 60,
        )
    # Without a key a stored job from before does nothing (`dispatch_from_config`).
    return scheduler


def _heartbeat(engine: Engine, runner: str) -> Callable[[], None]:
    """The active scheduler's heartbeat job: /ready reads it (scheduler.health)."""

    def beat_now() -> None:
        with new_session(engine) as session:
            health.beat(session, runner=runner, now=system_clock())

    return beat_now


def _serve(config: Config, lock: LeaderLock, poll: float, stop: threading.Event) -> None:
    """Run the scheduler while this process holds the lock and is not asked to stop."""
    scheduler = build_scheduler(config)
    beats = make_engine(config.database_url)
    beat = _heartbeat(beats, runner_name())
    beat()  # at once, on becoming active; then every interval
    scheduler.add_job(
        beat,
        IntervalTrigger(seconds=config.scheduler_heartbeat_seconds),
        id="heartbeat",
        name="Heartbeat for /ready",
        jobstore="local",
        coalesce=True,
    )
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            if stop.wait(poll) or done.is_set():
                break
            if not lock.still_held():
                log.error("Lost the scheduler lock (%s): stepping down", lock.description)
                break
        if scheduler.running:
            scheduler.shutdown(wait=stop.is_set())

    watcher = threading.Thread(target=watch, name="ehc-leader-watch", daemon=True)
    # Watch from the moment the scheduler runs, so a shutdown never comes before start.
    scheduler.add_listener(lambda _event: watcher.start(), EVENT_SCHEDULER_STARTED)
    try:
        scheduler.start()  # blocks until the watcher shuts it down
    finally:
        done.set()
        beats.dispose()
        stop_requested = stop.is_set()
        if scheduler.running:
            scheduler.shutdown(wait=stop_requested)
        if watcher.is_alive():
            watcher.join(timeout=poll + 5)


def run(config: Config, *, poll: float | None = None, stop: threading.Event | None = None) -> int:
    """Be a standby until this process is the active scheduler, then schedule. Returns 0
    when asked to stop (SIGTERM, SIGINT)."""
    poll = poll or config.scheduler_standby_poll_seconds
    stop = stop or threading.Event()
    lock = leader_lock(config.database_url)
    me = runner_name()
    standby_said = False
    log.info("Scheduler %s starting (%s, checking every %.0f s)", me, lock.description, poll)
    while not stop.is_set():
        if lock.try_acquire():
            log.info("Active: %s is the active scheduler", me)
            standby_said = False
            try:
                _serve(config, lock, poll, stop)
            finally:
                lock.release()
            if not stop.is_set():
                log.warning("%s is no longer the active scheduler: back to standby", me)
            continue
        if not standby_said:
            log.info("Standby: another scheduler is active; %s waits to take over", me)
            standby_said = True
        stop.wait(poll)
    log.info("Scheduler %s stopped", me)
    return 0


def install_signal_handlers(stop: threading.Event) -> None:
    def handler(signum: int, _frame: FrameType | None) -> None:
        log.info("Received %s: stopping after any running job", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def main(config: Config, poll: float | None = None) -> int:
    configure_logging(config.log_format)
    stop = threading.Event()
    install_signal_handlers(stop)
    return run(config, poll=poll, stop=stop)
