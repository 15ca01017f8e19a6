"""`ehc demo load` and `ehc summary`: a synthetic cohort to try the engine on."""

from __future__ import annotations

import json

import typer

from workflow import cohort, service
from workflow.cli.common import today, user_errors
from workflow.cli.context import session_scope
from workflow.config import clock_settings, working_days

app = typer.Typer(help="Load demonstration data.", no_args_is_help=True)


@app.command("load")
def load(
    cases: int = typer.Option(300, "--cases", help="How many synthetic cases"),
    seed: int = typer.Option(2024, "--seed"),
) -> None:
    """Load a synthetic cohort whose stories run up to today (once: skipped if cases exist)."""
    with user_errors(), session_scope() as session:
        if sum(service.cases_by_state(session=session).values()):
            typer.echo("The database already holds cases: demo data not loaded again")
            return
        lines = cohort.generate(cases, end=today(), seed=seed, prefix="DEMO")
        summary = service.import_events(
            session=session,
            lines=(json.dumps(line) for line in lines),
            actor="demo",
            clock=service.system_clock,
            settings=clock_settings(),
            working_days=working_days(),
        )
    typer.echo(f"Loaded {summary.cases_created} demo cases ({summary.events} events)")


def summary() -> None:
    """How many cases are in each state."""
    with session_scope() as session:
        counts = service.cases_by_state(session=session)
    total = sum(counts.values())
    typer.echo(f"{total} cases")
    for state, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        typer.echo(f"  {state:15} {n:6}")
