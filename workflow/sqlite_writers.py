"""The line a process's SQLite writers wait in, first come first served.

SQLite lets one connection write at a time, and a connection that finds the database
locked sleeps and retries (its busy handler: sleeps growing to 100 ms), so waiting
writers are served in no order. Under fifty officers some lost the race again and
again: writes waited 20 to 30 s and one failed with "database is locked" after the
30 s timeout (docs/performance.md, the soak). So a writing transaction first takes its
turn in its process (`FairLock`, held until it commits or rolls back), and only one
connection per process waits on SQLite's own lock.
"""

from __future__ import annotations

import threading
from collections import deque


class FairLock:
    """A lock granted in the order it was asked for (`threading.Lock` promises no order)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiting: deque[threading.Event] = deque()
        self._held = False

    def acquire(self, timeout: float) -> bool:
        with self._mutex:
            if not self._held and not self._waiting:
                self._held = True
                return True
            turn = threading.Event()
            self._waiting.append(turn)
        if turn.wait(timeout):
            return True  # `release` handed the lock over to us
        with self._mutex:
            if turn.is_set():  # handed over just as we gave up: keep it
                return True
            self._waiting.remove(turn)
            return False

    def release(self) -> None:
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().set()  # the lock passes straight to the next in line
            else:
                self._held = False
