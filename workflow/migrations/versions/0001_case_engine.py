"""Cases, append-only events and derived deadlines.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)

# The audit trail cannot be rewritten: the database refuses to change or remove an event.
SQLITE_TRIGGERS = [
    """CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
       BEGIN SELECT RAISE(ABORT, 'events are append-only: an event cannot be changed'); END""",
    """CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
       BEGIN SELECT RAISE(ABORT, 'events are append-only: an event cannot be deleted'); END""",
]
POSTGRES_TRIGGERS = [
    """CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION 'events are append-only: an event cannot be changed or deleted'
           USING ERRCODE = 'restrict_violation';
       END $$""",
    """CREATE TRIGGER events_append_only_row BEFORE UPDATE OR DELETE ON events
       FOR EACH ROW EXECUTE FUNCTION events_append_only()""",
    """CREATE TRIGGER events_append_only_truncate BEFORE TRUNCATE ON events
       FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reference", sa.String(64), nullable=False, unique=True),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("team", sa.String(100)),
        sa.Column("officer", sa.String(100)),
        sa.Column("date_of_birth", sa.Date),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.Column("updated_at", UTC_TS, nullable=False),
    )
    op.create_index("ix_cases_state", "cases", ["state"])
    op.create_index("ix_cases_team", "cases", ["team"])
    op.create_index("ix_cases_officer", "cases", ["officer"])

    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("actor", sa.String(100)),
        sa.Column("recorded_at", UTC_TS, nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.UniqueConstraint("case_id", "sequence", name="uq_events_case_sequence"),
    )
    op.create_index("ix_events_case_id", "events", ["case_id"])
    op.create_index("ix_events_type_date", "events", ["type", "date"])

    op.create_table(
        "deadlines",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("advice", sa.String(40)),
        sa.Column("ref", sa.String(100)),
        sa.Column("regulation", sa.String(100), nullable=False),
        sa.Column("party", sa.String(40), nullable=False),
        sa.Column("created_on", sa.Date, nullable=False),
        sa.Column("starts", sa.Date, nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("met_on", sa.Date),
        sa.Column("cancelled_on", sa.Date),
        sa.Column("can_lapse", sa.Boolean, nullable=False),
        sa.Column("exception", sa.String(40)),
        sa.Column("exception_on", sa.Date),
    )
    op.create_index("ix_deadlines_case_id", "deadlines", ["case_id"])
    op.create_index("ix_deadlines_kind_due", "deadlines", ["kind", "due"])
    op.create_index("ix_deadlines_due", "deadlines", ["due"])

    triggers = POSTGRES_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS events_append_only_truncate ON events")
        op.execute("DROP TRIGGER IF EXISTS events_append_only_row ON events")
        op.execute("DROP FUNCTION IF EXISTS events_append_only()")
    op.drop_table("deadlines")
    op.drop_table("events")
    op.drop_table("cases")
