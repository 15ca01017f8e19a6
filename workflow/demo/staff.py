"""The demo council's teams and officers as data: a team row for each of `TEAMS` and an
active officer account for each of `OFFICERS`, so the demo cohort's teams and officers
are the council's own (workflow.teams) and its import is refused nothing.

Nobody can sign in as these officers except the first of the first team (the demo
officer, `ehc users demo` gives it a password): the others get a random password that
is never shown.
"""

from __future__ import annotations

import re
import secrets

from sqlmodel import Session

from workflow import accounts, teams, two_factor
from workflow.clock import Clock
from workflow.demo.people import OFFICERS, TEAMS

DEMO_DOMAIN = "demo.example"  # example. is reserved (RFC 2606): these reach nobody
DEMO_OFFICER = f"officer@{DEMO_DOMAIN}"  # the demo officer's sign-in (cli.demo)


def officer_email(name: str) -> str:
    """A demo officer's address: "Zara Windrush-Vale" is zara.windrush-vale@demo.example."""
    return re.sub(r"[^a-z0-9-]+", ".", name.lower()).strip(".") + f"@{DEMO_DOMAIN}"


def add_demo_staff(
    *, session: Session, clock: Clock, first_officer: str = DEMO_OFFICER, actor: str = "demo"
) -> None:
    """Add the demo teams and officer accounts that are missing (each committed).

    `first_officer` is the address of the first team's first officer, the one people
    sign in as."""
    existing = {t.key for t in teams.list_teams(session)}
    for name in TEAMS:
        if teams.team_key(name) not in existing:
            teams.add_team(session=session, name=name, actor=actor, clock=clock)
    for team in TEAMS:
        for n, name in enumerate(OFFICERS[team]):
            email = first_officer if (team, n) == (TEAMS[0], 0) else officer_email(name)
            if accounts.find_user(session, email) is not None:
                continue
            accounts.add_user(
                session=session,
                email=email,
                name=name,
                role="officer",
                team=team,
                password=secrets.token_urlsafe(24),
                actor=actor,
                clock=clock,
            )
    session.commit()


def enrol_demo_second_factor(
    *, session: Session, email: str, clock: Clock, actor: str = "demo"
) -> two_factor.Enrolment:
    """Give a demo account that needs a second factor a new one (`make run`), so a
    newcomer can sign in as it: `cli.demo` prints its secret, for any authenticator
    app, and a recovery code. The accounts pass the same check as everyone's."""
    return two_factor.enrol(session=session, email=email, actor=actor, clock=clock)
