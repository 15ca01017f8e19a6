"""The breach queue, kept between page views until the database changes (SQLite only).

At council scale the queue is ~10,000 items and takes about half a second of CPU
to read; the page shows 100 of them, and twenty managers paging through it read
the same queue over and over. A queue is kept per (as of, filters) and is good
until anything is committed to the database: a connection kept only for asking,
`PRAGMA data_version`, sees a new number after any other connection (this process's
or another's: the CLI, the scheduler) commits. The number is read before the queue
is, so a kept queue is never older than the number it is kept under.

PostgreSQL has no such cheap signal here, and in-memory SQLite is one shared
connection (which data_version does not see), so for both the queue is read each time.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from functools import cached_property

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


class QueueCache:
    def __init__(self, path: str) -> None:
        # Never writes, so its data_version moves only when someone else commits.
        self._probe = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._kept: OrderedDict[tuple[int, date, Filters], Queue] = OrderedDict()
        self._reading: dict[tuple[int, date, Filters], threading.Lock] = {}

    def _version(self) -> int:
        with self._lock:
            return int(self._probe.execute("PRAGMA data_version").fetchone()[0])

    def queue(self, session: Session, as_of: date, filters: Filters) -> Queue:
        key = (self._version(), as_of, filters)
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

    def _store(self, key: tuple[int, date, Filters], kept: Queue) -> None:
        """Keep a queue (under self._lock)."""
        self._kept[key] = kept
        # Queues of older versions are dead: drop them, then the least recently used.
        for old in [k for k in self._kept if k[0] < key[0]]:
            del self._kept[old]
        while len(self._kept) > KEPT:
            self._kept.popitem(last=False)

    def close(self) -> None:
        self._probe.close()


_caches: weakref.WeakKeyDictionary[Engine, QueueCache | None] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def _cache_for(engine: Engine) -> QueueCache | None:
    with _caches_lock:
        if engine not in _caches:
            path = engine.url.database
            cache = None
            if engine.dialect.name == "sqlite" and path not in (None, "", ":memory:"):
                cache = QueueCache(path)
                weakref.finalize(engine, cache.close)
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
