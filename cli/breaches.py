"""`ehc breaches`: the breach queue, overdue work first (a table, JSON or CSV)."""

from __future__ import annotations

import json

import typer

from cli.common import fail, parse_day, today, user_errors
from cli.context import config, session_scope
from scheduler.breach_formats import render_csv, render_table
from scheduler.breaches import DEFAULT_DUE_WITHIN_DAYS, Filters, breach_queue, queue_json


def breaches(
    as_of: str | None = typer.Option(None, "--as-of", help="YYYY-MM-DD; default today"),
    team: str | None = typer.Option(None, "--team", help="Only this team's cases"),
    officer: str | None = typer.Option(None, "--officer", help="Only this officer's cases"),
    kind: str | None = typer.Option(None, "--kind", help="Only this deadline kind"),
    due_within: int = typer.Option(
        DEFAULT_DUE_WITHIN_DAYS, "--due-within", help="Also list deadlines due within DAYS"
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON"),
    as_csv: bool = typer.Option(False, "--csv", help="Print CSV"),
) -> None:
    """List overdue deadlines, most days late first, then those due soon."""
    cfg = config()
    if as_json and as_csv:
        fail("Select one of --json or --csv, not both")
    day = parse_day(as_of, "--as-of") or today()
    with user_errors():
        filters = Filters(team=team, officer=officer, kind=kind, due_within=due_within)
        with session_scope(cfg) as session:
            items = breach_queue(session=session, as_of=day, filters=filters)
    if as_json:
        typer.echo(json.dumps(queue_json(day, items), indent=1))
    elif as_csv:
        typer.echo(render_csv(items), nl=False)
    else:
        typer.echo(f"Breach queue as of {day.isoformat()}\n")
        typer.echo(render_table(items), nl=False)
