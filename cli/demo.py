"""`ehc demo generate`, `ehc demo load`, `ehc summary`: a synthetic cohort to try the engine on,
and the demo users' sign-ins (`ehc users demo`, `ehc serve --demo-users`)."""

from __future__ import annotations

import secrets
import sys
from datetime import timedelta

import typer

import bootstrap
from cli.common import fail, parse_day, today, user_errors
from cli.context import config, session_scope
from workflow import accounts, demo, service
from workflow.clock import system_clock
from workflow.config import Config

app = typer.Typer(help="Generate and load demonstration data.", no_args_is_help=True)
DEFAULT_YEARS = 3


@app.command("generate")
def generate(
    cases: int = typer.Option(..., "--cases", help="How many synthetic cases"),
    seed: int = typer.Option(..., "--seed", help="The same seed gives the same file"),
    start: str | None = typer.Option(
        None, "--start", help="YYYY-MM-DD; default 3 years before --end"
    ),
    end: str | None = typer.Option(None, "--end", help="YYYY-MM-DD; default today"),
    output: str | None = typer.Option(None, "--output", help="FILE.jsonl; default stdout"),
    prefix: str = typer.Option("DEMO", "--prefix", help="Case references start with this"),
) -> None:
    """Write a fictional cohort in the import format (`ehc import events`)."""
    if cases < 1:
        fail("--cases must be 1 or more")
    last = parse_day(end, "--end") or today()
    first = parse_day(start, "--start") or last - timedelta(days=365 * DEFAULT_YEARS)
    if first > last:
        fail(f"--start ({first.isoformat()}) must be on or before --end ({last.isoformat()})")
    lines = demo.json_lines(cases, end=last, start=first, seed=seed, prefix=prefix)
    out = open(output, "w", encoding="utf-8", newline="\n") if output else sys.stdout
    try:
        out.writelines(line + "\n" for line in lines)
    finally:
        if output:
            out.close()


@app.command("load")
def load(
    cases: int = typer.Option(300, "--cases", help="How many synthetic cases"),
    seed: int = typer.Option(2024, "--seed"),
) -> None:
    """Load a synthetic cohort whose stories run up to today (once: skipped if cases exist)."""
    cfg = config()
    with user_errors(), session_scope(cfg) as session:
        if sum(service.cases_by_state(session=session).values()):
            typer.echo("The database already holds cases: demo data not loaded again")
            return
        demo.add_demo_staff(session=session, clock=system_clock)  # its teams and officers
        summary = service.import_events(
            projections=bootstrap.projections(cfg),
            session=session,
            lines=demo.json_lines(cases, end=today(), seed=seed, prefix="DEMO"),
            actor="demo",
            clock=system_clock,
            settings=cfg.clock_settings(),
            working_days=cfg.working_days,
            project_events=True,
        )
    typer.echo(f"Loaded {summary.cases_created} demo cases ({summary.events} events)")


def summary() -> None:
    """How many cases are in each state."""
    cfg = config()
    with session_scope(cfg) as session:
        counts = service.cases_by_state(session=session)
    total = sum(counts.values())
    typer.echo(f"{total} cases")
    for state, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        typer.echo(f"  {state:15} {n:6}")


DEMO_DOMAIN = demo.staff.DEMO_DOMAIN


def demo_sign_ins(cfg: Config) -> str:
    """Create (or reset) one demo user per role with a new password; the text that
    lists their sign-ins (`ehc users demo` prints it, `ehc serve --demo-users` once up)."""
    people = [
        ("officer", demo.OFFICERS[demo.TEAMS[0]][0], demo.TEAMS[0]),
        ("manager", "Demo manager", None),
        ("viewer", "Demo board member", None),
        ("admin", "Demo administrator", None),
    ]
    lines = ["Demo users (sign in with the email address and password):"]
    with user_errors(), session_scope(cfg) as session:
        demo.add_demo_staff(session=session, clock=system_clock)  # the teams, the officer
        for role, name, team in people:
            email = f"{role}@{DEMO_DOMAIN}"
            password = "-".join(secrets.token_hex(3) for _ in range(3))
            if accounts.find_user(session, email) is None:
                accounts.add_user(
                    session=session,
                    email=email,
                    name=name,
                    role=role,
                    team=team,
                    password=password,
                    actor="demo",
                    clock=system_clock,
                )
            else:
                accounts.update_user(
                    session=session,
                    email=email,
                    password=password,
                    active=True,
                    actor="demo",
                    clock=system_clock,
                )
            lines.append(f"  {role:8} {email:24} {password}")
            if role in accounts.SECOND_FACTOR_ROLES or cfg.two_factor_for_all:
                # Then a code: from any authenticator app given this key, or this recovery code.
                got = demo.staff.enrol_demo_second_factor(
                    session=session, email=email, clock=system_clock
                )
                key = " ".join(got.secret[i : i + 4] for i in range(0, len(got.secret), 4))
                lines.append(f"  {'':8} second factor: app key {key}")
                lines.append(f"  {'':8} or recovery code {got.recovery_codes[0]}")
    return "\n".join(lines)
