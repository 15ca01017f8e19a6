"""The queue version: a number that moves when a transaction that changed a case or its
stored deadlines commits, and with nothing else (issue 21, the web at national scale).

The web keeps the breach queue between page views until the database changes
(`web/queue_cache.py`). On PostgreSQL it asked for `pg_current_snapshot()`, which moves
with every write on the server: since the read audit (0015) writes a row at each case
page, every view of the breach queue read all of it again (4 s at national scale).
The breach queue reads only `cases` and `deadlines`, so only they move this number.

`queue_version` holds one row. On PostgreSQL a statement trigger on each of the two
tables marks the writing transaction in `queue_changes` (one row a transaction, however
many statements), and a deferred constraint trigger on that mark adds one to the
version as the transaction commits, and removes the mark. The version's row is locked
only while committing, so officers recording events at once do not wait on each other
for it, and a long import does not hold it. On SQLite, where one writer at a time
holds the whole database, a row trigger adds one directly.

`ix_events_case_id` goes: the unique (case_id, sequence) index answers the same lookups.
On SQLite it cost more than the rest of the events' indexes on import: the planner chose
it for the append-only guard's lookup (0005), scanning the case's events for each row.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TABLES = ("cases", "deadlines")

POSTGRES = [
    """CREATE FUNCTION queue_change_mark() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         INSERT INTO queue_changes (txid) VALUES (txid_current()) ON CONFLICT DO NOTHING;
         RETURN NULL;
       END $$""",
    """CREATE FUNCTION queue_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         UPDATE queue_version SET version = version + 1 WHERE id = 1;
         DELETE FROM queue_changes WHERE txid = NEW.txid;
         RETURN NULL;
       END $$""",
    """CREATE CONSTRAINT TRIGGER queue_version_at_commit AFTER INSERT ON queue_changes
       DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION queue_version_bump()""",
    *(
        f"""CREATE TRIGGER {table}_queue_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
            ON {table} FOR EACH STATEMENT EXECUTE FUNCTION queue_change_mark()"""
        for table in TABLES
    ),
]

SQLITE = [
    f"""CREATE TRIGGER {table}_queue_change_{what.lower()} AFTER {what} ON {table}
        BEGIN UPDATE queue_version SET version = version + 1 WHERE id = 1; END"""
    for table in TABLES
    for what in ("INSERT", "UPDATE", "DELETE")
]


def upgrade() -> None:
    op.drop_index("ix_events_case_id", table_name="events")
    op.create_table(
        "queue_version",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.CheckConstraint("id = 1", name="queue_version_one_row"),
    )
    op.execute("INSERT INTO queue_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.create_table("queue_changes", sa.Column("txid", sa.BigInteger, primary_key=True))
        for statement in POSTGRES:
            op.execute(statement)
    else:
        for statement in SQLITE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_queue_change ON {table}")
        op.drop_table("queue_changes")  # its constraint trigger goes with it
        op.execute("DROP FUNCTION IF EXISTS queue_version_bump()")
        op.execute("DROP FUNCTION IF EXISTS queue_change_mark()")
    else:
        for table in TABLES:
            for what in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_queue_change_{what}")
    op.drop_table("queue_version")
    op.create_index("ix_events_case_id", "events", ["case_id"])
