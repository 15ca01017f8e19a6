"""`ehc db ...`: create or upgrade the database, recompute stored deadlines; and
`ehc backup FILE` / `ehc restore FILE` (workflow.backup)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from sqlalchemy.engine import make_url

from cli.common import fail, user_errors
from cli.context import config, session_scope
from workflow import backup as backups
from workflow import migrate, rules_stamp
from workflow.clock import system_clock
from workflow.db import make_engine
from workflow.law.deadlines import RULES_VERSION

app = typer.Typer(help="Create or upgrade the database.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Apply every migration (creates the database on first use), then recompute the
    stored deadlines if they were computed under older rules or other settings."""
    cfg = config()
    eng = make_engine(cfg.database_url)
    migrate.upgrade(eng)
    typer.echo(f"Database is at revision {migrate.current(eng)}")
    eng.dispose()
    with user_errors(), session_scope(cfg) as session:
        stale, count = rules_stamp.bring_up_to_date(
            session=session,
            clock=system_clock,
            settings=cfg.clock_settings(),
            working_days=cfg.working_days,
        )
    if stale is not None:
        typer.echo(
            f"Recomputed the stored deadlines of {_cases(count)} under the "
            f"v{RULES_VERSION} rules: {stale.reason}"
        )


@app.command("refresh-deadlines")
def refresh_deadlines(
    twenty_week_days: int | None = typer.Option(None, "--twenty-week-days"),
    phase_transfer_rule: str | None = typer.Option(None, "--phase-transfer-rule"),
) -> None:
    """Recompute every case's stored deadlines, after changing a setting."""
    cfg = config()
    with user_errors(), session_scope(cfg) as session:
        count = rules_stamp.refresh(
            session=session,
            clock=system_clock,
            settings=cfg.clock_settings(twenty_week_days, phase_transfer_rule),
            working_days=cfg.working_days,
        )
    typer.echo(f"Recomputed the deadlines of {_cases(count)}")


def _cases(count: int) -> str:
    return f"{count:,} case" if count == 1 else f"{count:,} cases"


def backup(
    file: Path = typer.Argument(..., help="The file to write the backup to"),
) -> None:
    """Back up the whole database to FILE (SQLite: online backup; PostgreSQL: pg_dump)."""
    url = config().database_url
    with user_errors():
        kind = backups.backup(url, file)
    size = file.stat().st_size
    typer.echo(f"Backed up the {_NAMES[kind]} database to {file} ({size:,} bytes)")


def restore(
    file: Path = typer.Argument(..., help="A file written by `ehc backup`"),
    yes: bool = typer.Option(False, "--yes", help="Do not ask before replacing the data"),
) -> None:
    """Replace everything in the database with the backup in FILE."""
    cfg = config()
    where = make_url(cfg.database_url).render_as_string(hide_password=True)
    if not yes:
        if not sys.stdin.isatty():
            fail(f"Restoring replaces every case, letter and account in {where}: add --yes")
        typer.confirm(f"Replace everything in {where} with {file}?", abort=True)
    with user_errors():
        backups.restore(cfg.database_url, file)
    eng = make_engine(cfg.database_url)
    try:
        revision = migrate.current(eng)
    finally:
        eng.dispose()
    typer.echo(f"Restored {where} from {file} (database revision {revision})")
    if revision != migrate.head():
        typer.echo(
            "The backup is from an older version of the engine: run `ehc db upgrade` "
            "before using it",
            err=True,
        )


_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
