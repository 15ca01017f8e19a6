"""Publications and letter downloads: what was published, and who took a letter away.

`scorecard_publications` stores a month's KPI scorecard as it was published: one row per
month (unique), with every indicator's figure as published. A later correction can change
what the scorecard computes for that month; the publication does not change, so the
scorecard can show the figure as revised, with both values, rather than silently.

`letter_downloads` records each time a letter is downloaded or printed (who, when, how),
so a letter withdrawn after a correction can be traced to the copies that left the system.

Both tables are append-only as events and voids are (0001, 0005, 0007): the database
refuses to change, delete or replace a row, on SQLite (with REPLACE and from a console)
and PostgreSQL (with TRUNCATE).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-12
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)

_PUBLICATIONS = "publications are append-only: a published scorecard cannot be changed or deleted"
_DOWNLOADS = "letter downloads are append-only: a download cannot be changed or deleted"

SQLITE_TRIGGERS = {
    "scorecard_publications_append_only_update": f"""CREATE TRIGGER
       scorecard_publications_append_only_update BEFORE UPDATE ON scorecard_publications
       BEGIN SELECT RAISE(ABORT, '{_PUBLICATIONS}'); END""",
    "scorecard_publications_append_only_delete": f"""CREATE TRIGGER
       scorecard_publications_append_only_delete BEFORE DELETE ON scorecard_publications
       BEGIN SELECT RAISE(ABORT, '{_PUBLICATIONS}'); END""",
    # INSERT OR REPLACE deletes the row in its way without firing the delete trigger.
    "scorecard_publications_append_only_insert": f"""CREATE TRIGGER
       scorecard_publications_append_only_insert BEFORE INSERT ON scorecard_publications
       WHEN EXISTS (SELECT 1 FROM scorecard_publications p
                    WHERE p.id = NEW.id OR p.month = NEW.month)
       BEGIN SELECT RAISE(ABORT, '{_PUBLICATIONS}'); END""",
    "letter_downloads_append_only_update": f"""CREATE TRIGGER
       letter_downloads_append_only_update BEFORE UPDATE ON letter_downloads
       BEGIN SELECT RAISE(ABORT, '{_DOWNLOADS}'); END""",
    "letter_downloads_append_only_delete": f"""CREATE TRIGGER
       letter_downloads_append_only_delete BEFORE DELETE ON letter_downloads
       BEGIN SELECT RAISE(ABORT, '{_DOWNLOADS}'); END""",
    "letter_downloads_append_only_insert": f"""CREATE TRIGGER
       letter_downloads_append_only_insert BEFORE INSERT ON letter_downloads
       WHEN EXISTS (SELECT 1 FROM letter_downloads d WHERE d.id = NEW.id)
       BEGIN SELECT RAISE(ABORT, '{_DOWNLOADS}'); END""",
}
POSTGRES_TRIGGERS = [
    f"""CREATE FUNCTION scorecard_publications_append_only() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION '{_PUBLICATIONS}' USING ERRCODE = 'restrict_violation';
       END $$""",
    """CREATE TRIGGER scorecard_publications_append_only_row
       BEFORE UPDATE OR DELETE ON scorecard_publications
       FOR EACH ROW EXECUTE FUNCTION scorecard_publications_append_only()""",
    """CREATE TRIGGER scorecard_publications_append_only_truncate
       BEFORE TRUNCATE ON scorecard_publications
       FOR EACH STATEMENT EXECUTE FUNCTION scorecard_publications_append_only()""",
    f"""CREATE FUNCTION letter_downloads_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION '{_DOWNLOADS}' USING ERRCODE = 'restrict_violation';
       END $$""",
    """CREATE TRIGGER letter_downloads_append_only_row
       BEFORE UPDATE OR DELETE ON letter_downloads
       FOR EACH ROW EXECUTE FUNCTION letter_downloads_append_only()""",
    """CREATE TRIGGER letter_downloads_append_only_truncate BEFORE TRUNCATE ON letter_downloads
       FOR EACH STATEMENT EXECUTE FUNCTION letter_downloads_append_only()""",
]
_POSTGRES_DROPS = [
    "DROP TRIGGER IF EXISTS letter_downloads_append_only_truncate ON letter_downloads",
    "DROP TRIGGER IF EXISTS letter_downloads_append_only_row ON letter_downloads",
    "DROP FUNCTION IF EXISTS letter_downloads_append_only()",
    "DROP TRIGGER IF EXISTS scorecard_publications_append_only_truncate ON scorecard_publications",
    "DROP TRIGGER IF EXISTS scorecard_publications_append_only_row ON scorecard_publications",
    "DROP FUNCTION IF EXISTS scorecard_publications_append_only()",
]


def upgrade() -> None:
    op.create_table(
        "scorecard_publications",
        sa.Column("id", sa.Integer, primary_key=True),
        # The scorecard's period as the monthly export names it ("2026-11"): published once.
        sa.Column("month", sa.String(7), nullable=False, unique=True),
        sa.Column("published_at", UTC_TS, nullable=False),
        sa.Column("published_by", sa.String(100), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        # Every indicator's figure as published, with numerator/denominator where it has them.
        sa.Column("figures", sa.JSON, nullable=False),
    )

    op.create_table(
        "letter_downloads",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("letter_id", sa.Integer, sa.ForeignKey("letters.id"), nullable=False),
        sa.Column("downloaded_at", UTC_TS, nullable=False),
        sa.Column("downloaded_by", sa.String(100), nullable=False),
        sa.Column("how", sa.String(20), nullable=False),  # "web", "cli", "api"
    )
    op.create_index("ix_letter_downloads_case_id", "letter_downloads", ["case_id"])
    op.create_index("ix_letter_downloads_letter_id", "letter_downloads", ["letter_id"])

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
    op.drop_table("letter_downloads")
    op.drop_table("scorecard_publications")
