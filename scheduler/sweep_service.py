"""The sweep's writes: breach log, outbox and delivery marks. Each function commits once.

`sweep` is one transaction: it logs every deadline in breach as of the day that
is not logged yet, queues the notifications not queued yet, and records the run.
Both inserts skip rows that already exist (unique per deadline; per deadline,
reason and role), so a second sweep, or a sweep after a crash (which rolled the
whole transaction back), logs each breach once and queues each notification once.
Delivery is per message: `claim_next` commits a claim on one message before it is
sent, so two deliveries at once never send it twice, and `mark_sent` commits as soon
as it has left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from letters.chasers import queue_advice_chasers
from letters.contexts import Council
from scheduler.breaches import Filters, queue_query, unindexed
from scheduler.notify import (
    BREACHED,
    DUE_SOON,
    DUE_SOON_WORKING_DAYS,
    DUE_TODAY,
    MANAGER,
    OFFICER,
    Notice,
    Staff,
)
from scheduler.tables import BreachLog, OutboxMessage, SweepRun
from workflow.account_models import User
from workflow.clock import Clock
from workflow.deadline_store import D, deadlines_as_of
from workflow.law.calendar import WorkingDays
from workflow.models import Case

MAX_ATTEMPTS = 5  # a notification that failed this often is left for a person to look at
# A claim this old is a delivery run that died mid-send (SMTP gives up on a step after
# 30 seconds, so a live run never holds one message this long): another run may send it.
CLAIM_TIMEOUT = timedelta(minutes=15)
BREACH_LOG: sa.Table = BreachLog.__table__  # type: ignore[attr-defined]
OUTBOX: sa.Table = OutboxMessage.__table__  # type: ignore[attr-defined]
OUT = OUTBOX.c


@dataclass(frozen=True)
class SweepResult:
    as_of: date
    breaches_logged: int
    notifications_queued: int
    chaser_letters: int = 0


def _insert_ignoring_duplicates(dialect: str, table: sa.Table) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING on PostgreSQL and SQLite."""
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def _log_breaches(session: Session, as_of: date, now: datetime, dialect: str) -> int:
    """Set-based: every breached deadline as of the day, not yet in the log, goes in."""
    x = sa.literal(as_of, sa.Date)
    # A breach needs due < as_of (late, lapsed or overdue): cheap pre-filter.
    found = deadlines_as_of(as_of, dialect).where(unindexed(D.due, dialect) < x).subquery()
    chosen = sa.select(
        found.c.case_id,
        found.c.kind,
        sa.func.coalesce(found.c.advice, ""),
        sa.func.coalesce(found.c.ref, ""),
        found.c.starts,
        found.c.due,
        x,
        found.c.status,
        found.c.days_late,
        sa.literal(now, BREACH_LOG.c.logged_at.type),
    ).where(found.c.breach)
    columns = [
        "case_id",
        "kind",
        "advice",
        "ref",
        "starts",
        "due",
        "breached_on",
        "status",
        "days_late",
        "logged_at",
    ]
    # RETURNING counts the rows really inserted (rowcount is not portable here).
    inserted = session.execute(
        _insert_ignoring_duplicates(dialect, BREACH_LOG)
        .from_select(columns, chosen)
        .returning(BREACH_LOG.c.id)
    )
    return len(inserted.all())


def _not_yet_queued(as_of: date) -> sa.ColumnElement[bool]:
    """No officer notification of this deadline for this reason is in the outbox."""
    x = sa.literal(as_of, sa.Date)
    reason = sa.case((D.due < x, BREACHED), (D.due == x, DUE_TODAY), else_=DUE_SOON)
    return ~sa.exists().where(
        OUT.case_id == D.case_id,
        OUT.kind == D.kind,
        OUT.advice == sa.func.coalesce(D.advice, ""),
        OUT.ref == sa.func.coalesce(D.ref, ""),
        OUT.starts == D.starts,
        OUT.due == D.due,
        OUT.reason == reason,
        OUT.role == OFFICER,
    )


def notices_due(
    session: Session, as_of: date, working_days: WorkingDays
) -> list[tuple[int, Notice]]:
    """(case id, notice) for every notification the day calls for and nobody has had.

    Officer: a deadline due within 5 working days, due today, or in breach.
    Manager: in breach. Open deadlines only (met or cancelled ones need no action).
    """
    dialect = session.get_bind().dialect.name
    horizon = working_days.add(as_of, DUE_SOON_WORKING_DAYS)
    query = queue_query(as_of, dialect, Filters(due_within=(horizon - as_of).days)).where(
        _not_yet_queued(as_of)
    )
    out: list[tuple[int, Notice]] = []
    for row in session.execute(query):
        if row.due < as_of:
            if not row.breach:  # excused, or a decision_not_to_issue limit (spec 5)
                continue
            reason = BREACHED
        else:
            reason = DUE_TODAY if row.due == as_of else DUE_SOON
        notice = Notice(
            case=row.case,
            kind=row.kind,
            advice=row.advice,
            ref=row.ref,
            regulation=row.regulation,
            starts=row.starts,
            due=row.due,
            as_of=as_of,
            reason=reason,
            days_late=None if row.days_late is None else int(row.days_late),
            team=row.team,
            officer=row.officer,
        )
        out.append((row.case_id, notice))
    return out


def _outbox_rows(
    notices: Sequence[tuple[int, Notice]], staff: Staff, now: datetime
) -> list[dict[str, Any]]:
    rows = []
    for case_id, n in notices:
        roles = [(OFFICER, staff.officer_email(n.officer))]
        if n.reason == BREACHED:
            roles.append((MANAGER, staff.manager_email(n.team)))
        for role, recipient in roles:
            rows.append(
                {
                    "case_id": case_id,
                    "kind": n.kind,
                    "advice": n.advice or "",
                    "ref": n.ref or "",
                    "starts": n.starts,
                    "due": n.due,
                    "reason": n.reason,
                    "role": role,
                    "recipient": recipient,
                    "subject": n.subject,
                    "body": n.body,
                    "as_of": n.as_of,
                    "queued_at": now,
                    "attempts": 0,
                }
            )
    return rows


def sweep(
    *,
    session: Session,
    as_of: date,
    clock: Clock,
    working_days: WorkingDays,
    staff: Staff,
    council: Council,
    runner: str,
) -> SweepResult:
    """Log the day's new breaches, queue its notifications and its advice reminder and
    chaser letters (reg 8(1)), in one transaction."""
    dialect = session.get_bind().dialect.name
    now = clock()
    try:
        logged = _log_breaches(session, as_of, now, dialect)
        rows = _outbox_rows(notices_due(session, as_of, working_days), staff, now)
        queued = 0
        for start in range(0, len(rows), 1000):
            inserted = session.execute(
                _insert_ignoring_duplicates(dialect, OUTBOX).returning(OUTBOX.c.id),
                rows[start : start + 1000],
            )
            queued += len(inserted.all())
        chasers = queue_advice_chasers(
            session=session, as_of=as_of, clock=clock, working_days=working_days, council=council
        )
        session.add(
            SweepRun(
                as_of=as_of,
                runner=runner,
                ran_at=now,
                breaches_logged=logged,
                notifications_queued=queued,
            )
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return SweepResult(
        as_of=as_of,
        breaches_logged=logged,
        notifications_queued=queued,
        chaser_letters=len(chasers),
    )


# -- delivery --------------------------------------------------------------------


def claim_next(
    *, session: Session, claimant: str, after: int, clock: Clock
) -> OutboxMessage | None:
    """Claim the oldest queued notification after id `after` that is not sent, not given
    up on and not claimed by a live run; None when there is none. Commits.

    The claim is one UPDATE of one row, committed before anything is sent, so a second
    run at once never gets the same row: PostgreSQL locks the row and other runs skip it
    (FOR UPDATE SKIP LOCKED), SQLite runs one writer at a time (BEGIN IMMEDIATE). A claim
    older than CLAIM_TIMEOUT belongs to a run that died mid-send and may be taken over.
    """
    now = clock()
    dialect = session.get_bind().dialect.name
    oldest = (
        sa.select(OUT.id)
        .where(
            OUT.sent_at.is_(None),
            OUT.attempts < MAX_ATTEMPTS,
            OUT.id > after,
            sa.or_(OUT.claimed_at.is_(None), OUT.claimed_at < now - CLAIM_TIMEOUT),
        )
        .order_by(OUT.id)
        .limit(1)
    )
    if dialect == "postgresql":
        oldest = oldest.with_for_update(skip_locked=True)
    try:
        claimed = session.execute(
            sa.update(OUTBOX)
            .where(OUT.id == oldest.scalar_subquery())
            .values(claimed_by=claimant, claimed_at=now)
            .returning(OUT.id)
        ).scalar_one_or_none()
        message = session.get(OutboxMessage, claimed) if claimed is not None else None
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return message


def release(*, session: Session, message_id: int, claimant: str) -> None:
    """Give back a claim whose send did not finish (the run is stopping). Commits."""
    session.execute(
        sa.update(OUTBOX)
        .where(OUT.id == message_id, OUT.claimed_by == claimant, OUT.sent_at.is_(None))
        .values(claimed_by=None, claimed_at=None)
    )
    session.commit()


def mark_sent(*, session: Session, message_id: int, channel: str, clock: Clock) -> None:
    """Record that a message has left (by email or the log). Commits."""
    session.execute(
        sa.update(OUTBOX)
        .where(OUT.id == message_id, OUT.sent_at.is_(None))
        .values(sent_at=clock(), channel=channel, attempts=OUT.attempts + 1, last_error=None)
    )
    session.commit()


def mark_failed(*, session: Session, message_id: int, error: str) -> None:
    """Record a failed attempt and give back the claim; the next sweep tries again.
    Commits."""
    session.execute(
        sa.update(OUTBOX)
        .where(OUT.id == message_id)
        .values(attempts=OUT.attempts + 1, last_error=error[:500], claimed_by=None, claimed_at=None)
    )
    session.commit()


def mark_refused(*, session: Session, message_id: int, reason: str) -> None:
    """A notification that must not be sent as it stands (a bad stored value, a domain
    not allowed): given up on at once, as retrying cannot mend it. Commits."""
    session.execute(
        sa.update(OUTBOX)
        .where(OUT.id == message_id)
        .values(attempts=MAX_ATTEMPTS, last_error=reason[:500], claimed_by=None, claimed_at=None)
    )
    session.commit()


def case_reference(*, session: Session, case_id: int) -> str:
    found = session.execute(
        sa.select(col(Case.reference)).where(col(Case.id) == case_id)
    ).scalar_one()
    session.commit()
    return str(found)


def admin_emails(*, session: Session) -> list[str]:
    """The email addresses of the active admin accounts."""
    found = session.execute(
        sa.select(col(User.email))
        .where(col(User.role) == "admin", col(User.active).is_(True))
        .order_by(col(User.email))
    ).scalars()
    emails = [str(e) for e in found]
    session.commit()
    return emails


def swept(*, session: Session, as_of: date) -> bool:
    """Has a sweep for this day finished?"""
    found = session.execute(
        sa.select(sa.func.count()).select_from(SweepRun).where(col(SweepRun.as_of) == as_of)
    ).scalar_one()
    session.commit()
    return bool(found)
