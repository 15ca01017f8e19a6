"""Timeliness facts: the spans of days on which a case counts in a month-end figure.

`timeliness_facts`: per case, the spans on which it is an open assessment (with its
first request's date and first dispute so far) or in the annual review backlog
(`workflow.timeliness`). The scorecard reads its month-end counts from them in one
grouped scan. The upgrade fills the table from every case's effective events.

This migration imports the application's `workflow.timeliness.case_spans`, unlike the
others: the rows are derived data that must be exactly what the running code writes
(a later change to what a span is comes with a migration that derives them again).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op

from workflow.timeliness import TIMELINE_TYPES, Moment, case_spans, fact_rows

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

CASES_PER_PASS = 5_000


def upgrade() -> None:
    facts = op.create_table(
        "timeliness_facts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("since", sa.Date, nullable=False),
        sa.Column("until", sa.Date, nullable=True),
        sa.Column("request_on", sa.Date, nullable=True),
        sa.Column("disputed_on", sa.Date, nullable=True),
    )
    op.create_index("ix_timeliness_facts_case_id", "timeliness_facts", ["case_id"])
    bind = op.get_bind()
    for rows in _backfill(bind):
        bind.execute(sa.insert(facts), rows)


def _backfill(bind: sa.Connection) -> Iterator[list[dict[str, Any]]]:
    """Each few thousand cases' fact rows, from their effective events."""
    cases = sa.table("cases", sa.column("id", sa.Integer))
    events = sa.table(
        "events",
        sa.column("id", sa.Integer),
        sa.column("case_id", sa.Integer),
        sa.column("sequence", sa.Integer),
        sa.column("type", sa.String),
        sa.column("date", sa.Date),
        sa.column("fields", sa.JSON),
    )
    voids = sa.table("event_voids", sa.column("event_id", sa.Integer))
    ids = list(bind.execute(sa.select(cases.c.id).order_by(cases.c.id)).scalars())
    for start in range(0, len(ids), CASES_PER_PASS):
        chunk = ids[start : start + CASES_PER_PASS]
        histories: dict[int, list[Moment]] = {case_id: [] for case_id in chunk}
        for case_id, sequence, type_, day, fields in bind.execute(
            sa.select(
                events.c.case_id, events.c.sequence, events.c.type, events.c.date, events.c.fields
            ).where(
                events.c.case_id.between(chunk[0], chunk[-1]),
                events.c.type.in_(TIMELINE_TYPES),
                ~sa.exists().where(voids.c.event_id == events.c.id),
            )
        ):
            outcome = fields.get("outcome") if type_ == "review_decision" else None
            histories[case_id].append((day, type_, sequence, outcome))
        rows = [
            row
            for case_id, moments in histories.items()
            for row in fact_rows(case_id, case_spans(moments))
        ]
        if rows:
            yield rows


def downgrade() -> None:
    op.drop_index("ix_timeliness_facts_case_id", table_name="timeliness_facts")
    op.drop_table("timeliness_facts")
