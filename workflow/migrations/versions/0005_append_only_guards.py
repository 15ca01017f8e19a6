"""Append-only guards that hold from a database console too.

SQLite's REPLACE (`INSERT OR REPLACE`, `UPDATE OR REPLACE`) deletes the row in its way
without firing delete triggers (unless `recursive_triggers` is on, which a console does not
set), and a console runs with foreign keys off. So the events' and ready letters' delete
triggers of 0001 and 0002 did not stop a REPLACE, and `DELETE FROM cases` removed a case
with its history. These triggers refuse, before anything is deleted:
- an insert that would replace an event, or a ready letter;
- deleting a case that has events or letters, changing its id, or replacing it.
On PostgreSQL there is no REPLACE (`ON CONFLICT DO UPDATE` fires the update triggers, which
refuse) and the foreign keys have no cascade; the trigger on cases gives a plain message
and holds even if a foreign key is dropped.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_HISTORY = """(EXISTS (SELECT 1 FROM events e WHERE e.case_id = {case})
        OR EXISTS (SELECT 1 FROM letters l WHERE l.case_id = {case}))"""
_CASE_REFUSED = "cases with events or letters are kept: such a case cannot be deleted or replaced"

SQLITE_TRIGGERS = {
    "events_append_only_replace": """CREATE TRIGGER events_append_only_replace
       BEFORE INSERT ON events
       WHEN EXISTS (SELECT 1 FROM events e WHERE e.id = NEW.id
                    OR (e.case_id = NEW.case_id AND e.sequence = NEW.sequence))
       BEGIN SELECT RAISE(ABORT, 'events are append-only: an event cannot be replaced'); END""",
    "letters_immutable_replace": """CREATE TRIGGER letters_immutable_replace
       BEFORE INSERT ON letters
       WHEN EXISTS (SELECT 1 FROM letters l WHERE (l.id = NEW.id OR l.dedupe_key = NEW.dedupe_key)
                    AND l.status <> 'awaiting_details')
       BEGIN SELECT RAISE(ABORT, 'letters are immutable: a ready letter cannot be replaced');
       END""",
    "cases_keep_history_delete": f"""CREATE TRIGGER cases_keep_history_delete
       BEFORE DELETE ON cases
       WHEN {_HISTORY.format(case="OLD.id")}
       BEGIN SELECT RAISE(ABORT, '{_CASE_REFUSED}'); END""",
    "cases_keep_history_insert": f"""CREATE TRIGGER cases_keep_history_insert
       BEFORE INSERT ON cases
       WHEN EXISTS (SELECT 1 FROM cases c WHERE (c.id = NEW.id OR c.reference = NEW.reference)
                    AND {_HISTORY.format(case="c.id")})
       BEGIN SELECT RAISE(ABORT, '{_CASE_REFUSED}'); END""",
    # UPDATE OR REPLACE onto another case's id or reference would delete that case.
    "cases_keep_history_update": f"""CREATE TRIGGER cases_keep_history_update
       BEFORE UPDATE OF id, reference ON cases
       WHEN (NEW.id IS NOT OLD.id AND {_HISTORY.format(case="OLD.id")})
         OR EXISTS (SELECT 1 FROM cases c WHERE c.id <> OLD.id
                    AND (c.id = NEW.id OR c.reference = NEW.reference)
                    AND {_HISTORY.format(case="c.id")})
       BEGIN SELECT RAISE(ABORT, '{_CASE_REFUSED}'); END""",
}
POSTGRES_TRIGGERS = [
    f"""CREATE FUNCTION cases_keep_history() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF (TG_OP = 'DELETE' OR NEW.id IS DISTINCT FROM OLD.id)
            AND {_HISTORY.format(case="OLD.id")} THEN
           RAISE EXCEPTION '{_CASE_REFUSED}' USING ERRCODE = 'restrict_violation';
         END IF;
         IF TG_OP = 'DELETE' THEN
           RETURN OLD;
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER cases_keep_history_row BEFORE UPDATE OF id OR DELETE ON cases
       FOR EACH ROW EXECUTE FUNCTION cases_keep_history()""",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_TRIGGERS:
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS.values():
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS cases_keep_history_row ON cases")
        op.execute("DROP FUNCTION IF EXISTS cases_keep_history()")
    else:
        for name in reversed(SQLITE_TRIGGERS):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
