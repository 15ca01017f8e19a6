"""SQLite writers of one process queue in line for the write lock (workflow.db).

SQLite's busy handler sleeps and retries, so writers that wait on it are served in no
order; the engine's own lock puts a process's writers in line before BEGIN IMMEDIATE.
These tests pin the lock's life: taken by a writing transaction, not by a reading one,
and given back however the transaction ends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from workflow.db import make_engine, new_session
from workflow.sqlite_writers import FairLock


@pytest.fixture
def file_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


def _write(engine: Engine) -> None:
    with new_session(engine) as session:
        session.execute(sa.text("SELECT 1"))
        session.commit()


def _writer_done_within(engine: Engine, seconds: float) -> bool:
    """Whether a writer on another thread gets through within `seconds`."""
    done = threading.Event()
    thread = threading.Thread(target=lambda: (_write(engine), done.set()), daemon=True)
    thread.start()
    return done.wait(seconds)


def test_a_second_writer_waits_for_the_first_to_commit(file_engine: Engine) -> None:
    first = new_session(file_engine)
    first.execute(sa.text("SELECT 1"))  # BEGIN IMMEDIATE: the write lock is held
    done = threading.Event()
    order: list[str] = []

    def second() -> None:
        _write(file_engine)
        order.append("second")
        done.set()

    thread = threading.Thread(target=second, daemon=True)
    thread.start()
    time.sleep(0.3)
    assert not done.is_set(), "the second writer began while the first held the lock"
    order.append("first")
    first.commit()
    first.close()
    assert done.wait(5)
    thread.join(5)
    assert order == ["first", "second"]


@pytest.mark.parametrize("end", ["commit", "rollback", "close"])
def test_the_lock_is_given_back_however_a_write_ends(file_engine: Engine, end: str) -> None:
    session = new_session(file_engine)
    session.execute(sa.text("SELECT 1"))
    getattr(session, end)()
    session.close()
    assert _writer_done_within(file_engine, 5)


def test_a_failed_write_gives_the_lock_back(file_engine: Engine) -> None:
    with pytest.raises(sa.exc.OperationalError), new_session(file_engine) as session:
        session.execute(sa.text("INSERT INTO no_such_table VALUES (1)"))
    assert _writer_done_within(file_engine, 5)


def test_readers_do_not_take_the_writers_lock(file_engine: Engine) -> None:
    reader = new_session(file_engine, read_only=True)
    reader.execute(sa.text("SELECT 1"))  # a plain BEGIN, open until closed
    try:
        assert _writer_done_within(file_engine, 5)
    finally:
        reader.close()


def test_the_lock_is_granted_in_the_order_it_was_asked_for() -> None:
    lock = FairLock()
    assert lock.acquire(timeout=1)
    order: list[int] = []
    threads = []
    for n in range(5):
        thread = threading.Thread(
            target=lambda n=n: (lock.acquire(timeout=10), order.append(n), lock.release()),
            daemon=True,
        )
        thread.start()
        threads.append(thread)
        time.sleep(0.05)  # each is in line before the next asks
    lock.release()
    for thread in threads:
        thread.join(5)
    assert order == [0, 1, 2, 3, 4]


def test_a_waiter_that_gives_up_leaves_the_line() -> None:
    lock = FairLock()
    assert lock.acquire(timeout=1)
    assert not lock.acquire(timeout=0.05)
    lock.release()
    assert lock.acquire(timeout=0.05), "the lock went to a waiter no longer there"
