"""Where CLI commands get their configuration, database, actor and projections from.

Each command reads the configuration once (`config()`), at its start, and passes it on.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

from cli.common import user_errors
from workflow.config import Config, load_config
from workflow.db import make_engine, new_session


def config() -> Config:
    """The configuration: `EHC_*` variables and `.env`, checked (a bad value exits 2)."""
    with user_errors():
        return load_config()


@contextmanager
def session_scope(cfg: Config | None = None) -> Iterator[Session]:
    eng = make_engine((cfg or config()).database_url)
    session = new_session(eng)
    try:
        yield session
    finally:
        session.close()
        eng.dispose()


def default_actor(cfg: Config) -> str:
    """Who is recording: EHC_ACTOR, else the login name."""
    return cfg.actor or getpass.getuser()
