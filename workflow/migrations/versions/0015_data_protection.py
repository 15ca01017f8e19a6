"""Data protection: the read audit (issue 23 item 5).

`case_reads` records each look at a case's personal data: who (and their role), when,
what (the case page, a letter, an export, the API) and how (web, api, cli). It is
append-only like the audit log (0004): the database refuses to change or delete a row, on
SQLite (with REPLACE too) and PostgreSQL (with TRUNCATE).

Revision ID: 0015
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0010"
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
    op.drop_table("case_reads")
