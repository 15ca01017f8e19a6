"""Where CLI commands get their configuration, database, actor and projections from.

Each command reads the configuration once (`config()`), at its start, and passes it on.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from cli.common import fail, user_errors
from workflow.config import DEFAULT_DATABASE_URL, Config, load_config, unmade_default_database

if TYPE_CHECKING:
    from sqlmodel import Session


def config() -> Config:
    """The configuration: `EHC_*` variables and `.env`, checked (a bad value exits 2)."""
    with user_errors():
        return load_config()


def database_url(cfg: Config) -> str:
    """The database a command opens. With none configured and no `ehc.db` here, say so
    and exit 2 rather than leave an empty database behind (only `ehc db upgrade`
    creates one)."""
    path = unmade_default_database(cfg)
    if path is not None:
        fail(
            f"No database here: EHC_DATABASE_URL is not set, so ehc would use "
            f"{DEFAULT_DATABASE_URL} ({path}), which does not exist. Run ehc in the "
            "directory that holds your ehc.db, or set EHC_DATABASE_URL (or put it in .env), "
            "for example EHC_DATABASE_URL=postgresql+psycopg://user@host/ehc. "
            "To start a new database here, run `ehc db upgrade`."
        )
    return cfg.database_url


@contextmanager
def session_scope(cfg: Config | None = None) -> Iterator[Session]:
    # SQLAlchemy is imported here, by the commands that open the database (not `ehc deadlines`).
    from workflow.db import make_engine, new_session

    eng = make_engine(database_url(cfg or config()))
    session = new_session(eng)
    try:
        yield session
    finally:
        session.close()
        eng.dispose()


def default_actor(cfg: Config) -> str:
    """Who is recording: EHC_ACTOR, else the login name."""
    return cfg.actor or getpass.getuser()
