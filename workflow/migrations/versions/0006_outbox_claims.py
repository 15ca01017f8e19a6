"""Outbox claims: a notification is claimed by one delivery run before it is sent.

Two deliveries at once (a cron `ehc sweep` beside the scheduler, or two scheduler
processes in the moment one takes over) both used to read the same unsent rows and
send each of them twice. A run now claims one row at a time, recording who
claimed it and when (`claimed_by`, `claimed_at`), and sends only what it claimed;
a claim older than the claim timeout is a run that died mid-send, and may be taken
over.

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("claimed_by", sa.String(200)))
    op.add_column("outbox", sa.Column("claimed_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("claimed_at")
        batch.drop_column("claimed_by")
