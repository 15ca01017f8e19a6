"""The `ehc` application: one typer app, each command group in its own module."""

from __future__ import annotations

import typer

from workflow.cli import cases, data, db, demo
from workflow.cli.deadlines import deadlines

app = typer.Typer(
    name="ehc",
    help="EHC needs-assessment statutory workflow engine.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """EHC needs-assessment statutory workflow engine."""


app.add_typer(db.app, name="db")
app.add_typer(cases.app, name="case")
app.add_typer(data.import_app, name="import")
app.add_typer(data.export_app, name="export")
app.add_typer(demo.app, name="demo")
app.command("summary")(demo.summary)
app.command("deadlines")(deadlines)


def main() -> None:
    app()
