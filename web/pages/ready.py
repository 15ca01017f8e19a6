"""`/ready`, for load balancers and alarms: the database answers at the newest migration,
a scheduler is active (recent heartbeat) and the daily sweep completed within 26 hours
(`scheduler.health`). 200 when all hold, 503 naming what does not; open without signing
in, like `/health`, and saying nothing about any case.

When the sweep is overdue the admins are emailed once (not on every probe, and by one web
worker only), and again the next time it happens after it has recovered.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from scheduler import health
from web.deps import context, db
from workflow import migrate

router = APIRouter(include_in_schema=False)
log = logging.getLogger("ehc.ready")


@router.get("/ready")
def ready(request: Request, session: Annotated[Session, Depends(db)]) -> JSONResponse:
    ctx = context(request)
    now = ctx.clock()
    try:
        current = migrate.current(ctx.engine)
        state = health.readiness(
            session,
            now=now,
            current_revision=current,
            head_revision=migrate.head(),
            heartbeat_max_age=timedelta(seconds=ctx.ready.heartbeat_max_seconds),
            sweep_max_age=timedelta(hours=ctx.ready.sweep_max_hours),
        )
    except SQLAlchemyError as e:
        session.rollback()
        failed = health.Check("database", False, f"does not answer ({type(e).__name__})")
        return JSONResponse(health.Readiness((failed,)).to_json(), status_code=503)
    if state.failed("daily_sweep"):
        if health.raise_alert_once(session, kind=health.SWEEP_STALE, now=now):
            _alert_admins(request, session, state)
    elif state.ok:
        health.clear_alert(session, kind=health.SWEEP_STALE)
    return JSONResponse(state.to_json(), status_code=200 if state.ok else 503)


def _alert_admins(request: Request, session: Session, state: health.Readiness) -> None:
    sweep = next(c for c in state.checks if c.name == "daily_sweep")
    log.error("The daily sweep has not completed for too long: %s", sweep.detail)
    try:
        context(request).ready.alert_admins(
            session,
            subject="EHC service: the daily sweep has not run",
            body=(
                f"The daily breach sweep has not completed in the last "
                f"{context(request).ready.sweep_max_hours:g} hours ({sweep.detail}), so "
                "breaches are not being logged and officers are not being alerted.\n\n"
                "Check that exactly one scheduler is running (ehc scheduler, or ehc serve "
                "without --no-scheduler) and its log. /ready shows every check.\n"
                "You are emailed once; you will be emailed again if it happens again.\n"
            ),
        )
    except (OSError, smtplib.SMTPException) as e:
        log.error("The admins could not be emailed about it: %s", type(e).__name__)
