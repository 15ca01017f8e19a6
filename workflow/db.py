"""Engines and sessions for SQLite (default) and PostgreSQL (production).

SQLite runs in WAL mode with foreign keys on, and every transaction starts with
BEGIN IMMEDIATE, so two writers queue for the lock instead of failing half-way
(pysqlite's own transaction handling is turned off, as SQLAlchemy's docs advise).

Within one process, writers first wait in line for the engine's own lock
(`workflow.sqlite_writers`): SQLite's busy handler serves waiting writers in no order.

Every engine hides SQL parameters from its log lines and error messages: they hold
children's names, notes and emails.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

from workflow.sqlite_writers import FairLock

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_POOL_SIZE = 20
# PostgreSQL: a web worker keeps this many connections (and opens up to as many more
# under load); four workers stay within the server's default max_connections of 100.
POSTGRES_POOL_SIZE = 10
POSTGRES_MAX_OVERFLOW = 10
READ_ONLY = "ehc_read_only"  # an execution option: the session only reads
_HOLDS_WRITE_LOCK = "ehc_holds_write_lock"  # in a connection's info while it writes


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    kwargs["hide_parameters"] = True  # not even a caller may log children's data
    if parsed.get_backend_name() != "sqlite":
        if "poolclass" not in kwargs:
            kwargs.setdefault("pool_size", POSTGRES_POOL_SIZE)
            kwargs.setdefault("max_overflow", POSTGRES_MAX_OVERFLOW)
        return create_engine(url, pool_pre_ping=True, **kwargs)
    memory = parsed.database in (None, "", ":memory:")
    if memory:
        kwargs.setdefault("poolclass", StaticPool)
    else:
        # Keep enough connections for the web server's threads: past the pool's size each
        # one is opened (with the PRAGMAs below) and closed again on every use.
        kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    writers = FairLock()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Readers (READ_ONLY sessions) take no write lock, so they do not queue behind
        # each other or behind writers: WAL gives them a snapshot.
        if connection.get_execution_options().get(READ_ONLY, False):
            connection.exec_driver_sql("BEGIN")
            return
        # In memory there is one connection (StaticPool): nothing to queue for.
        if not memory and not writers.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            raise OperationalError("BEGIN IMMEDIATE", None, Exception("database is locked"))
        connection.info[_HOLDS_WRITE_LOCK] = not memory
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(connection)
            raise

    def _release(connection: Any) -> None:
        if connection.info.pop(_HOLDS_WRITE_LOCK, False):
            writers.release()

    # The transaction's end, whichever way: a failed COMMIT is followed by a rollback,
    # which finds the lock already given back.
    event.listen(engine, "commit", _release)
    event.listen(engine, "rollback", _release)

    return engine


def new_session(engine: Engine, *, read_only: bool = False) -> Session:
    """A session; `read_only` ones start a plain (deferred) BEGIN on SQLite.

    A read-only session that writes anyway may fail with "database is locked" when
    another writer holds the lock, instead of waiting for it: use them for reading.
    """
    # expire_on_commit=False: rows stay readable after the service commits.
    bind = engine.execution_options(**_reading(engine)) if read_only else engine
    return Session(bind, expire_on_commit=False)


def _reading(engine: Engine) -> dict[str, Any]:
    """The execution options of a read-only session.

    On PostgreSQL each statement runs in its own transaction (autocommit): under READ
    COMMITTED a statement reads its own snapshot inside a transaction too, so a reader
    sees the same, without a BEGIN and a COMMIT round trip for each of the ten or so
    transactions a web page reads in (psycopg's autocommit is the client's own setting).
    """
    if engine.dialect.name == "postgresql":
        return {READ_ONLY: True, "isolation_level": "AUTOCOMMIT"}
    return {READ_ONLY: True}


@contextmanager
def pinned_session(engine: Engine, *, read_only: bool = False) -> Iterator[Session]:
    """`new_session`, but all its transactions run on one connection, taken from the pool
    once: for a web request, whose page reads through several services that each end
    their transaction. Each checkout pings PostgreSQL first (`pool_pre_ping`), a round
    trip that was a tenth of a case page's time at national scale."""
    connection = engine.connect()
    if read_only:
        connection.execution_options(**_reading(engine))
    session = Session(connection, expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        connection.close()
