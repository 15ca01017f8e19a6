"""Shared fixtures: a fixed clock and fresh, migrated databases on SQLite and PostgreSQL.

PostgreSQL tests use EHC_TEST_POSTGRES_URL (default: the local server's `test`
database) only to create a fresh database per test, cloned from a migrated
template. With no server they skip with the reason, except under CI=true,
where a missing PostgreSQL fails the run.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlmodel import Session

from workflow import migrate
from workflow.db import make_engine, new_session

POSTGRES_URL = os.environ.get(
    "EHC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI") == "true"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)


@pytest.fixture
def clock() -> Callable[[], datetime]:
    """A clock stuck at midday, 20 November 2026 (a Friday)."""
    return lambda: NOW


# -- SQLite ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()  # the last connection to close folds the WAL into the file
    return path


@pytest.fixture
def sqlite_url(new_sqlite_url: Callable[[], str]) -> str:
    return new_sqlite_url()


# -- PostgreSQL ------------------------------------------------------------------


def _admin_engine() -> Engine:
    return sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")


def postgres_admin() -> Engine:
    """The test server's admin engine; with no server the test skips (fails under CI)."""
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.OperationalError as e:
        admin.dispose()
        message = f"PostgreSQL is not answering at {POSTGRES_URL}: {str(e).splitlines()[0]}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return admin


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    admin = postgres_admin()
    name = f"ehc_template_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield name
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def new_postgres_url(postgres_template: str) -> Iterator[Callable[[], str]]:
    """Make fresh migrated PostgreSQL databases; all are dropped after the test."""
    admin = _admin_engine()
    names: list[str] = []

    def make() -> str:
        name = f"ehc_test_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
        names.append(name)
        return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)

    yield make
    with admin.connect() as conn:
        for name in names:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def postgres_url(new_postgres_url: Callable[[], str]) -> str:
    return new_postgres_url()


@pytest.fixture
def new_sqlite_url(sqlite_template: Path, tmp_path: Path) -> Callable[[], str]:
    """Make fresh migrated SQLite databases in the test's folder."""

    def make() -> str:
        path = tmp_path / f"ehc-{uuid.uuid4().hex[:8]}.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"

    return make


# -- Either engine ---------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def new_db_url(request: pytest.FixtureRequest) -> Callable[[], str]:
    """A maker of fresh, migrated databases: each test runs once on each engine."""
    fixture = "new_sqlite_url" if request.param == "sqlite" else "new_postgres_url"
    maker: Callable[[], str] = request.getfixturevalue(fixture)
    return maker


@pytest.fixture
def db_url(new_db_url: Callable[[], str]) -> str:
    """A fresh, migrated database URL on the engine of the test's run."""
    return new_db_url()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    s = new_session(engine)
    yield s
    s.close()


# -- the log of the whole run, scanned for personal data --------------------------


_RUN_LOG: dict[str, object] = {}


def pytest_configure(config: pytest.Config) -> None:
    from tests.log_scan import start_recording

    # EHC_TEST_RUN_LOG: another file, for a second run in the same checkout at once.
    path = Path(os.environ.get("EHC_TEST_RUN_LOG") or Path(config.rootpath) / ".pytest-run.log")
    _RUN_LOG["path"], _RUN_LOG["handler"] = path, start_recording(path)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from tests.log_scan import personal_data_in

    path, handler = _RUN_LOG.get("path"), _RUN_LOG.get("handler")
    if not isinstance(path, Path) or not isinstance(handler, logging.Handler):
        return
    logging.getLogger().removeHandler(handler)
    handler.close()
    with path.open(encoding="utf-8", errors="replace") as f:
        found = personal_data_in(f)
    if found:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = "\n".join(line.rstrip()[:300] for line in found[:20])
        message = f"Personal data in {len(found)} log lines of the test run ({path}):\n{lines}"
        if reporter is not None:
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    else:
        path.unlink(missing_ok=True)
