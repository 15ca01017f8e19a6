"""The scheduler's parts in-process: leader locks, registered jobs, the KPI month job."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from scheduler import jobs, process
from tests.wiring import configured
from workflow.db import make_engine
from workflow.errors import InvalidInput
from workflow.law.calendar import WorkingDays


def test_only_one_lock_holder_on_either_engine(db_url: str) -> None:
    first, second = process.leader_lock(db_url), process.leader_lock(db_url)
    try:
        assert first.try_acquire()
        assert first.still_held()
        assert not second.try_acquire()
        assert not second.try_acquire()  # trying again does not steal it
        first.release()
        assert second.try_acquire()
        assert not first.try_acquire()
    finally:
        first.release()
        second.release()


def test_a_leader_that_lost_its_connection_knows_it(postgres_url: str) -> None:
    lock = process.PostgresLock(postgres_url)
    other = process.PostgresLock(postgres_url)
    admin = make_engine(postgres_url)
    try:
        assert lock.try_acquire()
        with admin.connect() as conn:  # the database restarts, a DBA kills the session...
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = 'ehc-scheduler' AND pid <> pg_backend_pid() "
                    "AND datname = current_database()"
                )
            )
        assert not lock.still_held()  # ...so it steps down
        assert other.try_acquire()
    finally:
        lock.release()
        other.release()
        admin.dispose()


def test_a_removed_lock_file_means_stepping_down(sqlite_url: str) -> None:
    lock = process.leader_lock(sqlite_url)
    assert isinstance(lock, process.FileLock)
    try:
        assert lock.try_acquire() and lock.still_held()
        assert lock.path.read_text().strip() == jobs.runner_name()
        os.unlink(lock.path)
        assert not lock.still_held()
    finally:
        lock.release()


def test_unsupported_databases_are_refused() -> None:
    with pytest.raises(InvalidInput, match="not :memory:"):
        process.leader_lock("sqlite://")
    with pytest.raises(InvalidInput, match="not mysql"):
        process.leader_lock("mysql://x@localhost/ehc")


def _jobs(url: str) -> dict[str, object]:
    scheduler = process.build_scheduler(configured(database_url=url))
    return {job.id: job for job in scheduler.get_jobs()}


def test_jobs_are_registered_as_the_issue_asks(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EHC_SWEEP_AT", raising=False)
    found = _jobs(sqlite_url)
    sweep = found["daily_sweep"]
    assert sweep.func_ref == "scheduler.jobs:daily_sweep"  # type: ignore[attr-defined]
    assert str(sweep.trigger) == "cron[hour='6', minute='0']"  # type: ignore[attr-defined]
    assert str(sweep.trigger.timezone) == "Europe/London"  # type: ignore[attr-defined]
    assert sweep.coalesce and sweep.misfire_grace_time == 6 * 3600  # type: ignore[attr-defined]
    kpi = found["monthly_kpi_export"]
    assert kpi.func_ref == "scheduler.jobs:monthly_kpi_export"  # type: ignore[attr-defined]
    assert "day='1-7'" in str(kpi.trigger) and "day_of_week='mon-fri'" in str(kpi.trigger)  # type: ignore[attr-defined]


def test_the_sweep_runs_at_the_configured_time(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EHC_SWEEP_AT", "07:30")
    sweep = _jobs(sqlite_url)["daily_sweep"]
    assert str(sweep.trigger) == "cron[hour='7', minute='30']"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "month, first",
    [
        (date(2026, 6, 1), date(2026, 6, 1)),  # Mon
        (date(2026, 8, 1), date(2026, 8, 3)),  # Sat -> Mon
        (date(2027, 1, 1), date(2027, 1, 4)),  # Fri New Year's Day -> Mon
        (date(2028, 5, 1), date(2028, 5, 2)),  # Mon early May bank holiday -> Tue
    ],
)
def test_first_working_day_of_the_month(month: date, first: date) -> None:
    assert jobs.first_working_day_of_month(month, WorkingDays()) == first


def test_the_monthly_job_exports_on_the_first_working_day_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[date] = []
    monkeypatch.setattr(jobs, "monthly_export", lambda *, config, as_of: calls.append(as_of))
    today = [date(2026, 8, 3)]
    monkeypatch.setattr(jobs, "today_in_england", lambda _clock: today[0])
    jobs.monthly_kpi_export()
    today[0] = date(2026, 8, 4)
    jobs.monthly_kpi_export()
    assert calls == [date(2026, 8, 3)]


def test_lock_file_sits_beside_the_database(sqlite_url: str) -> None:
    lock = process.leader_lock(sqlite_url)
    assert isinstance(lock, process.FileLock)
    assert lock.path == Path(
        f"{Path(make_url(sqlite_url).database or '').resolve()}.scheduler.lock"
    )
