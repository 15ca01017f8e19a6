"""Teams as data (issue 19 item 4): the migration that makes the teams table from the
names already in use, adding teams, and the one resolver of a team or an officer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine
from sqlmodel import Session, select

from workflow import accounts, migrate, teams
from workflow.account_models import AuditEntry, Team
from workflow.errors import InvalidInput

Clock = Callable[[], datetime]
AT = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _downgrade(engine: Engine, revision: str) -> None:
    config = migrate.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_the_migration_merges_teams_that_differ_only_in_case_and_spaces(engine: Engine) -> None:
    _downgrade(engine, "0008")
    cases = ["North"] * 3 + ["north "] * 2 + ["NORTH"] + ["South"] + ["  Far  East "] + [None]
    users = [("a@x.example", "north"), ("b@x.example", "South"), ("c@x.example", None)]
    with engine.begin() as conn:
        for i, team in enumerate(cases):
            conn.execute(
                sa.text(
                    "INSERT INTO cases (reference, state, team, version, created_at, updated_at)"
                    " VALUES (:ref, 'new', :team, 0, :at, :at)"
                ),
                {"ref": f"M{i}", "team": team, "at": AT},
            )
        for email, team in users:
            conn.execute(
                sa.text(
                    "INSERT INTO users (email, name, role, team, password_hash, active, version,"
                    " created_at, updated_at) VALUES (:e, :e, 'officer', :team, 'x', true, 0,"
                    " :at, :at)"
                ),
                {"e": email, "team": team, "at": AT},
            )
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head()
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT name, key, active FROM teams ORDER BY key")).all()
        case_teams = conn.execute(
            sa.text("SELECT team, count(*) FROM cases GROUP BY team ORDER BY team")
        ).all()
        user_teams = conn.execute(sa.text("SELECT email, team FROM users ORDER BY email")).all()
    # "North" is the most used of the four spellings of north; spaces are collapsed.
    assert [tuple(r) for r in stored] == [
        ("Far East", "far east", True),
        ("North", "north", True),
        ("South", "south", True),
    ]
    assert sorted((str(t), n) for t, n in case_teams) == [
        ("Far East", 1),  # stored as the team's name, spaces collapsed
        ("None", 1),
        ("North", 6),
        ("South", 1),
    ]
    assert [tuple(r) for r in user_teams] == [
        ("a@x.example", "North"),
        ("b@x.example", "South"),
        ("c@x.example", None),
    ]


def test_the_downgrade_drops_the_teams_table(engine: Engine) -> None:
    _downgrade(engine, "0008")
    assert "teams" not in sa.inspect(engine).get_table_names()
    migrate.upgrade(engine)
    assert "teams" in sa.inspect(engine).get_table_names()


def test_a_team_is_added_once_whatever_its_case_and_spaces(session: Session, clock: Clock) -> None:
    team = teams.add_team(session=session, name="  North   East ", actor="admin", clock=clock)
    assert (team.name, team.key, team.active) == ("North East", "north east", True)
    with pytest.raises(InvalidInput, match="There is already a team called “North East”"):
        teams.add_team(session=session, name="north east", actor="admin", clock=clock)
    with pytest.raises(InvalidInput, match="Enter the name of the team"):
        teams.add_team(session=session, name="  ", actor="admin", clock=clock)
    with pytest.raises(InvalidInput, match="100 characters or fewer"):
        teams.add_team(session=session, name="x" * 101, actor="admin", clock=clock)
    assert [t.name for t in session.exec(select(Team))] == ["North East"]
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "team_added")).all()
    assert [(a.actor, a.subject) for a in audit] == [("admin", "North East")]


@pytest.fixture
def council(session: Session, clock: Clock) -> Session:
    """Teams North and South; officers J Smith (North) and two called A Khan (one per
    team), a manager, a viewer, and a deactivated officer."""
    for name in ("North", "South"):
        teams.add_team(session=session, name=name, actor="t", clock=clock)
    for email, name, role, team, active in (
        ("j.smith@council.example", "J Smith", "officer", "North", True),
        ("a.khan@council.example", "A Khan", "officer", "North", True),
        ("a.khan2@council.example", "A Khan", "officer", "South", True),
        ("mo@council.example", "Mo Manager", "manager", None, True),
        ("vi@council.example", "Vi Viewer", "viewer", None, True),
        ("gone@council.example", "Gone Officer", "officer", "North", False),
    ):
        accounts.add_user(
            session=session, email=email, name=name, role=role, team=team,
            password="a long enough password", actor="t", clock=clock,
        )  # fmt: skip
        if not active:
            accounts.update_user(session=session, email=email, active=False, actor="t", clock=clock)
    return session


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("North", "North"),
        ("north", "North"),
        ("  NORTH  ", "North"),
        ("  south   ", "South"),
    ],
)
def test_a_team_is_found_ignoring_case_and_spaces(
    council: Session, given: str, stored: str
) -> None:
    assert teams.resolve_team(council, given) == stored


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("Nroth", "There is no team called “Nroth”. Enter one of: North, South"),
        ("North East", "There is no team called “North East”. Enter one of: North, South"),
        ("", "Enter the team"),
        (None, "Enter the team"),
        ("No\x00rth", "Team must not contain control characters"),
    ],
)
def test_an_unknown_team_is_refused_naming_it(
    council: Session, given: str | None, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        teams.resolve_team(council, given, where="Case EHC1")
    assert str(refused.value).startswith(f"Case EHC1: {message}")
    assert refused.value.field == "team"


@pytest.mark.parametrize(
    ("given", "team", "stored"),
    [
        ("J Smith", None, "J Smith"),  # by name
        ("j  smith ", None, "J Smith"),  # case and spaces ignored
        ("J.Smith@Council.example", None, "J Smith"),  # by email, any case
        ("Mo Manager", None, "Mo Manager"),  # managers may hold cases
        ("A Khan", "north", "A Khan"),  # two of the name: the case's team tells them apart
        ("a.khan2@council.example", None, "A Khan"),
        ("", None, None),  # no officer: the case is unassigned
        (None, "North", None),
    ],
)
def test_an_officer_is_found_by_email_or_name(
    council: Session, given: str | None, team: str | None, stored: str | None
) -> None:
    assert teams.resolve_officer(council, given, team) == stored


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("J Smtih", "There is no active officer “J Smtih”"),
        ("Gone Officer", "There is no active officer “Gone Officer”"),  # deactivated
        ("gone@council.example", "There is no active officer “gone@council.example”"),
        ("Vi Viewer", "There is no active officer “Vi Viewer”"),  # a viewer holds no cases
        ("A Khan", "More than one active officer is called “A Khan”: enter their email"),
    ],
)
def test_an_unknown_inactive_or_ambiguous_officer_is_refused(
    council: Session, given: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        teams.resolve_officer(council, given, where="Case EHC1")
    assert str(refused.value).startswith(f"Case EHC1: {message}")
    assert refused.value.field == "officer"
