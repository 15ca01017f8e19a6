"""The people on a case and its statutory letters.

`case_people` holds personal data (names, addresses, emails), one row per case,
kept apart from `cases` so it can be protected and erased on its own; the date
of birth stays in `cases.date_of_birth` (one source of truth).

`letters` holds every letter made for a case. A letter is made with its event;
while details are missing it waits (`awaiting_details`, naming the missing
fields in `missing`). Once `ready` it is immutable: the database refuses to
change or delete it, and allows only the one transition awaiting_details -> ready.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)

# While a letter waits for details anything but its identity may be filled in (the
# recipient too: who gets a family letter depends on the date of birth, which may be
# what is missing); once ready, nothing about it can change and it cannot be deleted.
_SQLITE_CHANGED_IDENTITY = """
    NEW.id IS NOT OLD.id OR NEW.case_id IS NOT OLD.case_id
    OR NEW.event_id IS NOT OLD.event_id OR NEW.type IS NOT OLD.type
    OR NEW.is_copy IS NOT OLD.is_copy
    OR NEW.dedupe_key IS NOT OLD.dedupe_key OR NEW.created_at IS NOT OLD.created_at
"""
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER letters_immutable_update BEFORE UPDATE ON letters
       WHEN OLD.status <> 'awaiting_details'
         OR NEW.status NOT IN ('awaiting_details', 'ready')
         OR {_SQLITE_CHANGED_IDENTITY}
       BEGIN SELECT RAISE(ABORT, 'letters are immutable: a ready letter cannot be changed'); END""",
    """CREATE TRIGGER letters_immutable_delete BEFORE DELETE ON letters
       WHEN OLD.status <> 'awaiting_details'
       BEGIN SELECT RAISE(ABORT, 'letters are immutable: a ready letter cannot be deleted'); END""",
]
POSTGRES_TRIGGERS = [
    """CREATE FUNCTION letters_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'TRUNCATE' THEN
           RAISE EXCEPTION 'letters are immutable: letters cannot be truncated'
             USING ERRCODE = 'restrict_violation';
         END IF;
         IF OLD.status <> 'awaiting_details' THEN
           RAISE EXCEPTION 'letters are immutable: a ready letter cannot be changed or deleted'
             USING ERRCODE = 'restrict_violation';
         END IF;
         IF TG_OP = 'DELETE' THEN
           RETURN OLD;
         END IF;
         IF NEW.status NOT IN ('awaiting_details', 'ready')
            OR NEW.id IS DISTINCT FROM OLD.id OR NEW.case_id IS DISTINCT FROM OLD.case_id
            OR NEW.event_id IS DISTINCT FROM OLD.event_id OR NEW.type IS DISTINCT FROM OLD.type
            OR NEW.is_copy IS DISTINCT FROM OLD.is_copy
            OR NEW.dedupe_key IS DISTINCT FROM OLD.dedupe_key
            OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
           RAISE EXCEPTION 'letters are immutable: a letter can only be completed once'
             USING ERRCODE = 'restrict_violation';
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER letters_immutable_row BEFORE UPDATE OR DELETE ON letters
       FOR EACH ROW EXECUTE FUNCTION letters_immutable()""",
    """CREATE TRIGGER letters_immutable_truncate BEFORE TRUNCATE ON letters
       FOR EACH STATEMENT EXECUTE FUNCTION letters_immutable()""",
]


def upgrade() -> None:
    op.create_table(
        "case_people",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, unique=True),
        sa.Column("child_name", sa.String(200)),
        sa.Column("setting", sa.String(200)),
        sa.Column("parent_name", sa.String(200)),
        sa.Column("parent_address", sa.Text),
        sa.Column("parent_email", sa.String(320)),
        sa.Column("young_person_address", sa.Text),
        sa.Column("young_person_email", sa.String(320)),
        sa.Column("communication", sa.String(10)),  # post or email
        sa.Column("large_print", sa.Boolean),
        # The young person agreed that their parent gets a copy of their letters.
        sa.Column("parent_copy", sa.Boolean),
        sa.Column("updated_at", UTC_TS, nullable=False),
        sa.Column("updated_by", sa.String(100)),
    )

    op.create_table(
        "letters",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        # The event that made it (for chasers: the advice request chased).
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id")),
        sa.Column("event_type", sa.String(40)),
        sa.Column("type", sa.String(60), nullable=False),
        sa.Column("template", sa.String(100), nullable=False),
        sa.Column("template_version", sa.Integer, nullable=False),
        sa.Column("recipient", sa.String(20), nullable=False),  # parent, young_person, adviser
        sa.Column("is_copy", sa.Boolean, nullable=False),
        sa.Column("delivery", sa.String(10)),  # post or email
        sa.Column("large_print", sa.Boolean),
        sa.Column("status", sa.String(20), nullable=False),  # awaiting_details or ready
        sa.Column("missing", sa.JSON),  # names of the missing fields while awaiting
        sa.Column("context", sa.JSON, nullable=False),
        sa.Column("letter_date", sa.Date),
        sa.Column("html", sa.Text),
        sa.Column("text", sa.Text),
        sa.Column("pdf", sa.LargeBinary),
        sa.Column("html_sha256", sa.String(64)),
        sa.Column("pdf_sha256", sa.String(64)),
        # One letter per (event or deadline, letter type, recipient): makes queuing idempotent.
        sa.Column("dedupe_key", sa.String(255), nullable=False, unique=True),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.Column("created_by", sa.String(100)),
        sa.Column("rendered_at", UTC_TS),
    )
    op.create_index("ix_letters_case_id", "letters", ["case_id"])
    op.create_index("ix_letters_status", "letters", ["status"])
    op.create_index("ix_letters_event_id", "letters", ["event_id"])

    triggers = POSTGRES_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS letters_immutable_truncate ON letters")
        op.execute("DROP TRIGGER IF EXISTS letters_immutable_row ON letters")
        op.execute("DROP FUNCTION IF EXISTS letters_immutable()")
    op.drop_table("letters")
    op.drop_table("case_people")
