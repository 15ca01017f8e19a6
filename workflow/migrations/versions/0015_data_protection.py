"""Data protection: the read audit (issue 23 item 5) and erasure (item 6).

`case_reads` records each look at a case's personal data: who (and their role), when,
what (the case page, a letter, an export, the API) and how (web, api, cli). It is
append-only like the audit log (0004): the database refuses to change or delete a row, on
SQLite (with REPLACE too) and PostgreSQL (with TRUNCATE).

`cases.erased_at`: when the case's personal data was erased under the retention policy
(`workflow.retention`). Erasure clears event notes and free-text details, void reasons and
letter content, which the append-only triggers of 0001, 0002 and 0007 refuse. They are
remade here to allow exactly those clearings, and only for a case that has a row in
`erasures_in_progress`: the erasure inserts that row and deletes it again in its own
transaction, so no other transaction ever sees it and every other change is still
refused. An erasure cannot change an event's type, date, sequence or who recorded it, a
void's event or author, or a letter's type, status, recipient or date.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)

_READS = "the read audit is append-only: a read cannot be changed or deleted"

SQLITE_TRIGGERS = {
    "case_reads_append_only_update": f"""CREATE TRIGGER case_reads_append_only_update
       BEFORE UPDATE ON case_reads
       BEGIN SELECT RAISE(ABORT, '{_READS}'); END""",
    "case_reads_append_only_delete": f"""CREATE TRIGGER case_reads_append_only_delete
       BEFORE DELETE ON case_reads
       BEGIN SELECT RAISE(ABORT, '{_READS}'); END""",
    # INSERT OR REPLACE deletes the row in its way without firing the delete trigger.
    "case_reads_append_only_insert": f"""CREATE TRIGGER case_reads_append_only_insert
       BEFORE INSERT ON case_reads
       WHEN EXISTS (SELECT 1 FROM case_reads r WHERE r.id = NEW.id)
       BEGIN SELECT RAISE(ABORT, '{_READS}'); END""",
}
POSTGRES_TRIGGERS = [
    f"""CREATE FUNCTION case_reads_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION '{_READS}' USING ERRCODE = 'restrict_violation';
       END $$""",
    """CREATE TRIGGER case_reads_append_only_row BEFORE UPDATE OR DELETE ON case_reads
       FOR EACH ROW EXECUTE FUNCTION case_reads_append_only()""",
    """CREATE TRIGGER case_reads_append_only_truncate BEFORE TRUNCATE ON case_reads
       FOR EACH STATEMENT EXECUTE FUNCTION case_reads_append_only()""",
]
# -- erasure: the append-only triggers, remade to allow an erasure's clearings ----------

_ERASING = "EXISTS (SELECT 1 FROM erasures_in_progress g WHERE g.case_id = OLD.case_id)"
# What an erasure may change: notes and free-text details (events), reasons (voids), the
# content (letters). Everything else must stay as it was.
_EVENT_KEPT = """NEW.id IS OLD.id AND NEW.case_id IS OLD.case_id AND NEW.sequence IS OLD.sequence
    AND NEW.type IS OLD.type AND NEW.date IS OLD.date AND NEW.actor IS OLD.actor
    AND NEW.recorded_at IS OLD.recorded_at AND NEW.recorded_by IS OLD.recorded_by
    AND NEW.note IS NULL"""
_VOID_KEPT = """NEW.id IS OLD.id AND NEW.case_id IS OLD.case_id AND NEW.event_id IS OLD.event_id
    AND NEW.voided_at IS OLD.voided_at AND NEW.voided_by IS OLD.voided_by
    AND NEW.replaced_by IS OLD.replaced_by"""
_LETTER_KEPT = """NEW.id IS OLD.id AND NEW.case_id IS OLD.case_id
    AND NEW.event_id IS OLD.event_id AND NEW.event_type IS OLD.event_type
    AND NEW.type IS OLD.type AND NEW.template IS OLD.template
    AND NEW.template_version IS OLD.template_version AND NEW.recipient IS OLD.recipient
    AND NEW.is_copy IS OLD.is_copy AND NEW.delivery IS OLD.delivery
    AND NEW.large_print IS OLD.large_print AND NEW.status IS OLD.status
    AND NEW.letter_date IS OLD.letter_date AND NEW.dedupe_key IS OLD.dedupe_key
    AND NEW.created_at IS OLD.created_at AND NEW.created_by IS OLD.created_by
    AND NEW.rendered_at IS OLD.rendered_at
    AND NEW.html IS NULL AND NEW.text IS NULL AND NEW.pdf IS NULL"""


def _pg(condition: str) -> str:
    """SQLite's `IS` (null-safe equality) in PostgreSQL's words."""
    return condition.replace(" IS OLD.", " IS NOT DISTINCT FROM OLD.")


def _erasure_allows(kept: str) -> str:
    return f"({_ERASING} AND {kept})"


# Each SQLite trigger: (its name, the statement of 0001/0002/0007, the statement now).
_EVENTS_CHANGED = "events are append-only: an event cannot be changed"
_SQLITE_LETTERS_CHANGED_IDENTITY = """
    NEW.id IS NOT OLD.id OR NEW.case_id IS NOT OLD.case_id
    OR NEW.event_id IS NOT OLD.event_id OR NEW.type IS NOT OLD.type
    OR NEW.is_copy IS NOT OLD.is_copy
    OR NEW.dedupe_key IS NOT OLD.dedupe_key OR NEW.created_at IS NOT OLD.created_at
"""
_VOIDS = "voids are append-only: a void cannot be changed or deleted"
_WITHDRAWN = "a withdrawn letter cannot be changed or deleted"
SQLITE_REMADE = {
    "events_append_only_update": (
        f"""CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
       BEGIN SELECT RAISE(ABORT, '{_EVENTS_CHANGED}'); END""",
        f"""CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
       WHEN NOT {_erasure_allows(_EVENT_KEPT)}
       BEGIN SELECT RAISE(ABORT, '{_EVENTS_CHANGED}'); END""",
    ),
    "event_voids_append_only_update": (
        f"""CREATE TRIGGER event_voids_append_only_update
       BEFORE UPDATE ON event_voids
       BEGIN SELECT RAISE(ABORT, '{_VOIDS}'); END""",
        f"""CREATE TRIGGER event_voids_append_only_update
       BEFORE UPDATE ON event_voids
       WHEN NOT {_erasure_allows(_VOID_KEPT)}
       BEGIN SELECT RAISE(ABORT, '{_VOIDS}'); END""",
    ),
    "letters_immutable_update": (
        f"""CREATE TRIGGER letters_immutable_update BEFORE UPDATE ON letters
       WHEN OLD.status <> 'awaiting_details'
         OR NEW.status NOT IN ('awaiting_details', 'ready')
         OR {_SQLITE_LETTERS_CHANGED_IDENTITY}
       BEGIN SELECT RAISE(ABORT, 'letters are immutable: a ready letter cannot be changed'); END""",
        f"""CREATE TRIGGER letters_immutable_update BEFORE UPDATE ON letters
       WHEN (OLD.status <> 'awaiting_details'
         OR NEW.status NOT IN ('awaiting_details', 'ready')
         OR {_SQLITE_LETTERS_CHANGED_IDENTITY})
         AND NOT {_erasure_allows(_LETTER_KEPT)}
       BEGIN SELECT RAISE(ABORT, 'letters are immutable: a ready letter cannot be changed'); END""",
    ),
    "letters_withdrawn_update": (
        f"""CREATE TRIGGER letters_withdrawn_update
       BEFORE UPDATE ON letters
       WHEN EXISTS (SELECT 1 FROM letter_withdrawals w WHERE w.letter_id = OLD.id)
       BEGIN SELECT RAISE(ABORT, '{_WITHDRAWN}'); END""",
        f"""CREATE TRIGGER letters_withdrawn_update
       BEFORE UPDATE ON letters
       WHEN EXISTS (SELECT 1 FROM letter_withdrawals w WHERE w.letter_id = OLD.id)
         AND NOT {_erasure_allows(_LETTER_KEPT)}
       BEGIN SELECT RAISE(ABORT, '{_WITHDRAWN}'); END""",
    ),
}

# PostgreSQL: each function of 0001/0002/0007 as it was, and as it is now (the same, with
# the erasure's exception first). Their triggers stay as they are.
_PG_EVENTS_BODY = """RAISE EXCEPTION 'events are append-only: an event cannot be changed or deleted'
           USING ERRCODE = 'restrict_violation';"""
_PG_VOIDS_BODY = f"RAISE EXCEPTION '{_VOIDS}' USING ERRCODE = 'restrict_violation';"
_PG_LETTERS_IMMUTABLE_BODY = """IF TG_OP = 'TRUNCATE' THEN
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
         RETURN NEW;"""
_PG_LETTERS_WITHDRAWN_BODY = f"""IF EXISTS (SELECT 1 FROM letter_withdrawals w
                    WHERE w.letter_id = OLD.id) THEN
           RAISE EXCEPTION '{_WITHDRAWN}' USING ERRCODE = 'restrict_violation';
         END IF;
         IF TG_OP = 'DELETE' THEN
           RETURN OLD;
         END IF;
         RETURN NEW;"""
_PG_FUNCTIONS = {  # name: (body, what an erasure may change)
    "events_append_only": (_PG_EVENTS_BODY, _EVENT_KEPT),
    "event_voids_append_only": (_PG_VOIDS_BODY, _VOID_KEPT),
    "letters_immutable": (_PG_LETTERS_IMMUTABLE_BODY, _LETTER_KEPT),
    "letters_withdrawn": (_PG_LETTERS_WITHDRAWN_BODY, _LETTER_KEPT),
}


def _pg_function(name: str, body: str, kept: str | None) -> str:
    # Nested IFs: OLD is only read for an UPDATE (these functions serve TRUNCATE too).
    erasure = (
        f"""IF TG_OP = 'UPDATE' THEN
           IF {_pg(_erasure_allows(kept))} THEN
             RETURN NEW;
           END IF;
         END IF;
         """
        if kept
        else ""
    )
    return f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         {erasure}{body}
       END $$"""


_POSTGRES_DROPS = [
    "DROP TRIGGER IF EXISTS case_reads_append_only_truncate ON case_reads",
    "DROP TRIGGER IF EXISTS case_reads_append_only_row ON case_reads",
    "DROP FUNCTION IF EXISTS case_reads_append_only()",
]


def upgrade() -> None:
    op.create_table(
        "case_reads",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("read_at", UTC_TS, nullable=False),
        sa.Column("reader", sa.String(320), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("what", sa.String(100), nullable=False),
        sa.Column("how", sa.String(10), nullable=False),
    )
    op.create_index("ix_case_reads_case_id", "case_reads", ["case_id"])
    # A plain ADD COLUMN (SQLite has it): a batch copy of `cases` would drop its triggers.
    op.add_column("cases", sa.Column("erased_at", UTC_TS))
    op.create_table(
        "erasures_in_progress",
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), primary_key=True),
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_TRIGGERS:
            op.execute(statement)
        for name, (body, kept) in _PG_FUNCTIONS.items():
            op.execute(_pg_function(name, body, kept))
    else:
        for statement in SQLITE_TRIGGERS.values():
            op.execute(statement)
        for name, (_, now) in SQLITE_REMADE.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            op.execute(now)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _POSTGRES_DROPS:
            op.execute(statement)
        for name, (body, _) in _PG_FUNCTIONS.items():
            op.execute(_pg_function(name, body, None))
    else:
        for name in reversed(SQLITE_TRIGGERS):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for name, (before, _) in SQLITE_REMADE.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            op.execute(before)
    op.drop_table("erasures_in_progress")
    op.drop_column("cases", "erased_at")  # SQLite 3.35 and later: no batch copy
    op.drop_table("case_reads")
