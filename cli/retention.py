"""`ehc retention`: which closed cases are due for erasure under the council's retention
policy, and erasing their personal data (workflow.retention).

Output names cases by reference only: never a name or a date of birth.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from cli.common import fail, parse_day, today, user_errors
from cli.context import config, default_actor, session_scope
from workflow.config import Config

if TYPE_CHECKING:
    from workflow.retention import RetentionPolicy

app = typer.Typer(
    help="Which closed cases are due for erasure, and erasing their personal data.",
    no_args_is_help=True,
)

AS_OF = typer.Option(None, "--as-of", help="Due as of YYYY-MM-DD (default today)")


def _policy(cfg: Config) -> RetentionPolicy:
    from workflow.retention import RetentionPolicy

    policy = RetentionPolicy(
        years_after_25th_birthday=cfg.retention_years_after_25th_birthday,
        years_after_closed=cfg.retention_years_after_closed,
    )
    if not policy.is_set:
        fail(
            "No retention policy is set: set EHC_RETENTION_YEARS_AFTER_25TH_BIRTHDAY or "
            "EHC_RETENTION_YEARS_AFTER_CLOSED (see docs/operations.md)"
        )
    return policy


@app.command("review")
def review(as_of: str | None = AS_OF) -> None:
    """List the cases due for erasure: reference, why, and since when."""
    from workflow.retention import cases_due

    cfg = config()
    policy = _policy(cfg)
    day = parse_day(as_of, "--as-of") or today()
    with user_errors(), session_scope(cfg) as session:
        due = cases_due(session, policy, day)
    typer.echo(f"Retention: {policy.describe()}. As of {day.isoformat()}:")
    if not due:
        typer.echo("No case is due for erasure.")
        return
    for case in due:
        typer.echo(f"{case.reference:24} due since {case.due_since.isoformat()}  "
                   f"({case.state.replace('_', ' ')}: {case.why})")  # fmt: skip
    typer.echo(f"{len(due)} case{'' if len(due) == 1 else 's'} due for erasure")


@app.command("erase")
def erase(
    references: list[str] | None = typer.Argument(
        None, help="The cases to erase (default: every case due)"
    ),
    as_of: str | None = AS_OF,
    yes: bool = typer.Option(False, "--yes", help="Erase without asking"),
    actor: str | None = typer.Option(None, "--actor", help="Who is erasing, for the audit"),
) -> None:
    """Erase the personal data of the cases due (or of REFERENCES, each of which must be
    due), keeping the anonymous facts the KPI figures are computed from. Each case is
    erased in its own transaction and recorded in the audit log."""
    from workflow.clock import system_clock
    from workflow.retention import cases_due, erase_case

    cfg = config()
    policy = _policy(cfg)
    day = parse_day(as_of, "--as-of") or today()
    with user_errors(), session_scope(cfg) as session:
        refs = references or [c.reference for c in cases_due(session, policy, day)]
        session.commit()  # end the read: each erasure is its own transaction
        if not refs:
            typer.echo("No case is due for erasure.")
            return
        if not yes and not typer.confirm(
            f"Erase the personal data of {len(refs)} case{'' if len(refs) == 1 else 's'}? "
            "This cannot be undone"
        ):
            fail("Nothing erased")
        who = actor or default_actor(cfg)
        for ref in refs:
            done = erase_case(
                session=session, case_ref=ref, policy=policy, as_of=day, actor=who,
                clock=system_clock,
            )  # fmt: skip
            typer.echo(
                f"Erased case {done.reference} (due since {done.due_since.isoformat()}: "
                f"{done.events_cleared} events and {done.letters_cleared} letters cleared)"
            )
