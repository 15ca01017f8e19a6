"""Is the service ready to do its work? What `/ready` answers, for alarms.

`/health` says only that a web worker answers. `/ready` also checks that the database
answers and is at the newest migration, that a scheduler is active (its heartbeat,
written every minute while it holds the scheduler lock, is recent) and that the daily
sweep, which logs breaches and sends the alerts officers rely on, has completed within
26 hours. When the sweep is older than that the admins are emailed, once per occurrence:
the `health_alerts` row, unique by kind, lets one web worker win the right to send it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from scheduler.tables import HealthAlert, SchedulerHeartbeat, SweepRun

SWEEP_STALE = "sweep_stale"  # the health_alerts kind for a daily sweep too long ago


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


@dataclass(frozen=True)
class Readiness:
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def failed(self, name: str) -> bool:
        return any(c.name == name and not c.ok for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {
            "status": "ready" if self.ok else "not ready",
            "checks": [c.to_json() for c in self.checks],
        }


def beat(session: Session, *, runner: str, now: datetime) -> None:
    """Record that `runner`, the active scheduler, is alive (its own row, so two
    schedulers never write the same row)."""
    updated = session.execute(
        sa.update(SchedulerHeartbeat)
        .where(col(SchedulerHeartbeat.runner) == runner)
        .values(beat_at=now)
    )
    if updated.rowcount == 0:  # type: ignore[attr-defined]
        session.add(SchedulerHeartbeat(runner=runner, beat_at=now))
    session.commit()


def _age(then: datetime | None, now: datetime) -> str:
    if then is None:
        return "never"
    minutes = int((now - then).total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} minute{'' if minutes == 1 else 's'} ago"
    return f"{minutes // 60} hours ago"


def readiness(
    session: Session,
    *,
    now: datetime,
    current_revision: str | None,
    head_revision: str | None,
    heartbeat_max_age: timedelta,
    sweep_max_age: timedelta,
) -> Readiness:
    """Every check, as of `now` (the caller has read the migration revisions)."""
    beat_at = _aware(session.exec(select(sa.func.max(SchedulerHeartbeat.beat_at))).one())
    swept_at = _aware(session.exec(select(sa.func.max(SweepRun.ran_at))).one())
    session.commit()
    migrated = current_revision == head_revision
    return Readiness(
        (
            Check("database", True, "answers"),
            Check(
                "migrations",
                migrated,
                f"at {current_revision}"
                if migrated
                else f"at {current_revision}, not {head_revision}: run ehc db upgrade",
            ),
            Check(
                "scheduler",
                beat_at is not None and now - beat_at <= heartbeat_max_age,
                f"last heartbeat {_age(beat_at, now)}",
            ),
            Check(
                "daily_sweep",
                swept_at is not None and now - swept_at <= sweep_max_age,
                f"last completed {_age(swept_at, now)}",
            ),
        )
    )


def _aware(value: Any) -> datetime | None:
    """max() over a UtcDateTime column comes back as the driver gives it: on SQLite a
    naive datetime (or its text), in UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value if isinstance(value, datetime) else None


def raise_alert_once(session: Session, *, kind: str, now: datetime) -> bool:
    """True for the one caller that raises `kind` while it lasts (it sends the email)."""
    session.add(HealthAlert(kind=kind, raised_at=now))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


def clear_alert(session: Session, *, kind: str) -> None:
    """The problem is over: the next occurrence is emailed again."""
    session.execute(sa.delete(HealthAlert).where(col(HealthAlert.kind) == kind))
    session.commit()
