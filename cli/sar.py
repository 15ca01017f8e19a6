"""`ehc sar REF --output FILE.zip`: everything held about a child, for a subject access
request (scheduler.subject_access)."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.common import fail, parse_day, today, user_errors
from cli.context import config, default_actor, session_scope
from workflow.clock import system_clock


def sar(
    reference: str = typer.Argument(..., help="The case reference"),
    output: Path = typer.Option(..., "--output", help="The zip file to write"),
    actor: str | None = typer.Option(None, "--actor", help="Who is answering the request"),
    as_of: str | None = typer.Option(None, "--as-of", help="Deadlines as of YYYY-MM-DD"),
) -> None:
    """Write everything held about a case's child to a zip, for a subject access request."""
    from scheduler.subject_access import subject_access

    if output.exists():
        fail(f"{output} already exists: enter a new file name (it will hold personal data)")
    cfg = config()
    day = parse_day(as_of, "--as-of") or today()
    with user_errors(), session_scope(cfg) as session:
        made = subject_access(
            session=session,
            case_ref=reference,
            as_of=day,
            actor=actor or default_actor(cfg),
            clock=system_clock,
            settings=cfg.clock_settings(),
            working_days=cfg.working_days,
        )
    try:
        output.write_bytes(made.data)
    except OSError as e:
        fail(f"Cannot write {output}: {e.strerror}")
    typer.echo(f"Wrote {len(made.files)} files about case {made.case_ref} to {output}")
