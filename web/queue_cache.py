"""The breach queue, kept between page views until a case or its deadlines change.

At council scale the queue is ~10,000 items and takes about half a second of CPU
to read (national: ~100,000 items, 2 to 4 s); the page shows 100 of them, and twenty
managers paging through it read the same queue over and over. A queue is kept per
(queue version, as of, filters). The queue version (`deadline_store.queue_version`,
migration 0016) moves when a transaction that changed `cases` or `deadlines` commits,
whichever process committed it (this one, the CLI, the scheduler, another web worker),
and with nothing else: the read audit's row at every case page does not move it.

The version is read before the queue is, so a kept queue is never older than the
version it is kept under.
"""

from __future__ import annotations

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
from workflow.deadline_store import queue_version

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


Key = tuple[int, date, Filters]  # (queue version, as of, filters)


class QueueCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: OrderedDict[Key, Queue] = OrderedDict()
        self._reading: dict[Key, threading.Lock] = {}

    def queue(self, session: Session, as_of: date, filters: Filters) -> Queue:
        key = (queue_version(session), as_of, filters)
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


_caches: weakref.WeakKeyDictionary[Engine, QueueCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def _cache_for(engine: Engine) -> QueueCache:
    with _caches_lock:
        cache = _caches.get(engine)
        if cache is None:
            cache = _caches[engine] = QueueCache()
        return cache


def breach_queue_kept(*, session: Session, engine: Engine, as_of: date, filters: Filters) -> Queue:
    """`breach_queue`, answered from the kept queue while the database has not changed.

    Its items are shared between requests: callers must not change them.
    """
    return _cache_for(engine).queue(session, as_of, filters)
