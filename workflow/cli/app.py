"""The `ehc` application: one typer app, each command group in its own module."""

from __future__ import annotations

import typer

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


app.command("deadlines")(deadlines)


def main() -> None:
    app()
