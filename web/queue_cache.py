"""The breach queue, kept between page views until the database changes.

At council scale the queue is ~10,000 items and takes about half a second of CPU
to read; the page shows 100 of them, and twenty managers paging through it read
the same queue over and over. A queue is kept per (database version, as of,
filters), where the version changes whenever anything is committed:

- SQLite: a connection kept only for asking, `PRAGMA data_version`, sees a new
  number after any other connection (this process's or another's: the CLI, the
  scheduler, another web worker) commits.
- PostgreSQL: the request's own connection asks for `pg_current_snapshot()`. Two
  equal snapshots see the same committed transactions, so the same data; any
  transaction that writes (in any database of the server) makes a new one. That
  errs only towards reading the queue again.

The version is read before the queue is, so a kept queue is never older than the
version it is kept under. In-memory SQLite is one shared connection (which
data_version does not see), so there the queue is read each time.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date
from functools import cached_property

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session

from scheduler.breach_formats import QueueCounts, count
from scheduler.breaches import Filters, QueueItem, breach_queue

KEPT = 16  # queues kept per database (each a few MB at council scale)


@dataclass
class Queue:
    """A queue and what the page works out from all of it, worked out once per queue."""

    items: list[QueueItem]  # shared between requests: never changed

    # Two requests may both work one out at first; either answer is the same.
    @cached_property
    def counts(self) -> QueueCounts:
        # A quarter of the page's time at council scale when counted on every view.
        return count(self.items)

    @cached_property
    def overdue(self) -> list[QueueItem]:
        return [i for i in self.items if i.status == "overdue"]


Key = tuple[Hashable, date, Filters]


class SqliteVersion:
    """`PRAGMA data_version` of a connection that never writes, so it moves when others commit."""

    def __init__(self, path: str) -> None:
        self._probe = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()

    def __call__(self, session: Session) -> Hashable:
        with self._lock:
            return int(self._probe.execute("PRAGMA data_version").fetchone()[0])

    def close(self) -> None:
        self._probe.close()


def postgres_version(session: Session) -> Hashable:
    """The snapshot this connection would see now (xmin:xmax:in-progress transactions)."""
    return str(session.execute(sa.text("SELECT pg_current_snapshot()::text")).scalar_one())


class QueueCache:
    def __init__(self, version: Callable[[Session], Hashable]) -> None:
        self._version = version
        self._lock = threading.Lock()
        self._kept: OrderedDict[Key, Queue] = OrderedDict()
        self._reading: dict[Key, threading.Lock] = {}

    def queue(self, session: Session, as_of: date, filters: Filters) -> Queue:
        key = (self._version(session), as_of, filters)
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
                return kept
            # One reader per queue: after a commit, the managers viewing it wait for
            # one reading instead of each reading it (half a second of CPU apiece).
            reading = self._reading.setdefault(key, threading.Lock())
        with reading:
            with self._lock:
                kept = self._kept.get(key)
            if kept is not None:
                return kept
            kept = Queue(breach_queue(session=session, as_of=as_of, filters=filters))
            with self._lock:
                self._store(key, kept)
                self._reading.pop(key, None)
        return kept

    def _store(self, key: Key, kept: Queue) -> None:
        """Keep a queue (under self._lock)."""
        self._kept[key] = kept
        # Queues of other versions are dead (or about to be): drop them, then the
        # least recently used.
        for other in [k for k in self._kept if k[0] != key[0]]:
            del self._kept[other]
        while len(self._kept) > KEPT:
            self._kept.popitem(last=False)


_caches: weakref.WeakKeyDictionary[Engine, QueueCache | None] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def _cache_for(engine: Engine) -> QueueCache | None:
    with _caches_lock:
        if engine not in _caches:
            path = engine.url.database
            cache = None
            if engine.dialect.name == "postgresql":
                cache = QueueCache(postgres_version)
            elif engine.dialect.name == "sqlite" and path not in (None, "", ":memory:"):
                version = SqliteVersion(path)
                cache = QueueCache(version)
                weakref.finalize(engine, version.close)
            _caches[engine] = cache
        return _caches[engine]


def breach_queue_kept(*, session: Session, engine: Engine, as_of: date, filters: Filters) -> Queue:
    """`breach_queue`, answered from the kept queue while the database has not changed.

    Its items are shared between requests: callers must not change them.
    """
    cache = _cache_for(engine)
    if cache is None:
        return Queue(breach_queue(session=session, as_of=as_of, filters=filters))
    return cache.queue(session, as_of, filters)
