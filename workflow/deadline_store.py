"""Stored deadlines: written with each change to a case, read as of a day in SQL (for
the breach queue and the KPIs).

Deadline rows hold what the case's whole recorded history makes of them: the write
path (`workflow.service`, `workflow.importing`) rewrites them with every event, with
`deadline_rows` and `write_deadlines`. Read as of day X, a row
exists when `created_on <= X`, is met when `met_on <= X`, cancelled when
`cancelled_on <= X`, excused when `exception_on <= X`; the status, breach and
days late then follow spec section 5 exactly as `workflow.law.deadlines` does.
Every read here is one set-based SELECT: no per-case Python.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import ReadOnlyColumnCollection
from sqlalchemy.sql.elements import ColumnElement

from workflow import bulk
from workflow.law.deadlines import Evaluation
from workflow.models import Case, StoredDeadline

DEADLINES: sa.Table = StoredDeadline.__table__  # type: ignore[attr-defined]
CASES: sa.Table = Case.__table__  # type: ignore[attr-defined]
D = DEADLINES.c
C = CASES.c


# -- writing -------------------------------------------------------------------------


def deadline_rows(case_id: int, evaluation: Evaluation) -> list[dict[str, Any]]:
    """The stored deadline rows of a case's replayed history (no ids)."""
    return [
        {
            "case_id": case_id,
            "position": d.position,
            "kind": d.kind,
            "advice": d.advice,
            "ref": d.ref,
            "regulation": d.regulation,
            "party": d.party,
            "created_on": d.created_on,
            "starts": d.starts,
            "due": d.due,
            "met_on": d.met_on,
            "cancelled_on": d.cancelled_on,
            "can_lapse": d.can_lapse,
            "exception": d.exception,
            "exception_on": d.exception_on,
        }
        for d in evaluation.deadlines
    ]


def write_deadlines(session: Session, *, case_id: int, evaluation: Evaluation) -> None:
    """Make the case's stored deadlines those of `evaluation`, writing only what changed.

    A new event usually adds a deadline or meets one; rewriting every row of the case
    cost more than the rest of recording it (deadline ids are not kept: migration 0003).
    """
    rows = deadline_rows(case_id, evaluation)
    names = [c.name for c in D if c.name not in ("id", "case_id")]
    stored = session.execute(
        sa.select(D.id, *(D[name] for name in names)).where(D.case_id == case_id)
    ).all()
    by_position = {row.position: row for row in stored}
    if len(by_position) != len(stored):  # not one row per position: rewrite them all
        session.execute(sa.delete(DEADLINES).where(D.case_id == case_id))
        bulk.insert_rows(session, DEADLINES, rows)
        return
    changed: list[dict[str, Any]] = []
    added: list[dict[str, Any]] = []
    for row in rows:
        old = by_position.pop(row["position"], None)
        if old is None:
            added.append(row)
        elif any(getattr(old, name) != row[name] for name in names):
            changed.append({"_id": old.id, **row})
    if by_position:
        gone = [row.id for row in by_position.values()]
        session.execute(sa.delete(DEADLINES).where(D.id.in_(gone)))
    if changed:
        # One executemany; the SET clause comes from the rows' keys.
        session.execute(sa.update(DEADLINES).where(D.id == sa.bindparam("_id")), changed)
    bulk.insert_rows(session, DEADLINES, added)


# -- reading as of a day ---------------------------------------------------------------


def days_between(later: Any, earlier: Any, dialect: str) -> ColumnElement[Any]:
    """Whole days from `earlier` to `later`, on SQLite and PostgreSQL."""
    if dialect == "postgresql":
        return sa.cast(later, sa.Date) - sa.cast(earlier, sa.Date)
    return sa.cast(sa.func.julianday(later) - sa.func.julianday(earlier), sa.Integer)


def status_columns(
    as_of: date | ColumnElement[Any],
    dialect: str,
    d: ReadOnlyColumnCollection[str, Any] = D,
) -> dict[str, ColumnElement[Any]]:
    """status, met_on, exception, breach and days_late of a deadline row as of a day.

    `as_of` is a day, or a date expression (a day per row: the KPIs' month ends). `d`:
    the deadline's columns, from the table or from a subquery with the same names.
    """
    D = d  # below: the table's columns, or the subquery's
    x = as_of if isinstance(as_of, ColumnElement) else sa.literal(as_of, sa.Date)
    met = sa.and_(D.met_on.is_not(None), D.met_on <= x)
    cancelled = sa.and_(D.cancelled_on.is_not(None), D.cancelled_on <= x)
    excused = sa.and_(D.exception_on.is_not(None), D.exception_on <= x)
    status = sa.case(
        (sa.and_(met, D.met_on <= D.due), "met"),
        (met, "late"),
        (sa.and_(cancelled, sa.or_(D.can_lapse.is_(False), D.cancelled_on <= D.due)), "cancelled"),
        (cancelled, "lapsed"),
        (x <= D.due, "pending"),
        else_="overdue",
    )
    days_late = sa.case(
        (sa.and_(met, D.met_on > D.due), days_between(D.met_on, D.due, dialect)),
        (met, sa.null()),
        (
            sa.and_(cancelled, D.can_lapse.is_(True), D.cancelled_on > D.due),
            days_between(D.cancelled_on, D.due, dialect),
        ),
        (cancelled, sa.null()),
        (x > D.due, days_between(x, D.due, dialect)),
        else_=sa.null(),
    )
    late_or_lapsed = sa.or_(
        sa.and_(met, D.met_on > D.due),
        sa.and_(cancelled, D.can_lapse.is_(True), D.cancelled_on > D.due),
    )
    # An unresolved decision_not_to_issue limit is overdue but not a breach (section 5).
    overdue = sa.and_(
        sa.not_(met), sa.not_(cancelled), x > D.due, D.kind != "decision_not_to_issue"
    )
    breach = sa.and_(sa.or_(late_or_lapsed, overdue), sa.not_(excused))
    return {
        "status": status.label("status"),
        "met_on": sa.case((met, D.met_on), else_=sa.null()).label("met_on"),
        "exception": sa.case((excused, D.exception), else_=sa.null()).label("exception"),
        "breach": breach.label("breach"),
        "days_late": days_late.label("days_late"),
    }


def deadlines_as_of(as_of: date, dialect: str) -> sa.Select[Any]:
    """Every deadline that exists on `as_of`, with its case, team, officer and status.

    Callers add their own filters (`.where(...)`) on D, C or the labelled columns
    wrapped in a subquery.
    """
    cols = status_columns(as_of, dialect)
    return (
        sa.select(
            C.reference.label("case"),
            C.team,
            C.officer,
            C.state,
            D.case_id,
            D.kind,
            D.advice,
            D.ref,
            D.regulation,
            D.party,
            D.created_on,
            D.starts,
            D.due,
            *cols.values(),
        )
        .select_from(DEADLINES.join(CASES, C.id == D.case_id))
        .where(D.created_on <= sa.literal(as_of, sa.Date))
    )


# -- the queue version -----------------------------------------------------------------


def queue_version(session: Session) -> int:
    """A number that moves when a transaction that changed `cases` or `deadlines` commits
    (database triggers, migration 0016), so a breach queue read under one number is the
    queue until it moves. Other writes (the read audit, sign-ins) leave it as it is."""
    return int(session.execute(sa.text("SELECT version FROM queue_version")).scalar_one())


@contextmanager
def version_moved_once(session: Session | sa.Connection) -> Iterator[None]:
    """Around a bulk write of many cases' rows, in the caller's transaction: the version
    moves once, not once a row.

    On SQLite the version is moved by row triggers (SQLite has no statement triggers),
    which cost about 13 us a row: on an import, a quarter of its writing. Here they are
    dropped inside the transaction, the rows written, the version moved once and the
    triggers made again, all before the commit: SQLite's schema changes are part of the
    transaction, its writers take turns, and its readers see the schema and the rows of
    before until the commit, so no other connection ever sees the table without them.
    A rollback brings them back with the rest. PostgreSQL's triggers already move the
    version once a transaction: nothing to do there.
    """
    connection = session if isinstance(session, sa.Connection) else session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    triggers = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
        " AND tbl_name IN ('cases', 'deadlines') AND name LIKE '%\\_queue\\_change\\_%' ESCAPE '\\'"
    ).all()
    for name, _sql in triggers:
        connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
    try:
        yield
    finally:
        for _name, sql in triggers:
            connection.exec_driver_sql(sql)
        connection.exec_driver_sql("UPDATE queue_version SET version = version + 1 WHERE id = 1")
