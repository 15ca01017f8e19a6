"""Stored rows: a case's letters (migration 0002).

A ready letter is immutable: the database refuses to change or delete it (triggers
in migration 0002). The only change it allows is a waiting letter becoming ready.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from workflow.models import UtcDateTime

AWAITING = "awaiting_details"
READY = "ready"
# Not a stored status (a letter row never changes once ready): what a letter made from a
# voided event is shown as, from its `LetterWithdrawal` row.
WITHDRAWN = "withdrawn"


class Letter(SQLModel, table=True):
    __tablename__ = "letters"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    event_id: int | None = Field(default=None, foreign_key="events.id", index=True)
    event_type: str | None = Field(default=None, max_length=40)
    type: str = Field(max_length=60)
    template: str = Field(max_length=100)
    template_version: int
    recipient: str = Field(max_length=20)
    is_copy: bool = False
    delivery: str | None = Field(default=None, max_length=10)
    large_print: bool | None = None
    status: str = Field(default=AWAITING, index=True, max_length=20)
    missing: list[str] | None = Field(default=None, sa_column=Column(JSON))
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    letter_date: dt.date | None = None
    html: str | None = Field(default=None, sa_column=Column(sa.Text))
    text: str | None = Field(default=None, sa_column=Column(sa.Text))
    pdf: bytes | None = Field(default=None, sa_column=Column(sa.LargeBinary))
    html_sha256: str | None = Field(default=None, max_length=64)
    pdf_sha256: str | None = Field(default=None, max_length=64)
    dedupe_key: str = Field(max_length=255, unique=True)
    created_at: dt.datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    created_by: str | None = Field(default=None, max_length=100)
    rendered_at: dt.datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))


class LetterWithdrawal(SQLModel, table=True):
    """A letter made from an event later voided (migration 0007).

    The letter stays stored as it was; this row says it no longer stands, since when and
    by which void. Withdrawals are append-only, and a withdrawn letter cannot be changed
    or deleted, even while it was still awaiting details (database triggers).
    """

    __tablename__ = "letter_withdrawals"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    letter_id: int = Field(foreign_key="letters.id", unique=True)
    void_id: int = Field(foreign_key="event_voids.id", index=True)
    withdrawn_at: dt.datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class LetterDownload(SQLModel, table=True):
    """One download or print of a letter (migration 0008): who took a copy, when and how.

    Append-only (database triggers), so a letter withdrawn after a correction can be
    traced to every copy that left the system.
    """

    __tablename__ = "letter_downloads"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    letter_id: int = Field(foreign_key="letters.id", index=True)
    downloaded_at: dt.datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    downloaded_by: str = Field(max_length=100)
    how: str = Field(max_length=20)  # "web", "cli" or "api"


# A letter's dispatch through GOV.UK Notify (`letters.dispatch`): where it is.
QUEUED = "queued"  # waiting to be sent (again, after `next_attempt_at`, on a retry)
SENDING = "sending"  # claimed by one send job; another may take it over after a timeout
SENT = "sent"  # Notify accepted it; its status is polled until it is final
DELIVERED = "delivered"  # email delivered; letter received by the postal service
FAILED = "failed"  # not sent, or Notify could not deliver it: `error` says why
DISPATCH_STATUSES = (QUEUED, SENDING, SENT, DELIVERED, FAILED)


class LetterDispatch(SQLModel, table=True):
    """How one ready letter to a family is sent through GOV.UK Notify (migration 0014).

    One row per letter (unique), made in the transaction that made the letter ready,
    only when Notify is configured. A send job claims it (`queued` to `sending`, one
    UPDATE), sends it with `reference` (stable, so a retry finds the first try at Notify
    instead of sending twice), and records Notify's id; a later job polls Notify for its
    status until it is delivered or failed.
    """

    __tablename__ = "letter_dispatches"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    letter_id: int = Field(foreign_key="letters.id", unique=True)
    channel: str = Field(max_length=10)  # "email" or "post"
    status: str = Field(default=QUEUED, max_length=20, index=True)
    reference: str = Field(max_length=100, unique=True)
    provider_id: str | None = Field(default=None, max_length=100)
    provider_status: str | None = Field(default=None, max_length=40)
    attempts: int = 0
    next_attempt_at: dt.datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))
    claimed_by: str | None = Field(default=None, max_length=200)
    claimed_at: dt.datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))
    error: str | None = Field(default=None, sa_column=Column(sa.Text))
    queued_at: dt.datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    sent_at: dt.datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))
    completed_at: dt.datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))
    checked_at: dt.datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))
