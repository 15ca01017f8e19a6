"""`ehc scheduler` (the long-running process) and `ehc sweep` (one sweep, for cron)."""

from __future__ import annotations

import typer

from cli.common import parse_day, user_errors
from cli.context import config, database_url
from scheduler import jobs, process
from workflow.logs import configure_logging


def scheduler(
    standby_poll_seconds: float | None = typer.Option(
        None,
        "--standby-poll-seconds",
        help="How often a standby tries to take over (default 15, or "
        "EHC_SCHEDULER_STANDBY_POLL_SECONDS)",
    ),
) -> None:
    """Run the scheduler: the daily 06:00 sweep and the monthly KPI export.

    Run one on each server: one is active, the others wait as standbys.
    """
    cfg = config()
    database_url(cfg)  # none configured and no ehc.db here: exit 2, create nothing
    with user_errors():
        code = process.main(cfg, poll=standby_poll_seconds)
    raise typer.Exit(code)


def sweep(
    as_of: str | None = typer.Option(None, "--as-of", help="YYYY-MM-DD; default today"),
) -> None:
    """Run the daily sweep once: log new breaches, queue and send notifications."""
    day = parse_day(as_of, "--as-of")
    cfg = config()
    configure_logging(cfg.log_format)
    database_url(cfg)  # none configured and no ehc.db here: exit 2, create nothing
    with user_errors():
        report = jobs.sweep_from_config(cfg, day)
    typer.echo(
        f"Sweep as of {report.as_of.isoformat()}: {report.breaches_logged} new breaches logged, "
        f"{report.notifications_queued} notifications queued, {report.notifications_sent} sent"
        + (f", {report.notifications_failed} failed" if report.notifications_failed else "")
        + f"; {report.chaser_letters} advice reminder or chaser letters"
    )
