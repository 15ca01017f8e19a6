"""`ehc db ...`: create or upgrade the database, recompute stored deadlines."""

from __future__ import annotations

import typer

from cli.common import user_errors
from cli.context import config, session_scope
from workflow import migrate, service
from workflow.clock import system_clock
from workflow.db import make_engine

app = typer.Typer(help="Create or upgrade the database.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Apply every migration (creates the database on first use)."""
    eng = make_engine(config().database_url)
    migrate.upgrade(eng)
    typer.echo(f"Database is at revision {migrate.current(eng)}")
    eng.dispose()


@app.command("refresh-deadlines")
def refresh_deadlines(
    twenty_week_days: int | None = typer.Option(None, "--twenty-week-days"),
    phase_transfer_rule: str | None = typer.Option(None, "--phase-transfer-rule"),
) -> None:
    """Recompute every case's stored deadlines, after changing a setting."""
    cfg = config()
    with user_errors(), session_scope(cfg) as session:
        count = service.refresh_all_deadlines(
            session=session,
            clock=system_clock,
            settings=cfg.clock_settings(twenty_week_days, phase_transfer_rule),
            working_days=cfg.working_days,
        )
    typer.echo(f"Recomputed the deadlines of {count} cases")
