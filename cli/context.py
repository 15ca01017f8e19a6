"""Where CLI commands get their database, settings, actor and clock from."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlmodel import Session

from workflow.config import database_url
from workflow.db import make_engine, new_session


def engine() -> Engine:
    return make_engine(database_url())


@contextmanager
def session_scope() -> Iterator[Session]:
    eng = engine()
    session = new_session(eng)
    try:
        yield session
    finally:
        session.close()
        eng.dispose()


def default_actor() -> str:
    """Who is recording: EHC_ACTOR, else the login name."""
    return os.environ.get("EHC_ACTOR") or getpass.getuser()
