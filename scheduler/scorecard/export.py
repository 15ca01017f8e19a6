"""The monthly KPI export: last month's scorecard, in every format, into the exports folder.

Run by the scheduler's monthly job (`scheduler.jobs.monthly_kpi_export`) on the first
working day of each month. "Last month's scorecard" is the 12 months to the end of
the month before `as_of` (so each chart has its trend), written as

    <exports_dir>/kpi-scorecard-YYYY-MM.json, .csv, .xlsx and .html

where YYYY-MM is the last month. The job is idempotent: the writers are
deterministic, each file is replaced atomically (written beside it, then renamed),
and a file whose bytes would not change is left alone. Re-running it, or running it
twice at once, gives the same files.
"""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import date
from pathlib import Path

from scheduler.scorecard.compute import compute_scorecard
from scheduler.scorecard.formats import FORMATS, render
from scheduler.scorecard.months import Month
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


def monthly_export(*, config: Config, as_of: date) -> list[Path]:
    """Write last month's scorecard in every format to `config.exports_dir`; return the
    files' paths."""
    first, last = export_months(as_of)
    engine = make_engine(config.database_url)
    try:
        with new_session(engine) as session:
            card = compute_scorecard(
                session, first=first, last=last, settings=config.clock_settings()
            )
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
