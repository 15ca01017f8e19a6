"""The scheduler's breach log, notification outbox and sweep runs.

`breach_log` records each breached deadline once (unique per deadline), so a
sweep that runs twice, or again after a crash, never counts a breach twice.
`outbox` queues each notification once (unique per deadline, reason and
recipient role) and records when and how it was delivered. `sweep_runs` says
which sweep ran for which day, so a new active scheduler can catch up.

A stored deadline row is rewritten with every event of its case, so its id is
not stable: a deadline is named by its case, kind, advice, ref, starts and due
(advice and ref as '' when absent, so the unique constraints see them).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)
DEADLINE_KEY = ("case_id", "kind", "advice", "ref", "starts", "due")


def _deadline_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("advice", sa.String(40), nullable=False, server_default=""),
        sa.Column("ref", sa.String(100), nullable=False, server_default=""),
        sa.Column("starts", sa.Date, nullable=False),
        sa.Column("due", sa.Date, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "breach_log",
        sa.Column("id", sa.Integer, primary_key=True),
        *_deadline_columns(),
        sa.Column("breached_on", sa.Date, nullable=False),  # the sweep's day that found it
        sa.Column("status", sa.String(16), nullable=False),  # overdue, late or lapsed then
        sa.Column("days_late", sa.Integer),
        sa.Column("logged_at", UTC_TS, nullable=False),
        sa.UniqueConstraint(*DEADLINE_KEY, name="uq_breach_log_deadline"),
    )
    op.create_index("ix_breach_log_breached_on", "breach_log", ["breached_on"])

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        *_deadline_columns(),
        sa.Column("reason", sa.String(16), nullable=False),  # due_soon, due_today, breached
        sa.Column("role", sa.String(16), nullable=False),  # officer or manager
        sa.Column("recipient", sa.String(320)),  # an email address, or none known
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("queued_at", UTC_TS, nullable=False),
        sa.Column("sent_at", UTC_TS),
        sa.Column("channel", sa.String(8)),  # email or log
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.String(500)),
        sa.UniqueConstraint(*DEADLINE_KEY, "reason", "role", name="uq_outbox_notification"),
    )
    op.create_index("ix_outbox_sent_at", "outbox", ["sent_at"])

    op.create_table(
        "sweep_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("runner", sa.String(200), nullable=False),  # host:pid
        sa.Column("ran_at", UTC_TS, nullable=False),
        sa.Column("breaches_logged", sa.Integer, nullable=False),
        sa.Column("notifications_queued", sa.Integer, nullable=False),
    )
    op.create_index("ix_sweep_runs_as_of", "sweep_runs", ["as_of"])


def downgrade() -> None:
    op.drop_table("sweep_runs")
    op.drop_table("outbox")
    op.drop_table("breach_log")
