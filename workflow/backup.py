"""Back up and restore the whole database: every case, event, letter, account and audit row.

SQLite: the online backup API (`sqlite3.Connection.backup`), which copies a consistent
snapshot page by page while the service keeps running, and writes it back the same way.
PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean --single-transaction`, the
tools the database's own documentation gives for a logical backup; the server's client
tools must be on the PATH (the Debian package postgresql-client).

A restore replaces everything in the database with the backup: the caller asks first.
A backup made before a later migration is restored as it was; `ehc db upgrade` then
brings it up to date (`restore` says so).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from workflow.errors import EXIT_FAULT, InvalidInput, WorkflowError

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"  # the first bytes of pg_dump's custom format
PAGES_PER_STEP = 1024  # pages copied per step of an online backup: writers get turns


class BackupFailed(WorkflowError):
    """The backup or restore tool failed: a fault of the system, not of the input."""

    exit_code = EXIT_FAULT
    http_status = 500


@dataclass(frozen=True)
class Restored:
    kind: str  # sqlite or postgresql
    path: Path


def _kind(url: URL) -> str:
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise InvalidInput(f"Backups work with SQLite and PostgreSQL, not {backend}")
    return backend


def _sqlite_file(url: URL) -> str:
    if url.database in (None, "", ":memory:"):
        raise InvalidInput("An in-memory database has nothing to back up: set EHC_DATABASE_URL")
    return str(url.database)


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The URL as libpq reads it (no +driver, no password) and the environment with the
    password, so it never shows in the process list."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupFailed(
            f"{name} is not installed: install PostgreSQL's client tools "
            "(Debian: apt-get install postgresql-client) of the server's version or newer"
        )
    return found


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        # The tools' messages name tables and options, never row data.
        detail = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no message"
        raise BackupFailed(f"{what} failed ({Path(args[0]).name} exit {done.returncode}): {detail}")


def backup(database_url: str, path: Path) -> str:
    """Write a backup of the database at `database_url` to `path`; returns its kind."""
    url = make_url(database_url)
    kind = _kind(url)
    path = Path(path)
    if path.exists() and path.is_dir():
        raise InvalidInput(f"{path} is a folder: enter a file name for the backup")
    if not path.parent.exists():
        raise InvalidInput(f"There is no folder {path.parent}: create it first")
    partial = path.with_name(path.name + ".partial")
    try:
        if kind == "sqlite":
            source = sqlite3.connect(_sqlite_file(url))
            try:
                target = sqlite3.connect(partial)
                try:
                    source.backup(target, pages=PAGES_PER_STEP)
                finally:
                    target.close()
            finally:
                source.close()
        else:
            dsn, env = _libpq(url)
            _run([_tool("pg_dump"), "--format=custom", f"--file={partial}", dsn], env, "pg_dump")
        # Only a finished backup takes the name: a failed one never looks like a backup.
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return kind


def _check_file(path: Path, kind: str) -> None:
    if not path.is_file():
        raise InvalidInput(f"There is no backup file {path}")
    with path.open("rb") as f:
        head = f.read(len(SQLITE_MAGIC))
    if kind == "sqlite" and not head.startswith(SQLITE_MAGIC):
        raise InvalidInput(f"{path} is not a backup of a SQLite database")
    if kind == "postgresql" and not head.startswith(PG_DUMP_MAGIC):
        raise InvalidInput(f"{path} is not a PostgreSQL backup made by ehc backup (pg_dump)")


def restore(database_url: str, path: Path) -> Restored:
    """Replace everything in the database at `database_url` with the backup at `path`."""
    url = make_url(database_url)
    kind = _kind(url)
    path = Path(path)
    _check_file(path, kind)
    if kind == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            target = sqlite3.connect(_sqlite_file(url), timeout=30)
            try:
                source.backup(target, pages=PAGES_PER_STEP)
            finally:
                target.close()
        except sqlite3.DatabaseError as e:
            raise BackupFailed(f"Restoring {path} failed: {e}") from None
        finally:
            source.close()
    else:
        dsn, env = _libpq(url)
        _run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={dsn}",
                str(path),
            ],
            env,
            "pg_restore",
        )
    return Restored(kind, path)
