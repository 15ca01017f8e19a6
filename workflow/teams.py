"""The council's teams and who can hold a case: adding and listing teams, and the one
resolver every edge's team or officer goes through.

A case's team is one of the `teams` rows and its officer an active account (an officer,
or a manager: managers may hold cases too). Matching ignores case and extra spaces, and
an officer may be given by email or by name; what is stored is always the team's or the
account's own spelling, so "north " and "North" never make two teams in the counts.
An unknown team or officer raises `InvalidInput` naming it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from workflow.account_models import AuditEntry, Team, User
from workflow.clock import Clock
from workflow.errors import InvalidInput
from workflow.law.events import NO_CONTROL, text_without_controls
from workflow.models import Case

# The roles whose active accounts can hold a case.
HOLDERS = ("officer", "manager")
MAX_NAME = 100


def check_text(value: str, *, label: str, field: str, where: str | None = None) -> str:
    """As `workflow.case_writes.check_text` (which builds on this module, so cannot be
    imported here): control characters are refused before the database sees them."""
    checked = text_without_controls(value)
    if checked is None:
        raise InvalidInput(_prefix(where, f"{label} {NO_CONTROL}"), field=field)
    return checked


def team_key(name: str) -> str:
    """A name as matched: lower-case (casefolded), spaces trimmed and collapsed."""
    return " ".join(name.split()).casefold()


def display_name(name: str) -> str:
    """A name as stored: spaces trimmed and collapsed, case kept."""
    return " ".join(name.split())


def _quoted(given: str) -> str:
    return f"\u201c{display_name(given)}\u201d"


def _prefix(where: str | None, message: str) -> str:
    return f"{where}: {message}" if where else message


def list_teams(session: Session, *, active_only: bool = False) -> list[Team]:
    """The teams, by name."""
    query = select(Team).order_by(col(Team.key))
    if active_only:
        query = query.where(col(Team.active).is_(True))
    return list(session.exec(query))


@dataclass(frozen=True)
class TeamCount:
    name: str
    active: bool
    cases: int
    users: int


def team_counts(session: Session) -> list[TeamCount]:
    """Each team with its number of cases and of users, by name."""
    cases: dict[str | None, int] = {
        row[0]: int(row[1])
        for row in session.execute(
            sa.select(col(Case.team), sa.func.count()).group_by(col(Case.team))
        )
    }
    users: dict[str | None, int] = {
        row[0]: int(row[1])
        for row in session.execute(
            sa.select(col(User.team), sa.func.count()).group_by(col(User.team))
        )
    }
    rows = [
        TeamCount(t.name, t.active, int(cases.get(t.name, 0)), int(users.get(t.name, 0)))
        for t in list_teams(session)
    ]
    session.commit()
    return rows


def team_names(session: Session) -> list[str]:
    """The active teams' names, by name: the choices for a case's or a user's team."""
    return [t.name for t in list_teams(session, active_only=True)]


def _checked_name(name: Any, where: str | None = None) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput(_prefix(where, "Enter the name of the team"), field="name")
    checked = display_name(check_text(name, label="The team's name", field="name", where=where))
    if len(checked) > MAX_NAME:
        raise InvalidInput(
            _prefix(where, f"The team's name must be {MAX_NAME} characters or fewer"),
            field="name",
        )
    return checked


def insert_team(session: Session, name: Any, *, now: datetime, actor: str = "import") -> Team:
    """Add a team in the caller's transaction (not committed), with its audit entry.
    `InvalidInput` if the name is empty or too long, or a team already has it."""
    checked = _checked_name(name)
    key = team_key(checked)
    existing = session.exec(select(Team).where(Team.key == key)).first()
    if existing is not None:
        raise InvalidInput(f"There is already a team called {_quoted(existing.name)}", field="name")
    team = Team(name=checked, key=key, active=True, created_at=now)
    session.add(team)
    session.add(AuditEntry(at=now, actor=actor, action="team_added", subject=checked, detail={}))
    session.flush()
    return team


def add_team(*, session: Session, name: Any, actor: str, clock: Clock) -> Team:
    """Add a team (its own transaction, with an audit entry). A team whose name differs
    from an existing one only in case or spacing is refused: it is the same team."""
    try:
        team = insert_team(session, name, now=clock(), actor=actor)
        session.commit()
    except InvalidInput:
        session.rollback()
        raise
    except IntegrityError:
        session.rollback()
        raise InvalidInput(
            f"There is already a team called {_quoted(display_name(str(name)))}", field="name"
        ) from None
    session.refresh(team)
    return team


def find_team(session: Session, given: str) -> Team | None:
    return session.exec(select(Team).where(Team.key == team_key(given))).first()


def resolve_team(session: Session, given: Any, *, where: str | None = None) -> str:
    """The stored name of the active team `given` names, ignoring case and extra spaces.

    `InvalidInput` (field "team") when it is empty or names no active team:
    "There is no team called “Nroth”. Enter one of: North, South".
    """
    if not isinstance(given, str) or not given.strip():
        raise InvalidInput(_prefix(where, "Enter the team"), field="team")
    check_text(given, label="Team", field="team", where=where)
    team = find_team(session, given)
    if team is None or not team.active:
        names = team_names(session)
        choices = (
            f". Enter one of: {', '.join(names)}"
            if names
            else (". Add the team first (`ehc teams add` or the Teams page)")
        )
        raise InvalidInput(
            _prefix(where, f"There is no team called {_quoted(given)}{choices}"), field="team"
        )
    return team.name


# The accounts that can hold a case: active officers and managers.
_CAN_HOLD = (col(User.active).is_(True), col(User.role).in_(HOLDERS))


def holders(session: Session, *, team: str | None = None) -> list[User]:
    """The active accounts that can hold a case (of `team`, when given), by name."""
    query = select(User).where(*_CAN_HOLD)
    if team is not None:
        query = query.where(User.team == team)
    return sorted(session.exec(query), key=lambda u: (team_key(u.name), u.email))


def holder_choices(session: Session) -> list[tuple[str, str, str | None]]:
    """(email, name, team) of each active account that can hold a case, by name: what
    a manager chooses from on a case page (the columns only, not the accounts)."""
    query = sa.select(col(User.email), col(User.name), col(User.team)).where(*_CAN_HOLD)
    rows = [(email, name, team) for email, name, team in session.execute(query)]
    return sorted(rows, key=lambda row: (team_key(row[1]), row[0]))


def _matching(users: Iterable[User], given: str) -> list[User]:
    wanted = team_key(given)
    by_email = [u for u in users if u.email == wanted]
    return by_email or [u for u in users if team_key(u.name) == wanted]


def resolve_officer(
    session: Session, given: Any, team: str | None = None, *, where: str | None = None
) -> str | None:
    """The name cases store for the officer `given` names, or None when none is given.

    Matched by email or by name, ignoring case and extra spaces, among the active
    accounts of officers and managers. Two active accounts with the same name are told
    apart by `team` (the case's team), else the email is asked for. `InvalidInput`
    (field "officer") when no active account matches.
    """
    if given is None or (isinstance(given, str) and not given.strip()):
        return None
    if not isinstance(given, str):
        raise InvalidInput(_prefix(where, "Officer must be text"), field="officer")
    check_text(given, label="Officer", field="officer", where=where)
    found = _matching(holders(session), given)
    if len(found) > 1 and team is not None:
        found = [u for u in found if team_key(u.team or "") == team_key(team)] or found
    if not found:
        raise InvalidInput(
            _prefix(where, f"There is no active officer {_quoted(given)}"), field="officer"
        )
    if len({u.name for u in found}) > 1 or len(found) > 1:
        emails = ", ".join(u.email for u in found)
        raise InvalidInput(
            _prefix(
                where,
                f"More than one active officer is called {_quoted(given)}: "
                f"enter their email address instead ({emails})",
            ),
            field="officer",
        )
    return found[0].name
