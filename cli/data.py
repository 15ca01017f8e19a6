"""`ehc import events` and `ehc export events` (JSONL, spec section 8; docs/import-export.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

import bootstrap
from cli.common import fail, user_errors
from cli.context import config, default_actor, session_scope
from workflow import read_audit, service
from workflow.clock import system_clock

import_app = typer.Typer(help="Import events from a JSONL file.", no_args_is_help=True)
export_app = typer.Typer(help="Export events as JSONL.", no_args_is_help=True)


@import_app.command("events")
def import_events(
    file: Path = typer.Argument(..., help="JSONL: one event a line, each with its case"),
    actor: str | None = typer.Option(None, "--actor", help="Who is importing (default: you)"),
    letters: bool = typer.Option(
        False, "--letters", help="Also make the letters the imported events call for"
    ),
    create_missing: bool = typer.Option(
        False,
        "--create-missing",
        help="Create the teams the file names that do not exist yet, and an account for each "
        "unknown officer that cannot sign in until an administrator activates it",
    ),
) -> None:
    """Import every line, or nothing: a bad line is named and nothing is saved."""
    cfg = config()
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as e:
        fail(f"Cannot read {file}: {e.strerror}")
    with user_errors(), session_scope(cfg) as session:
        summary = service.import_events(
            projections=bootstrap.projections(cfg),
            session=session,
            lines=text.splitlines(),
            actor=actor or default_actor(cfg),
            clock=system_clock,
            settings=cfg.clock_settings(),
            working_days=cfg.working_days,
            project_events=letters,
            create_missing=create_missing,
        )
    for team in summary.teams_created:
        typer.echo(f"Created the team {team}")
    for officer in summary.officers_created:
        typer.echo(f"Created the officer account {officer}: it cannot sign in until an "
                   "administrator sets its password and activates it")  # fmt: skip
    typer.echo(
        f"Imported {summary.events} events: {summary.cases_created} new cases, "
        f"{summary.cases_updated} existing cases updated"
    )


@export_app.command("events")
def export_events(
    output: Path | None = typer.Option(None, "--output", help="File to write (default stdout)"),
    with_corrections: bool = typer.Option(
        False,
        "--with-corrections",
        help="Also write voided events and their voids (each event with its sequence), "
        "so an import into an empty database keeps each case's correction history",
    ),
) -> None:
    """Write every case's events, in the format `ehc import events` reads.

    By default the effective history only (no voided events); see docs/import-export.md.
    """
    cfg = config()
    with session_scope(cfg) as session:
        exported = list(service.export_events(session=session, with_corrections=with_corrections))
        lines = [json.dumps(line) + "\n" for line in exported]
        # The read audit (issue 23): the file holds every exported case's personal data.
        read_audit.record_reads_now(session, {line["case"] for line in exported},
                                    reader=default_actor(cfg), at=system_clock(),
                                    what="events export (JSONL)")  # fmt: skip
        session.commit()
    if output:
        output.write_text("".join(lines), encoding="utf-8")
        typer.echo(f"Exported {len(lines)} events to {output}", err=True)
    else:
        sys.stdout.writelines(lines)
