"""Engines and sessions for SQLite (default) and PostgreSQL (production).

SQLite runs in WAL mode with foreign keys on, and every transaction starts with
BEGIN IMMEDIATE, so two writers queue for the lock instead of failing half-way
(pysqlite's own transaction handling is turned off, as SQLAlchemy's docs advise).

Every engine hides SQL parameters from its log lines and error messages: they hold
children's names, notes and emails.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_POOL_SIZE = 20
# PostgreSQL: a web worker keeps this many connections (and opens up to as many more
# under load); four workers stay within the server's default max_connections of 100.
POSTGRES_POOL_SIZE = 10
POSTGRES_MAX_OVERFLOW = 10
READ_ONLY = "ehc_read_only"  # an execution option: the session only reads


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

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Readers (READ_ONLY sessions) take no write lock, so they do not queue behind
        # each other or behind writers: WAL gives them a snapshot.
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def new_session(engine: Engine, *, read_only: bool = False) -> Session:
    """A session; `read_only` ones start a plain (deferred) BEGIN on SQLite.

    A read-only session that writes anyway may fail with "database is locked" when
    another writer holds the lock, instead of waiting for it: use them for reading.
    """
    # expire_on_commit=False: rows stay readable after the service commits.
    bind = engine.execution_options(**{READ_ONLY: True}) if read_only else engine
    return Session(bind, expire_on_commit=False)
