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
    session = new_session(context(request).engine)
    try:
        yield session
    finally:
        session.close()
