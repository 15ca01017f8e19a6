"""Dependencies the routes share: a database session per request, and the context."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlmodel import Session

from web.context import WebContext
from workflow.db import new_session


def context(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.ctx
    return ctx


def db(request: Request) -> Iterator[Session]:
    # GET and HEAD only read (they must not change anything), so they take no write lock.
    reading = request.method in ("GET", "HEAD")
    session = new_session(context(request).engine, read_only=reading)
    try:
        yield session
    finally:
        session.close()
