"""Dependencies the routes share: a database session per request, the context, the form.

Routes that save are sync (FastAPI runs them in a worker thread, off the event loop) and
take the posted form from `posted_form`, read on the loop; they read the case for their
pages in read-only sessions (`reading`), so only the save itself holds the write lock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request
from sqlmodel import Session
from starlette.datastructures import FormData

from web.context import WebContext
from workflow import service
from workflow.db import new_session, pinned_session
from workflow.errors import ConcurrentUpdate


def context(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.ctx
    return ctx


def db(request: Request) -> Iterator[Session]:
    # GET and HEAD only read (they must not change anything), so they take no write lock.
    reading = request.method in ("GET", "HEAD")
    with pinned_session(context(request).engine, read_only=reading) as session:
        yield session


@contextmanager
def reading(request: Request) -> Iterator[Session]:
    """A read-only session (a plain BEGIN on SQLite: it never waits for the write lock)."""
    with new_session(context(request).engine, read_only=True) as session:
        yield session


def refuse_if_stale(session: Session, ref: str, expected_version: int | None) -> None:
    """Refuse a write whose version is already out of date, before it queues for the lock.

    Versions only grow, so a case read newer than `expected_version` will be refused by
    the service anyway (`ConcurrentUpdate`); on SQLite saying so here spares the writers
    in line the wait (most of a busy case's refused saves are such).
    """
    if expected_version is None:
        return
    case = service.find_case(session=session, case_ref=ref)
    if case is not None and case.version != expected_version:
        raise ConcurrentUpdate(case.reference)


async def posted_form(request: Request) -> FormData:
    """The posted form, read on the event loop, so the route itself can be sync."""
    return await request.form()
