"""The scheduler's own rows: breach log, notification outbox, sweep runs (migrations 0003,
0006), and its heartbeat and the health alerts (0010).

A deadline is named by (case_id, kind, advice, ref, starts, due), with advice and
ref stored as '' when absent: stored deadline rows are rewritten with each event
of their case, so their ids do not last.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Column, Field, SQLModel

from workflow.models import UtcDateTime


class BreachLog(SQLModel, table=True):
    __tablename__ = "breach_log"
    __table_args__ = (
        sa.UniqueConstraint(
            "case_id", "kind", "advice", "ref", "starts", "due", name="uq_breach_log_deadline"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id")
    kind: str = Field(max_length=40)
    advice: str = Field(default="", max_length=40)
    ref: str = Field(default="", max_length=100)
    starts: dt.date
    due: dt.date
    breached_on: dt.date = Field(index=True)
    status: str = Field(max_length=16)
    days_late: int | None = None
    logged_at: dt.datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (
        sa.UniqueConstraint(
            "case_id",
            "kind",
            "advice",
            "ref",
            "starts",
            "due",
            "reason",
            "role",
            name="uq_outbox_notification",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id")
    kind: str = Field(max_length=40)
    advice: str = Field(default="", max_length=40)
    ref: str = Field(default="", max_length=100)
    starts: dt.date
    due: dt.date
    reason: str = Field(max_length=16)
    role: str = Field(max_length=16)
    recipient: str | None = Field(default=None, max_length=320)
    subject: str = Field(max_length=200)
    body: str
    as_of: dt.date
    queued_at: dt.datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    sent_at: dt.datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True, index=True)
    )
    channel: str | None = Field(default=None, max_length=8)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    # Which delivery run is sending it, and since when (migration 0006): a run sends only
    # what it has claimed, so two runs at once never send one notification twice.
    claimed_by: str | None = Field(default=None, max_length=200)
    claimed_at: dt.datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )


class SweepRun(SQLModel, table=True):
    __tablename__ = "sweep_runs"

    id: int | None = Field(default=None, primary_key=True)
    as_of: dt.date = Field(index=True)
    runner: str = Field(max_length=200)
    ran_at: dt.datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    breaches_logged: int
    notifications_queued: int


class SchedulerHeartbeat(SQLModel, table=True):
    """When each scheduler process last beat while active (migration 0010)."""

    __tablename__ = "scheduler_heartbeats"

    runner: str = Field(primary_key=True, max_length=200)
    beat_at: dt.datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class HealthAlert(SQLModel, table=True):
    """A problem the admins were emailed about, while it lasts (migration 0010)."""

    __tablename__ = "health_alerts"

    kind: str = Field(primary_key=True, max_length=40)
    raised_at: dt.datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
