"""The `ehc` application: one typer app, each command group in its own module.

It starts at once: `ehc --help` and `ehc --version` import typer and this module only. A
command's module (and what it uses: the service, SQLAlchemy, WeasyPrint, the web app...) is
imported when that command runs, not before: `COMMANDS` names each command's module and the
one line `ehc --help` shows for it (tests/cli/test_startup.py checks that line against the
command's own help, and that importing this module loads none of the heavy libraries).
"""

from __future__ import annotations

import importlib
import sys
from difflib import get_close_matches
from typing import NamedTuple

import typer
from typer import _click  # typer's own click, whose Command and Context its groups use
from typer.core import TyperCommand, TyperGroup


class Lazy(NamedTuple):
    module: str  # the module that defines the command
    attribute: str  # a command function, or a typer.Typer for a group of commands
    help: str  # the command's one line in `ehc --help`: the first paragraph of its help


# In the order `ehc --help` lists them.
COMMANDS: dict[str, Lazy] = {
    "summary": Lazy("cli.demo", "summary", "How many cases are in each state."),
    "deadlines": Lazy(
        "cli.deadlines",
        "deadlines",
        "Compute a case's statutory deadlines and windows from its events.",
    ),
    "kpi": Lazy(
        "cli.kpi",
        "kpi",
        "The SEND improvement plan's timeliness KPIs, month by month (or the DfE check).",
    ),
    "breaches": Lazy(
        "cli.breaches",
        "breaches",
        "List overdue deadlines, most days late first, then those due soon.",
    ),
    "corrections": Lazy(
        "cli.corrections",
        "corrections",
        "List voids and corrections, newest first: who, when, the case and event, the reason,\n"
        "the deadlines and breaches they changed and the published KPI figures they revised.",
    ),
    "scheduler": Lazy(
        "cli.scheduler",
        "scheduler",
        "Run the scheduler: the daily 06:00 sweep and the monthly KPI export.",
    ),
    "sweep": Lazy(
        "cli.scheduler",
        "sweep",
        "Run the daily sweep once: log new breaches, queue and send notifications.",
    ),
    "serve": Lazy(
        "cli.serve",
        "serve",
        "Serve the web app at http://HOST:PORT (and run the scheduler for a single machine).",
    ),
    "backup": Lazy(
        "cli.db",
        "backup",
        "Back up the whole database to FILE (SQLite: online backup; PostgreSQL: pg_dump).",
    ),
    "restore": Lazy(
        "cli.db", "restore", "Replace everything in the database with the backup in FILE."
    ),
    "sar": Lazy(
        "cli.sar",
        "sar",
        "Write everything held about a case's child to a zip, for a subject access request.",
    ),
    "retention": Lazy(
        "cli.retention",
        "app",
        "Which closed cases are due for erasure, and erasing their personal data.",
    ),
    "db": Lazy("cli.db", "app", "Create or upgrade the database."),
    "case": Lazy("cli.cases", "app", "Record events on a case and look at it."),
    "import": Lazy("cli.data", "import_app", "Import events from a JSONL file."),
    "letters": Lazy("cli.letters", "app", "A case's statutory letters."),
    "export": Lazy("cli.data", "export_app", "Export events as JSONL."),
    "demo": Lazy("cli.demo", "app", "Generate and load demonstration data."),
    "users": Lazy("cli.users", "app", "Staff accounts and API tokens."),
    "teams": Lazy("cli.teams", "app", "The council's teams."),
}


def load_command(name: str) -> _click.Command:
    """The command `name` as typer builds it: its module imported now."""
    lazy = COMMANDS[name]
    target = getattr(importlib.import_module(lazy.module), lazy.attribute)
    holder = typer.Typer()  # typer's defaults, as the root app's (it sets none of these)
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)
    else:
        holder.command(name)(target)
    return typer.main.get_group(holder).commands[name]


class LazyGroup(TyperGroup):
    """The root group: it lists every command from `COMMANDS` and imports a command's module
    only when that command is run (or its own help asked for)."""

    _listing = False

    def list_commands(self, ctx: _click.Context) -> list[str]:
        return [*COMMANDS, *(name for name in self.commands if name not in COMMANDS)]

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        if cmd_name in self.commands or cmd_name not in COMMANDS:
            return self.commands.get(cmd_name)
        if self._listing:  # `ehc --help`: its name and one line, nothing imported
            return TyperCommand(name=cmd_name, help=COMMANDS[cmd_name].help)
        self.commands[cmd_name] = load_command(cmd_name)
        return self.commands[cmd_name]

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def resolve_command(
        self, ctx: _click.Context, args: list[str]
    ) -> tuple[str | None, _click.Command | None, list[str]]:
        # typer suggests from the loaded commands; suggest from every command instead.
        try:
            return self._click_resolve_command(ctx, args)
        except _click.exceptions.UsageError as e:
            matches = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if self.suggest_commands and matches:
                suggestions = ", ".join(f"{m!r}" for m in matches)
                e.message = f"{e.message.rstrip('.')}. Did you mean {suggestions}?"
            raise


app = typer.Typer(
    name="ehc",
    cls=LazyGroup,
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


def main() -> None:
    try:
        app()
    except Exception as e:
        # SQLAlchemy is imported only by the commands that open the database.
        if "sqlalchemy" not in sys.modules:
            raise
        from sqlalchemy import exc as sa_exc

        if not isinstance(e, sa_exc.OperationalError):
            raise
        from sqlalchemy.engine import make_url

        from workflow.config import load_config
        from workflow.errors import EXIT_FAULT

        # A fault, not bad input: exit 1, one readable line (no SQL parameters echoed).
        url = make_url(load_config().database_url).render_as_string(hide_password=True)
        hint = ""
        if "no such table" in str(e.orig) or "does not exist" in str(e.orig):
            hint = " (create it with `ehc db upgrade`)"
        typer.echo(f"Cannot use the database at {url}: {e.orig}{hint}", err=True)
        raise SystemExit(EXIT_FAULT) from None
