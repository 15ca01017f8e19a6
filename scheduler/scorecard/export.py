"""The monthly KPI export: last month's scorecard, in every format, into the exports folder.

Run by the scheduler's monthly job (`scheduler.jobs.monthly_kpi_export`) on the first
working day of each month. "Last month's scorecard" is the 12 months to the end of
the month before `as_of` (so each chart has its trend), written as

    <exports_dir>/kpi-scorecard-YYYY-MM.json, .csv, .xlsx and .html

where YYYY-MM is the last month. The first run for a month also publishes it: that
month's figures are stored (`publications.publish`, one row the database keeps as it is,
in one transaction of its own: the job writes nothing else to the database). A later run
for the month, or one racing it, publishes nothing and says so; its files show any
published figure revised since. The job is idempotent: the writers are deterministic,
each file is replaced atomically (written beside it, then renamed),
and a file whose bytes would not change is left alone. Re-running it, or running it
twice at once, gives the same files.
"""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import date
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from scheduler.scorecard.compute import compute_scorecard
from scheduler.scorecard.formats import FORMATS, render
from scheduler.scorecard.months import Month
from scheduler.scorecard.publications import attach_revisions, publish
from workflow.clock import Clock, system_clock
from workflow.config import Config
from workflow.db import make_engine, new_session

log = logging.getLogger(__name__)
MONTHS_SHOWN = 12


def export_months(as_of: date) -> tuple[Month, Month]:
    """The first and last month of the scorecard exported on `as_of`."""
    last = Month.of(as_of).previous()
    first = last
    for _ in range(MONTHS_SHOWN - 1):
        first = first.previous()
    return first, last


def write_atomically(path: Path, data: bytes) -> bool:
    """Replace `path` with `data` in one step; False (and no write) if it already holds it."""
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return True


PUBLISHER = "monthly KPI export"


def monthly_export(
    *, config: Config, as_of: date, clock: Clock = system_clock, by: str = PUBLISHER
) -> list[Path]:
    """Publish last month's scorecard (the first time) and write it in every format to
    `config.exports_dir`; return the files' paths."""
    first, last = export_months(as_of)
    engine = make_engine(config.database_url)
    try:
        with new_session(engine) as session:
            card = compute_scorecard(
                session, first=first, last=last, settings=config.clock_settings()
            )
            try:
                stored = publish(session, card, month=last, as_of=as_of, at=clock(), by=by)
                session.commit()
            except IntegrityError:  # another run published it first (the unique month)
                session.rollback()
                stored = None
            if stored is None:
                log.info("KPI scorecard for %s was already published: not published again", last)
            else:
                log.info("KPI scorecard for %s published", last)
            attach_revisions(session, card, working_days=config.working_days)
    finally:
        engine.dispose()
    folder = config.exports_dir
    written: list[Path] = []
    for fmt in FORMATS:
        path = folder / f"kpi-scorecard-{last}.{fmt}"
        changed = write_atomically(path, render(card, fmt))
        log.info("KPI export %s: %s", "written" if changed else "unchanged", path)
        written.append(path)
    return written
