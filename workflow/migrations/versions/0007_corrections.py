"""Voids and corrections: an event taken out of a case's history, and its letters withdrawn.

`event_voids` marks an event as voided (with who, when and why); nothing is deleted or
changed in place. A correction is a void whose `replaced_by` is the sequence of the
corrected event, recorded in the same transaction. An event is voided at most once.

`letter_withdrawals` marks a letter made from a voided event as withdrawn. The letter
row itself is not changed: a ready letter is immutable (0002), and one withdrawn while
still awaiting details must not be completed or deleted either.

Both tables are append-only as events are (0001, 0005): the database refuses to change,
delete or replace a row, on SQLite (with REPLACE and from a console) and PostgreSQL.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)

_VOIDS = "voids are append-only: a void cannot be changed or deleted"
_WITHDRAWALS = "letter withdrawals are append-only: a withdrawal cannot be changed or deleted"
_WITHDRAWN = "a withdrawn letter cannot be changed or deleted"

SQLITE_TRIGGERS = {
    "event_voids_append_only_update": f"""CREATE TRIGGER event_voids_append_only_update
       BEFORE UPDATE ON event_voids
       BEGIN SELECT RAISE(ABORT, '{_VOIDS}'); END""",
    "event_voids_append_only_delete": f"""CREATE TRIGGER event_voids_append_only_delete
       BEFORE DELETE ON event_voids
       BEGIN SELECT RAISE(ABORT, '{_VOIDS}'); END""",
    # INSERT OR REPLACE deletes the row in its way without firing the delete trigger.
    "event_voids_append_only_insert": f"""CREATE TRIGGER event_voids_append_only_insert
       BEFORE INSERT ON event_voids
       WHEN EXISTS (SELECT 1 FROM event_voids v WHERE v.id = NEW.id OR v.event_id = NEW.event_id)
       BEGIN SELECT RAISE(ABORT, '{_VOIDS}'); END""",
    "letter_withdrawals_append_only_update": f"""CREATE TRIGGER
       letter_withdrawals_append_only_update BEFORE UPDATE ON letter_withdrawals
       BEGIN SELECT RAISE(ABORT, '{_WITHDRAWALS}'); END""",
    "letter_withdrawals_append_only_delete": f"""CREATE TRIGGER
       letter_withdrawals_append_only_delete BEFORE DELETE ON letter_withdrawals
       BEGIN SELECT RAISE(ABORT, '{_WITHDRAWALS}'); END""",
    "letter_withdrawals_append_only_insert": f"""CREATE TRIGGER
       letter_withdrawals_append_only_insert BEFORE INSERT ON letter_withdrawals
       WHEN EXISTS (SELECT 1 FROM letter_withdrawals w
                    WHERE w.id = NEW.id OR w.letter_id = NEW.letter_id)
       BEGIN SELECT RAISE(ABORT, '{_WITHDRAWALS}'); END""",
    "letters_withdrawn_update": f"""CREATE TRIGGER letters_withdrawn_update
       BEFORE UPDATE ON letters
       WHEN EXISTS (SELECT 1 FROM letter_withdrawals w WHERE w.letter_id = OLD.id)
       BEGIN SELECT RAISE(ABORT, '{_WITHDRAWN}'); END""",
    "letters_withdrawn_delete": f"""CREATE TRIGGER letters_withdrawn_delete
       BEFORE DELETE ON letters
       WHEN EXISTS (SELECT 1 FROM letter_withdrawals w WHERE w.letter_id = OLD.id)
       BEGIN SELECT RAISE(ABORT, '{_WITHDRAWN}'); END""",
    "letters_withdrawn_insert": f"""CREATE TRIGGER letters_withdrawn_insert
       BEFORE INSERT ON letters
       WHEN EXISTS (SELECT 1 FROM letters l JOIN letter_withdrawals w ON w.letter_id = l.id
                    WHERE l.id = NEW.id OR l.dedupe_key = NEW.dedupe_key)
       BEGIN SELECT RAISE(ABORT, '{_WITHDRAWN}'); END""",
}
POSTGRES_TRIGGERS = [
    f"""CREATE FUNCTION event_voids_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION '{_VOIDS}' USING ERRCODE = 'restrict_violation';
       END $$""",
    """CREATE TRIGGER event_voids_append_only_row BEFORE UPDATE OR DELETE ON event_voids
       FOR EACH ROW EXECUTE FUNCTION event_voids_append_only()""",
    """CREATE TRIGGER event_voids_append_only_truncate BEFORE TRUNCATE ON event_voids
       FOR EACH STATEMENT EXECUTE FUNCTION event_voids_append_only()""",
    f"""CREATE FUNCTION letter_withdrawals_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION '{_WITHDRAWALS}' USING ERRCODE = 'restrict_violation';
       END $$""",
    """CREATE TRIGGER letter_withdrawals_append_only_row
       BEFORE UPDATE OR DELETE ON letter_withdrawals
       FOR EACH ROW EXECUTE FUNCTION letter_withdrawals_append_only()""",
    """CREATE TRIGGER letter_withdrawals_append_only_truncate BEFORE TRUNCATE ON letter_withdrawals
       FOR EACH STATEMENT EXECUTE FUNCTION letter_withdrawals_append_only()""",
    f"""CREATE FUNCTION letters_withdrawn() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF EXISTS (SELECT 1 FROM letter_withdrawals w WHERE w.letter_id = OLD.id) THEN
           RAISE EXCEPTION '{_WITHDRAWN}' USING ERRCODE = 'restrict_violation';
         END IF;
         IF TG_OP = 'DELETE' THEN
           RETURN OLD;
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER letters_withdrawn_row BEFORE UPDATE OR DELETE ON letters
       FOR EACH ROW EXECUTE FUNCTION letters_withdrawn()""",
]
_POSTGRES_DROPS = [
    "DROP TRIGGER IF EXISTS letters_withdrawn_row ON letters",
    "DROP FUNCTION IF EXISTS letters_withdrawn()",
    "DROP TRIGGER IF EXISTS letter_withdrawals_append_only_truncate ON letter_withdrawals",
    "DROP TRIGGER IF EXISTS letter_withdrawals_append_only_row ON letter_withdrawals",
    "DROP FUNCTION IF EXISTS letter_withdrawals_append_only()",
    "DROP TRIGGER IF EXISTS event_voids_append_only_truncate ON event_voids",
    "DROP TRIGGER IF EXISTS event_voids_append_only_row ON event_voids",
    "DROP FUNCTION IF EXISTS event_voids_append_only()",
]


def upgrade() -> None:
    op.create_table(
        "event_voids",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id"), nullable=False, unique=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("voided_at", UTC_TS, nullable=False),
        sa.Column("voided_by", sa.String(100), nullable=False),
        # On a correction: the sequence of the corrected event that replaced it.
        sa.Column("replaced_by", sa.Integer),
    )
    op.create_index("ix_event_voids_case_id", "event_voids", ["case_id"])

    op.create_table(
        "letter_withdrawals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column(
            "letter_id", sa.Integer, sa.ForeignKey("letters.id"), nullable=False, unique=True
        ),
        sa.Column("void_id", sa.Integer, sa.ForeignKey("event_voids.id"), nullable=False),
        sa.Column("withdrawn_at", UTC_TS, nullable=False),
    )
    op.create_index("ix_letter_withdrawals_case_id", "letter_withdrawals", ["case_id"])
    op.create_index("ix_letter_withdrawals_void_id", "letter_withdrawals", ["void_id"])

    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_TRIGGERS:
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS.values():
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _POSTGRES_DROPS:
            op.execute(statement)
    else:
        for name in reversed(SQLITE_TRIGGERS):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("letter_withdrawals")
    op.drop_table("event_voids")
