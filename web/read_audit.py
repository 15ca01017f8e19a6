"""The web app's side of the read audit (`workflow.read_audit`): one recorder per app,
started with it and stopped (its pending reads written) when it shuts down.

A route that shows a case's personal data calls `record_read` once it has the case: the
row is queued, never written in the request (a GET takes no write lock).
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from sqlmodel import Session

from web.auth import Principal
from web.deps import context
from workflow.read_audit import Read, ReadRecorder, case_ids

_MAKING = threading.Lock()


def recorder(app: FastAPI) -> ReadRecorder:
    """The app's recorder, made on first use (on the app's own database engine): at start
    (the lifespan), or by the first read when the app runs without one (some tests)."""
    with _MAKING:  # two first reads at once must not make two recorders
        found: ReadRecorder | None = getattr(app.state, "read_recorder", None)
        if found is None:
            found = app.state.read_recorder = ReadRecorder(app.state.ctx.engine)
    return found


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    recorder(app)
    try:
        yield
    finally:
        recorder(app).stop()


def record_read(
    request: Request, who: Principal, case_ids: int | None | Iterable[int | None], what: str
) -> None:
    """Record that `who` saw the personal data of these cases (one row a case)."""
    ids = [case_ids] if case_ids is None or isinstance(case_ids, int) else list(case_ids)
    how = "api" if request.url.path.startswith("/api/") else "web"
    now = context(request).clock()
    rec = recorder(request.app)
    for case_id in ids:
        if case_id is not None:
            rec.record(Read(case_id, now, who.actor, who.user.role, what, how))


def record_reads_by_reference(
    request: Request, who: Principal, session: Session, refs: Iterable[str], what: str
) -> None:
    """`record_read` for an export that lists cases by reference (one row a case)."""
    record_read(request, who, list(case_ids(session, refs)), what)
