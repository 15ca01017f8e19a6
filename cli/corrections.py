"""`ehc corrections`: every void and correction, what it changed (the managers' report).

ehc corrections [--team T] [--officer O] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json|--csv]
"""

from __future__ import annotations

import json

import typer

from cli.common import fail, parse_day, user_errors
from cli.context import config, session_scope
from scheduler.corrections_report import ReportFilters, corrections_report, render_csv


def corrections(
    team: str | None = typer.Option(None, "--team", help="Only this team's cases"),
    officer: str | None = typer.Option(None, "--officer", help="Only this officer's cases"),
    made_from: str | None = typer.Option(None, "--from", help="Made on or after YYYY-MM-DD"),
    made_to: str | None = typer.Option(None, "--to", help="Made on or before YYYY-MM-DD"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON"),
    as_csv: bool = typer.Option(False, "--csv", help="Print CSV"),
) -> None:
    """List voids and corrections, newest first: who, when, the case and event, the reason,
    the deadlines and breaches they changed and the published KPI figures they revised."""
    cfg = config()
    if as_json and as_csv:
        fail("Select one of --json or --csv, not both")
    first, last = parse_day(made_from, "--from"), parse_day(made_to, "--to")
    if first and last and last < first:
        fail(f"--to ({last.isoformat()}) must not be before --from ({first.isoformat()})")
    with user_errors(), session_scope(cfg) as session:
        rows = corrections_report(
            session,
            settings=cfg.clock_settings(),
            working_days=cfg.working_days,
            filters=ReportFilters(team=team, officer=officer, made_from=first, made_to=last),
        )
    if as_json:
        typer.echo(json.dumps({"corrections": [r.to_json() for r in rows]}, indent=1))
        return
    if as_csv:
        typer.echo(render_csv(rows), nl=False)
        return
    if not rows:
        typer.echo("No voids or corrections match.")
        return
    for r in rows:
        e = r.effect
        what = "Corrected" if e.replaced_by is not None else "Voided"
        moved = f" to {e.corrected_date.isoformat()}" if e.corrected_date else ""
        typer.echo(
            f"{e.voided_at:%Y-%m-%d %H:%M} UTC  {e.case_ref}  (team {e.team or '-'}, "
            f"officer {e.officer or '-'})\n  {what} event {e.sequence} {e.event_type} "
            f"{e.event_date.isoformat()}{moved} by {e.voided_by}: {e.reason}"
        )
        for d in r.deadlines:
            typer.echo(f"  deadline {d.text()}")
        for f in r.revised:
            typer.echo(f"  revised {f.text()}")
