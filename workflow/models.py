"""Stored rows: cases, their append-only events, the deadlines derived from them, and the
people on a case (personal data: names, addresses, how they want letters).

The event table is the record; a case's `state` and its deadline rows are
derived from its events and rewritten by `workflow.service` in the same
transaction as every new event. The database itself refuses to update or
delete an event (triggers in the first migration).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel


class UtcDateTime(sa.TypeDecorator[dt.datetime]):
    """A timestamp written in UTC and read back timezone-aware, on SQLite too."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Case(SQLModel, table=True):
    __tablename__ = "cases"

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(index=True, unique=True, max_length=64)
    state: str = Field(default="new", index=True, max_length=32)
    team: str | None = Field(default=None, index=True, max_length=100)
    officer: str | None = Field(default=None, index=True, max_length=100)
    date_of_birth: dt.date | None = None
    # Optimistic lock: bumped by every change; a stale writer gets ConcurrentUpdate.
    version: int = Field(default=0)
    created_at: dt.datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    updated_at: dt.datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    # When its personal data was erased under the retention policy (workflow.retention).
    erased_at: dt.datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))


class StoredEvent(SQLModel, table=True):
    __tablename__ = "events"
    __table_args__ = (sa.UniqueConstraint("case_id", "sequence", name="uq_events_case_sequence"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id")  # looked up by uq_events_case_sequence
    # Recording order within the case (1, 2, ...); breaks ties between same-day events.
    sequence: int
    type: str = Field(index=True, max_length=40)
    date: dt.date = Field(index=True)  # when it happened: the statutory date
    fields: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    note: str | None = None
    actor: str | None = Field(default=None, max_length=100)
    recorded_at: dt.datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    recorded_by: str = Field(max_length=100)


class StoredDeadline(SQLModel, table=True):
    """One deadline of a case, as its full recorded history makes it.

    Statuses that depend on the day are not stored: a query as of day X takes
    the rows with `created_on <= X` and reads `met_on`, `cancelled_on` and
    `exception_on` against X (see `workflow.deadline_store`).
    """

    __tablename__ = "deadlines"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    position: int  # order of creation within the case
    kind: str = Field(index=True, max_length=40)
    advice: str | None = Field(default=None, max_length=40)
    ref: str | None = Field(default=None, max_length=100)
    regulation: str = Field(max_length=100)
    party: str = Field(max_length=40)
    created_on: dt.date  # date of the event that created it
    starts: dt.date
    due: dt.date = Field(index=True)
    met_on: dt.date | None = None
    cancelled_on: dt.date | None = None
    # False for the kinds that limit a decision and so never lapse (spec section 5).
    can_lapse: bool = True
    exception: str | None = Field(default=None, max_length=40)
    exception_on: dt.date | None = None


class TimelinessFact(SQLModel, table=True):
    """A span of days on which a case counts in a month-end figure of the scorecard: an
    open assessment or the annual review backlog (`workflow.timeliness`).

    Kept with the case's events, in their transaction; `until` is the first day it no
    longer holds (none: it still does).
    """

    __tablename__ = "timeliness_facts"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    kind: str = Field(max_length=20)  # open or backlog
    since: dt.date
    until: dt.date | None = None
    request_on: dt.date | None = None  # open: the first request
    disputed_on: dt.date | None = None  # open: the first dispute so far


class CasePeople(SQLModel, table=True):
    """The people on a case. The date of birth lives in `cases.date_of_birth`."""

    __tablename__ = "case_people"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", unique=True)
    child_name: str | None = Field(default=None, max_length=200)
    setting: str | None = Field(default=None, max_length=200)
    parent_name: str | None = Field(default=None, max_length=200)
    parent_address: str | None = None
    parent_email: str | None = Field(default=None, max_length=320)
    young_person_address: str | None = None
    young_person_email: str | None = Field(default=None, max_length=320)
    communication: str | None = Field(default=None, max_length=10)
    large_print: bool | None = None
    parent_copy: bool | None = None
    updated_at: dt.datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    updated_by: str | None = Field(default=None, max_length=100)


class EventVoid(SQLModel, table=True):
    """An event taken out of a case's effective history (migration 0007).

    The event row stays: a void only marks it, with who, when and why. A correction
    is a void with `replaced_by`, the sequence of the corrected event recorded in the
    same transaction. Voids are append-only like events (database triggers).
    """

    __tablename__ = "event_voids"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    event_id: int = Field(foreign_key="events.id", unique=True)  # voided at most once
    reason: str = Field(sa_column=Column(sa.Text, nullable=False))
    voided_at: dt.datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    voided_by: str = Field(max_length=100)
    replaced_by: int | None = None  # the replacement event's sequence, on a correction


class ScorecardPublication(SQLModel, table=True):
    """A month's KPI scorecard as the monthly job published it (migration 0008).

    A month is published once and the row never changes (database triggers): a later
    correction that changes a figure shows on the scorecard as a revision against it.
    `figures` maps each indicator's key to its figure as published (see
    `scheduler.scorecard.publications`).
    """

    __tablename__ = "scorecard_publications"

    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(max_length=7, unique=True)  # "YYYY-MM", as the monthly export names it
    published_at: dt.datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    published_by: str = Field(max_length=100)
    as_of: dt.date
    figures: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
