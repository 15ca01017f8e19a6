"""A council's teams and officer accounts for tests (issue 19 item 4): a case's team
and officer must be the council's (workflow.teams), so tests that open cases make
them first. Made as rows: setting up leaves no audit entry and costs no password hash
(these officers never sign in)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, select

from workflow import teams
from workflow.account_models import Team, User
from workflow.db import new_session

Clock = Callable[[], datetime]
TEAMS = ("North", "South", "East", "West")


def add_council(
    where: Session | Engine,
    clock: Clock,
    *,
    team_names: Iterable[str] = TEAMS,
    officers: dict[str, str | None] | None = None,
) -> None:
    """Add the teams and the active officers (name -> team; email from the name) that
    are missing, matched as `workflow.teams` matches them, and commit."""
    session = where if isinstance(where, Session) else new_session(where)
    try:
        known = {t.key for t in session.exec(select(Team))}
        wanted = [*team_names, *(t for t in (officers or {}).values() if t)]
        for name in wanted:
            key = teams.team_key(name)
            if key not in known:
                session.add(Team(name=teams.display_name(name), key=key, created_at=clock()))
                known.add(key)
        people = {teams.team_key(u.name) for u in session.exec(select(User))}
        for name, team in (officers or {}).items():
            if teams.team_key(name) in people:
                continue
            people.add(teams.team_key(name))
            email = "".join(c if c.isalnum() else "." for c in name.lower()) + "@council.example"
            now = clock()
            session.add(
                User(
                    email=email,
                    name=teams.display_name(name),
                    role="officer",
                    team=teams.display_name(team) if team else None,
                    password_hash="!",
                    created_at=now,
                    updated_at=now,
                )  # fmt: skip
            )
        session.commit()
    finally:
        if not isinstance(where, Session):
            session.close()


def council_for_lines(where: Session | Engine, clock: Clock, lines: Iterable[str]) -> list[str]:
    """Make the teams and officers an import's lines name (as the council they come
    from would have them); returns the lines, read once."""
    read = list(lines)
    officers: dict[str, str | None] = {}
    team_names: list[str] = []
    for line in read:
        try:
            raw = json.loads(line)
        except ValueError:
            continue
        if not isinstance(raw, dict):
            continue
        team, officer = raw.get("team"), raw.get("officer")
        if isinstance(team, str) and team.strip() and not _controls(team):
            team_names.append(team)
        if isinstance(officer, str) and officer.strip() and not _controls(officer):
            officers.setdefault(officer, team if isinstance(team, str) and team.strip() else None)
    add_council(where, clock, team_names=team_names, officers=officers)
    return read


def _controls(text: str) -> bool:
    return any(ord(c) < 32 or 127 <= ord(c) < 160 for c in text) or len(text) > 100
