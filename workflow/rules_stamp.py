"""Which rules the stored deadlines were computed under, so an upgrade can tell when
they are out of date.

Stored deadlines are derived from the events by the rules of one version of the spec
(`workflow.law.deadlines.RULES_VERSION`) and two settings (the 20-week reading and the
phase transfer rule). When the engine's rules change (spec v3 corrected several v2
rules and added duties), or a council changes a setting, every stored deadline must be
recomputed, or the breach queue and the KPIs would go on reading the old rules. The
stamp is one row, written whenever every case's deadlines have been recomputed (or when
the database has no cases yet); `ehc db upgrade` compares it with the running engine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel

from workflow import service
from workflow.clock import Clock
from workflow.law.calendar import WorkingDays
from workflow.law.deadlines import RULES_VERSION, Settings
from workflow.models import Case, UtcDateTime


class DeadlineRules(SQLModel, table=True):
    """The rules every stored deadline was last computed under (one row; migration 0011)."""

    __tablename__ = "deadline_rules"

    id: int = Field(default=1, primary_key=True)
    rules_version: int
    twenty_week_days: int
    phase_transfer_rule: str = Field(max_length=10)
    computed_at: dt.datetime = Field(sa_column=sa.Column(UtcDateTime(), nullable=False))


@dataclass(frozen=True)
class Staleness:
    """Why the stored deadlines need recomputing, in words for the admin."""

    reason: str


def _stamp(session: Session) -> DeadlineRules | None:
    return session.get(DeadlineRules, 1)


def staleness(session: Session, settings: Settings) -> Staleness | None:
    """Why the stored deadlines are not those of these rules and settings, or None."""
    stamp = _stamp(session)
    if stamp is None:
        if session.exec(sa.select(Case.id).limit(1)).first() is None:  # type: ignore[call-overload]
            return None  # nothing stored yet
        return Staleness("they were computed by an engine older than the v3 rules")
    if stamp.rules_version != RULES_VERSION:
        return Staleness(
            f"they were computed under the v{stamp.rules_version} rules, not v{RULES_VERSION}"
        )
    changed = [
        f"{name} was {old}, is now {new}"
        for name, old, new in (
            ("twenty_week_days", stamp.twenty_week_days, settings.twenty_week_days),
            ("phase_transfer_rule", stamp.phase_transfer_rule, settings.phase_transfer_rule),
        )
        if old != new
    ]
    if changed:
        return Staleness("the settings changed since they were computed: " + "; ".join(changed))
    return None


def record(session: Session, settings: Settings, now: dt.datetime) -> None:
    """Say every stored deadline is now computed under these rules and settings (the
    caller commits, after recomputing them)."""
    stamp = _stamp(session) or DeadlineRules(
        rules_version=RULES_VERSION,
        twenty_week_days=settings.twenty_week_days,
        phase_transfer_rule=settings.phase_transfer_rule,
        computed_at=now,
    )
    stamp.rules_version = RULES_VERSION
    stamp.twenty_week_days = settings.twenty_week_days
    stamp.phase_transfer_rule = settings.phase_transfer_rule
    stamp.computed_at = now
    session.add(stamp)


def refresh(
    *, session: Session, clock: Clock, settings: Settings, working_days: WorkingDays | None
) -> int:
    """Recompute every case's stored deadlines and stamp them with these rules and
    settings; returns the number of cases. The stamp goes in its own transaction after
    the recomputation: if the process stops between the two, the next upgrade simply
    recomputes again."""
    count = service.refresh_all_deadlines(
        session=session, clock=clock, settings=settings, working_days=working_days
    )
    record(session, settings, clock())
    session.commit()
    return count


def bring_up_to_date(
    *, session: Session, clock: Clock, settings: Settings, working_days: WorkingDays | None
) -> tuple[Staleness | None, int]:
    """After an upgrade: recompute the stored deadlines if they are stale (returning why,
    and how many cases), else only stamp a database that has no cases yet."""
    stale = staleness(session, settings)
    if stale is None:
        if _stamp(session) is None:
            record(session, settings, clock())
            session.commit()
        return None, 0
    return stale, refresh(
        session=session, clock=clock, settings=settings, working_days=working_days
    )
