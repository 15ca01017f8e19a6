"""`ehc users`: staff accounts for the web app and API tokens for other systems."""

from __future__ import annotations

import sys

import typer

from cli.common import user_errors
from cli.context import config, default_actor, session_scope
from workflow import accounts, two_factor
from workflow.account_models import ROLES
from workflow.clock import system_clock

app = typer.Typer(help="Staff accounts and API tokens.", no_args_is_help=True)


def _password(from_stdin: bool) -> str:
    """From stdin (one line, for scripts) or a hidden prompt asked twice."""
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first: str = typer.prompt("Password", hide_input=True)
    again: str = typer.prompt("Password again", hide_input=True)
    if first != again:
        typer.echo("The passwords do not match", err=True)
        raise typer.Exit(2)
    return first


@app.command("add")
def add(
    email: str = typer.Argument(..., help="Their work email address (they sign in with it)"),
    role: str = typer.Option(..., "--role", help=f"One of: {', '.join(ROLES)}"),
    name: str = typer.Option(
        None, "--name", help="Their name as cases record it (officer); default the email"
    ),
    team: str = typer.Option(None, "--team", help="Their team (officers need one)"),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from stdin instead of a prompt"
    ),
) -> None:
    """Add a user. The password comes from a prompt, or stdin."""
    cfg = config()
    password = _password(password_stdin)
    with user_errors(), session_scope(cfg) as session:
        user = accounts.add_user(
            session=session,
            email=email,
            name=name or email.split("@")[0],
            role=role,
            team=team,
            password=password,
            actor=default_actor(cfg),
            clock=system_clock,
        )
    typer.echo(f"Added {user.email} ({user.role}{', ' + user.team if user.team else ''})")


@app.command("list")
def list_users() -> None:
    """List the users, their roles and teams."""
    cfg = config()
    with session_scope(cfg) as session:
        users = accounts.list_users(session)
    for u in users:
        state = "" if u.active else "  (deactivated)"
        factor = "2FA" if two_factor.is_enrolled(u) else "-"
        typer.echo(f"{u.email:40} {u.role:8} {u.team or '-':12} {factor:4} {u.name}{state}")


@app.command("set")
def set_user(
    email: str = typer.Argument(...),
    role: str = typer.Option(None, "--role", help=f"One of: {', '.join(ROLES)}"),
    team: str = typer.Option(None, "--team"),
    name: str = typer.Option(None, "--name"),
    active: bool = typer.Option(None, "--active/--deactivate", help="Allow or stop sign-in"),
    password: bool = typer.Option(False, "--password", help="Set a new password (prompt/stdin)"),
    reset_two_factor: bool = typer.Option(
        False,
        "--reset-two-factor",
        help="Remove their authenticator app and recovery codes (a lost phone): they set "
        "up a new one at their next sign-in",
    ),
) -> None:
    """Change a user's role, team or name; deactivate or reactivate them."""
    cfg = config()
    new_password = _password(False) if password else None
    with user_errors(), session_scope(cfg) as session:
        if reset_two_factor:
            two_factor.reset(
                session=session, email=email, actor=default_actor(cfg), clock=system_clock
            )
            typer.echo(f"Two-factor authentication reset for {accounts.normal_email(email)}")
            if all(v is None for v in (role, team, name, active, new_password)):
                return  # nothing else to change
        user = accounts.update_user(
            session=session,
            email=email,
            role=role,
            team=team,
            name=name,
            active=active,
            password=new_password,
            actor=default_actor(cfg),
            clock=system_clock,
        )
    typer.echo(f"Updated {user.email}: {user.role}, {'active' if user.active else 'deactivated'}")


@app.command("token")
def token(email: str = typer.Argument(...)) -> None:
    """Print a new API token for the user (shown once; use as `Authorization: Bearer`)."""
    cfg = config()
    with user_errors(), session_scope(cfg) as session:
        value = accounts.issue_token(
            session=session, email=email, actor=default_actor(cfg), clock=system_clock
        )
    typer.echo(value)


@app.command("demo")
def demo_users() -> None:
    """Create (or reset) one demo user per role, with new passwords, and print them."""
    from cli.demo import demo_sign_ins

    typer.echo(demo_sign_ins(config()))
