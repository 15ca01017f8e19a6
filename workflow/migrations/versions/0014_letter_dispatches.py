"""Letter dispatches: how each letter to a family is sent through GOV.UK Notify.

`letter_dispatches` has one row per letter (unique `letter_id`), made when the letter is
ready and Notify is configured: its channel (email or post), where it is (queued,
sending, sent, delivered, failed), the reference sent to Notify (unique and stable, so
a retry never sends the letter twice), Notify's id and status, the attempts, the next
try and the claim of the job sending it, the last error, and the times. Rows change as
the letter moves on, so there are no append-only triggers here: the letter itself stays
immutable (0002).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "letter_dispatches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("letter_id", sa.Integer(), sa.ForeignKey("letters.id"), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("provider_id", sa.String(100), nullable=True),
        sa.Column("provider_status", sa.String(40), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC_TS, nullable=True),
        sa.Column("claimed_by", sa.String(200), nullable=True),
        sa.Column("claimed_at", UTC_TS, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("queued_at", UTC_TS, nullable=False),
        sa.Column("sent_at", UTC_TS, nullable=True),
        sa.Column("completed_at", UTC_TS, nullable=True),
        sa.Column("checked_at", UTC_TS, nullable=True),
        sa.UniqueConstraint("letter_id", name="uq_letter_dispatches_letter_id"),
        sa.UniqueConstraint("reference", name="uq_letter_dispatches_reference"),
    )
    op.create_index("ix_letter_dispatches_case_id", "letter_dispatches", ["case_id"])
    op.create_index("ix_letter_dispatches_status", "letter_dispatches", ["status"])


def downgrade() -> None:
    op.drop_index("ix_letter_dispatches_status", table_name="letter_dispatches")
    op.drop_index("ix_letter_dispatches_case_id", table_name="letter_dispatches")
    op.drop_table("letter_dispatches")
