"""The read audit: who looked at a case's personal data, when, and what they looked at.

Every page, letter, export and API answer that shows a case's personal data records one
`CaseRead` row (issue 23 item 5); managers see them on the case ("Who has looked at this
case") and a subject access request includes them.

A read must not wait for the write lock: on SQLite a GET that wrote its own row would queue
behind every other writer. So readers hand their rows to a `ReadRecorder`, one per
process, whose daemon thread writes them in batches, each batch in its own short
transaction: it waits a moment (GATHER_SECONDS) after a read for more to come, since a
transaction per read cost as much CPU as the case page itself under twenty users. The
queue is bounded; a batch that fails is logged (counts and the error's
type only, never who or which case) and tried again until it is written or the recorder
is stopped. `flush()` waits for what is pending (tests, and `stop()` at shutdown).
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Column, Field, Session, SQLModel, col, select

from workflow.db import new_session
from workflow.models import Case, UtcDateTime

log = logging.getLogger("ehc.read_audit")

MAX_PENDING = 10_000  # reads waiting to be written; past this a reader waits (then drops)
BATCH = 500  # rows a transaction
GATHER_SECONDS = 0.25  # after a read, how long the thread waits for more to write with it
IDLE_SECONDS = 5.0  # the thread ends after this long with nothing to write (and restarts)
FULL_WAIT_SECONDS = 5.0  # how long a reader waits for room in a full queue
RETRY_SECONDS = (0.2, 1.0, 5.0)  # waits between failed writes (the last repeats)
CHUNK = 1000  # references a query (within every database's limit on parameters)


class CaseRead(SQLModel, table=True):
    """One look at a case's personal data (migration 0015). Append-only (triggers).

    Staff activity about the case: it holds who and what, never the child's details, so
    erasing a case's personal data keeps it.
    """

    __tablename__ = "case_reads"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    read_at: dt.datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    reader: str = Field(max_length=320)  # the user's email, as the audit log names them
    role: str = Field(max_length=16)
    what: str = Field(max_length=100)  # "case page", "letter 12 (PDF)", "breach queue (CSV)"
    how: str = Field(max_length=10)  # "web", "api" or "cli"


@dataclass(frozen=True)
class Read:
    case_id: int
    read_at: dt.datetime
    reader: str
    role: str
    what: str
    how: str


def write_reads(session: Session, reads: Sequence[Read]) -> None:
    """Add the rows to the session's transaction (the caller commits)."""
    if reads:
        session.execute(sa.insert(CaseRead), [asdict(r) for r in reads])


def case_ids(session: Session, references: Iterable[str]) -> list[int]:
    """The ids of the cases with these references (those that exist)."""
    wanted = sorted(set(references))
    ids: list[int] = []
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        found = session.exec(select(col(Case.id)).where(col(Case.reference).in_(chunk)))
        ids += [i for i in found if i is not None]
    return ids


def record_read_now(
    session: Session,
    case_id: int,
    *,
    reader: str,
    at: dt.datetime,
    what: str,
    role: str = "",
    how: str = "cli",
) -> None:
    """One read of one case, added to the session's transaction (the caller commits): for
    the command line (`ehc case show`, `ehc letters show`). The CLI knows who runs it
    (`EHC_ACTOR` or the login name) but not a role, so `role` stays empty there."""
    write_reads(session, [Read(case_id, at, reader, role, what, how)])


def record_reads_now(
    session: Session,
    references: Iterable[str],
    *,
    reader: str,
    at: dt.datetime,
    what: str,
    role: str = "",
    how: str = "cli",
) -> None:
    """A read of each of these cases, added to the session's transaction (the caller
    commits): for the command line, where one short write blocks no page."""
    ids = case_ids(session, references)
    write_reads(session, [Read(i, at, reader, role, what, how) for i in ids])


def reads_of(session: Session, case_id: int, *, limit: int | None = None) -> list[CaseRead]:
    """A case's reads, newest first."""
    query = (
        select(CaseRead)
        .where(col(CaseRead.case_id) == case_id)
        .order_by(col(CaseRead.read_at).desc(), col(CaseRead.id).desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query))


def count_reads(session: Session, case_id: int) -> int:
    return session.exec(
        select(sa.func.count()).select_from(CaseRead).where(col(CaseRead.case_id) == case_id)
    ).one()


class ReadRecorder:
    """Writes reads in the background, in batches, in short transactions of its own."""

    def __init__(self, engine: Engine, *, max_pending: int = MAX_PENDING) -> None:
        self._engine = engine
        # None wakes the thread from gathering (`flush`): write what it has now.
        self._queue: queue.Queue[Read | None] = queue.Queue(maxsize=max_pending)
        self._lock = threading.Lock()
        self._done = threading.Condition(self._lock)
        self._pending = 0  # queued or being written
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._closing = False

    def record(self, read: Read) -> None:
        """Queue a read; it is written within moments (never in the caller's thread)."""
        with self._lock:
            self._pending += 1
            self._stopping = self._closing = False
        try:
            self._queue.put(read, timeout=FULL_WAIT_SECONDS)
        except queue.Full:
            self._finished(1)
            log.error("read audit: %d reads waiting to be written; one read not recorded",
                      self._queue.maxsize)  # fmt: skip
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="ehc-read-audit", daemon=True
                )
                self._thread.start()

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every queued read is written; False if that took over `timeout`."""
        with self._lock:
            running = self._thread is not None
        if running:
            try:
                self._queue.put_nowait(None)
            except queue.Full:
                pass  # a full queue is written at once anyway (a whole batch)
        with self._done:
            return self._done.wait_for(lambda: self._pending == 0, timeout=timeout)

    def stop(self, timeout: float = 30.0) -> bool:
        """Write what is pending, then end the thread (the app's shutdown)."""
        with self._lock:
            # First: once the flush has written everything, the thread ends as soon as the
            # queue is empty, instead of waiting IDLE_SECONDS for more (every shutdown).
            self._closing = True
        flushed = self.flush(timeout)
        with self._lock:
            self._stopping = True
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
        if not flushed:
            log.error("read audit: stopped with reads not yet written")
        return flushed

    def _finished(self, n: int) -> None:
        with self._done:
            self._pending -= n
            self._done.notify_all()

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=0.1 if self._closing else IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            if first is None:
                continue
            batch = self._gather(first)
            self._write(batch)
            self._finished(len(batch))

    def _gather(self, first: Read) -> list[Read]:
        """`first` and the reads that come within GATHER_SECONDS (or until a flush)."""
        batch = [first]
        until = time.monotonic() + (0 if self._closing else GATHER_SECONDS)
        while len(batch) < BATCH:
            try:
                wait = until - time.monotonic()
                read = self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if read is None:  # a flush: write what has come, without waiting
                until = 0.0
                continue
            batch.append(read)
        return batch

    def _write(self, batch: list[Read]) -> None:
        attempt = 0
        while True:
            try:
                with new_session(self._engine) as session:
                    write_reads(session, batch)
                    session.commit()
                return
            except Exception as e:  # any fault: the rows wait, the reader never sees it
                if self._stopping and attempt >= len(RETRY_SECONDS):
                    log.error("read audit: %d reads not written at shutdown (%s)",
                              len(batch), type(e).__name__)  # fmt: skip
                    return
                log.warning("read audit: could not write %d reads (%s); trying again",
                            len(batch), type(e).__name__)  # fmt: skip
                time.sleep(RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)])
                attempt += 1
