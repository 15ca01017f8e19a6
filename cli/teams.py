"""`ehc teams`: the council's teams, which cases and officers belong to."""

from __future__ import annotations

import typer

from cli.common import user_errors
from cli.context import config, default_actor, session_scope

app = typer.Typer(help="The council's teams.", no_args_is_help=True)


@app.command("add")
def add(name: str = typer.Argument(..., help="The team's name, as it should be shown")) -> None:
    """Add a team. A name that differs from a team's only in case or spaces is refused."""
    from workflow import teams
    from workflow.clock import system_clock

    cfg = config()
    with user_errors(), session_scope(cfg) as session:
        team = teams.add_team(
            session=session, name=name, actor=default_actor(cfg), clock=system_clock
        )
    typer.echo(f"Added the team {team.name}")


@app.command("list")
def list_teams() -> None:
    """List the teams, with how many cases and users each has."""
    from workflow import teams

    cfg = config()
    with session_scope(cfg) as session:
        rows = teams.team_counts(session)
    if not rows:
        typer.echo("There are no teams yet: add one with `ehc teams add NAME`")
    for row in rows:
        state = "" if row.active else "  (closed)"
        typer.echo(f"{row.name:30} {row.cases:6} cases {row.users:4} users{state}")
