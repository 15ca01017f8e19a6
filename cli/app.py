"""The `ehc` application: one typer app, each command group in its own module."""

from __future__ import annotations

import typer
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from cli import cases, data, db, demo, teams, users
from cli import letters as letters_cli
from cli import scheduler as scheduler_cli
from cli.breaches import breaches
from cli.corrections import corrections
from cli.deadlines import deadlines
from cli.kpi import kpi
from cli.sar import sar
from cli.serve import serve
from workflow.config import load_config
from workflow.errors import EXIT_FAULT

app = typer.Typer(
    name="ehc",
    help="EHC needs-assessment statutory workflow engine.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        typer.echo(f"ehc {version('ehc-engine')}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit"
    ),
) -> None:
    """EHC needs-assessment statutory workflow engine."""


app.add_typer(db.app, name="db")
app.add_typer(cases.app, name="case")
app.add_typer(data.import_app, name="import")
app.add_typer(letters_cli.app, name="letters")
app.add_typer(data.export_app, name="export")
app.add_typer(demo.app, name="demo")
app.add_typer(users.app, name="users")
app.add_typer(teams.app, name="teams")
app.command("summary")(demo.summary)
app.command("deadlines")(deadlines)
app.command("kpi")(kpi)
app.command("breaches")(breaches)
app.command("corrections")(corrections)
app.command("scheduler")(scheduler_cli.scheduler)
app.command("sweep")(scheduler_cli.sweep)
app.command("serve")(serve)
app.command("backup")(db.backup)
app.command("restore")(db.restore)
app.command("sar")(sar)


def main() -> None:
    try:
        app()
    except sa_exc.OperationalError as e:
        # A fault, not bad input: exit 1, one readable line (no SQL parameters echoed).
        url = make_url(load_config().database_url).render_as_string(hide_password=True)
        hint = ""
        if "no such table" in str(e.orig) or "does not exist" in str(e.orig):
            hint = " (create it with `ehc db upgrade`)"
        typer.echo(f"Cannot use the database at {url}: {e.orig}{hint}", err=True)
        raise SystemExit(EXIT_FAULT) from None
