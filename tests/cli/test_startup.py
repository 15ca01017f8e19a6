"""`ehc` starts at once: importing its entry module loads no heavy library, and the lazy
command list shows every command with its own help line (issue 21). No timings here:
bench/cli_startup.py measures them."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

import cli.app
from cli.app import COMMANDS, LazyGroup, app

ROOT = Path(__file__).resolve().parents[2]

# What a command imports when it runs, never the entry module: the web app, WeasyPrint,
# openpyxl, argon2 (its hash was computed at import), alembic, the service and its database.
HEAVY = (
    "fastapi",
    "starlette",
    "uvicorn",
    "web",
    "weasyprint",
    "openpyxl",
    "argon2",
    "alembic",
    "sqlalchemy",
    "sqlmodel",
    "psycopg",
    "workflow.service",
    "workflow.accounts",
    "letters",
    "scheduler",
    "bootstrap",
)


def _modules_after(code: str) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", f"{code}; import sys, json; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    return list(json.loads(out.stdout.splitlines()[-1]))


def _heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)]


def test_importing_the_entry_module_loads_nothing_heavy() -> None:
    modules = _modules_after("import cli.app")
    assert "cli.app" in modules
    assert _heavy(modules) == []
    # Nor any command's own module: each is imported when its command runs.
    assert sorted(m for m in modules if m.startswith("cli.")) == ["cli.app"]


def test_the_check_sees_a_heavy_import() -> None:
    """The check above can fail: a command's module does load the service."""
    assert "workflow.service" in _heavy(_modules_after("import cli.cases"))


def _ehc(*args: str) -> subprocess.CompletedProcess[str]:
    code = "import sys; from cli.app import main; sys.argv[0] = 'ehc'; main()"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )


def test_help_lists_every_command_with_its_line() -> None:
    shown = _ehc("--help")
    assert shown.returncode == 0, shown.stderr
    listed = [
        line.strip("│ ").split()[0]
        for line in shown.stdout.split("Commands")[1].splitlines()
        if line.startswith("│ ") and line[2] != " "
    ]
    assert listed == list(COMMANDS)
    for name, lazy in COMMANDS.items():
        assert lazy.help.split("\n")[0] in shown.stdout, name
    assert _ehc("--version").stdout.startswith("ehc ")


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_line_is_the_commands_own_help(name: str) -> None:
    """The line `ehc --help` shows without importing a command is the first paragraph of
    the help that command shows once loaded (so they cannot drift apart)."""
    group = typer.main.get_command(app)
    assert isinstance(group, LazyGroup)
    ctx = group.make_context("ehc", [name], resilient_parsing=True)
    command = group.get_command(ctx, name)
    assert command is not None and command.name == name
    helptext = command.short_help or command.help or ""
    assert inspect.cleandoc(helptext).split("\n\n")[0].strip() == COMMANDS[name].help


def test_an_unknown_command_is_refused_with_a_suggestion() -> None:
    refused = _ehc("breach")
    assert refused.returncode == 2
    assert "No such command 'breach'. Did you mean 'breaches'?" in refused.stderr


def test_a_database_fault_is_one_line() -> None:
    """main() still turns SQLAlchemy's OperationalError into one line and exit 1, with
    SQLAlchemy imported only by the command that opened the database."""
    assert cli.app.main.__module__ == "cli.app"
    env_db = "sqlite:////nonexistent-dir/for/ehc.db"
    code = "import sys; from cli.app import main; sys.argv[0] = 'ehc'; main()"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "EHC_DATABASE_URL": env_db}
    out = subprocess.run(
        [sys.executable, "-c", code, "breaches", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert out.returncode == 1, out.stderr
    assert out.stderr.startswith("Cannot use the database at sqlite:////nonexistent-dir")
    assert out.stderr.count("\n") == 1
