"""The kept breach queue: read once by concurrent viewers, read again after any commit.

SQLite's version moves only when this database changes; PostgreSQL's (the snapshot)
also moves when any other database on the server is written, as other tests running
at the same time do. So the tests check the rule itself, exactly: one read per version
seen, and a new version after each commit; on SQLite, also that nothing else moved it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from scheduler.breaches import Filters
from web import queue_cache
from workflow.db import make_engine, new_session


@pytest.fixture
def versions(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every version the caches created from now on ask for, in order."""
    seen: list[Any] = []
    made = queue_cache.QueueCache.__init__

    def recording(self: queue_cache.QueueCache, version: Callable[[Any], Any]) -> None:
        made(self, lambda session: seen.append(version(session)) or seen[-1])

    monkeypatch.setattr(queue_cache.QueueCache, "__init__", recording)
    return seen


def _distinct(seen: list[Any]) -> int:
    return len(set(seen))


def test_concurrent_viewers_read_the_queue_once_and_a_commit_reads_it_again(
    new_db_url: Callable[[], str], monkeypatch: pytest.MonkeyPatch, versions: list[Any]
) -> None:
    engine = make_engine(new_db_url())
    sqlite = engine.dialect.name == "sqlite"
    try:
        reads: list[date] = []

        def slow_queue(**kw: Any) -> list[Any]:
            reads.append(kw["as_of"])
            time.sleep(0.2)  # long enough for every viewer to arrive while it is read
            return []

        monkeypatch.setattr(queue_cache, "breach_queue", slow_queue)

        def view() -> None:
            with new_session(engine, read_only=True) as session:
                queue_cache.breach_queue_kept(
                    session=session, engine=engine, as_of=date(2026, 11, 20), filters=Filters()
                )

        viewers = [threading.Thread(target=view) for _ in range(8)]
        for t in viewers:
            t.start()
        for t in viewers:
            t.join()
        view()
        assert len(reads) == _distinct(versions)  # once per version, not per viewer
        assert len(reads) < 9 and (len(reads) == 1 or not sqlite)
        before = versions[-1]
        with engine.begin() as conn:  # any commit, by any connection
            conn.execute(sa.text("CREATE TABLE anything (x INTEGER)"))
        view()
        assert versions[-1] != before
        view()
        assert len(reads) == _distinct(versions)
        assert len(reads) == 2 or not sqlite
    finally:
        engine.dispose()  # a failure must not leave connections for later tests to trip on


def test_a_write_still_in_progress_is_not_kept_when_it_commits(
    new_db_url: Callable[[], str], monkeypatch: pytest.MonkeyPatch, versions: list[Any]
) -> None:
    """A queue read while another connection's transaction is open is read again once
    that transaction commits, though nothing else has happened since."""
    engine = make_engine(new_db_url())
    reads: list[date] = []
    monkeypatch.setattr(queue_cache, "breach_queue", lambda **kw: reads.append(kw["as_of"]) or [])

    def view() -> None:
        with new_session(engine, read_only=True) as session:
            queue_cache.breach_queue_kept(
                session=session, engine=engine, as_of=date(2026, 11, 20), filters=Filters()
            )

    with engine.connect() as writer:
        writer.execute(sa.text("CREATE TABLE anything (x INTEGER)"))  # not yet committed
        view()
        view()
        assert len(reads) == _distinct(versions)
        assert len(reads) == 1 or engine.dialect.name != "sqlite"
        before = versions[-1]
        writer.commit()
    view()
    assert versions[-1] != before
    assert len(reads) == _distinct(versions)
    engine.dispose()
