"""`ehc db ...`: create or upgrade the database, recompute stored deadlines."""

from __future__ import annotations

import typer

from cli.common import user_errors
from cli.context import engine, session_scope
from workflow import migrate, service
from workflow.clock import system_clock
from workflow.config import clock_settings, working_days

app = typer.Typer(help="Create or upgrade the database.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Apply every migration (creates the database on first use)."""
    eng = engine()
    migrate.upgrade(eng)
    typer.echo(f"Database is at revision {migrate.current(eng)}")
    eng.dispose()


@app.command("refresh-deadlines")
def refresh_deadlines(
    twenty_week_days: int | None = typer.Option(None, "--twenty-week-days"),
    phase_transfer_rule: str | None = typer.Option(None, "--phase-transfer-rule"),
) -> None:
    """Recompute every case's stored deadlines, after changing a setting."""
    with user_errors(), session_scope() as session:
        count = service.refresh_all_deadlines(
            session=session,
            clock=system_clock,
            settings=clock_settings(twenty_week_days, phase_transfer_rule),
            working_days=working_days(),
        )
    typer.echo(f"Recomputed the deadlines of {count} cases")
