"""Health: the active scheduler's heartbeat and the alerts raised about the service.

`scheduler_heartbeats`: one row per scheduler process that has been active, with when it
last beat (every minute while it holds the scheduler lock). `/ready` reads the newest.

`health_alerts`: one row per problem the admins have been emailed about and that is not
over yet (the daily sweep more than 26 hours old): its unique kind makes the email go
once however many web workers see the problem; the row goes when the problem is over, so
the next occurrence is emailed again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "scheduler_heartbeats",
        sa.Column("runner", sa.String(200), primary_key=True),
        sa.Column("beat_at", UTC_TS, nullable=False),
    )
    op.create_table(
        "health_alerts",
        sa.Column("kind", sa.String(40), primary_key=True),
        sa.Column("raised_at", UTC_TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("health_alerts")
    op.drop_table("scheduler_heartbeats")
