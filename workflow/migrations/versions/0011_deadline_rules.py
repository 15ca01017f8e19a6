"""Deadline rules: which rules and settings the stored deadlines were computed under.

One row (`workflow.rules_stamp`): the spec version of the rules (v3 now) and the two
settings that change dates. A database upgraded from before this revision has no row,
so its stored deadlines are taken to be v2's: `ehc db upgrade` recomputes them under
the running engine's rules straight after the migrations, and stamps the row.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deadline_rules",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("rules_version", sa.Integer, nullable=False),
        sa.Column("twenty_week_days", sa.Integer, nullable=False),
        sa.Column("phase_transfer_rule", sa.String(10), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("deadline_rules")
