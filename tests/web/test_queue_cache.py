"""The kept breach queue: read once by concurrent viewers, read again after any commit."""

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


def test_concurrent_viewers_read_the_queue_once_and_a_commit_reads_it_again(
    new_sqlite_url: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(new_sqlite_url())
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
    assert len(reads) == 1
    view()
    assert len(reads) == 1
    with engine.begin() as conn:  # any commit, by any connection
        conn.execute(sa.text("CREATE TABLE anything (x INTEGER)"))
    view()
    assert len(reads) == 2
    engine.dispose()
