"""Import and teams as data: an unknown team or officer is refused naming its line and
nothing is saved; `create_missing` makes the teams and officer accounts that cannot
sign in; the stored names are always the team's and the account's own spelling."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session, select

from tests.wiring import projections
from workflow import accounts, service, teams
from workflow.account_models import Team, User
from workflow.errors import InvalidInput

Clock = Callable[[], datetime]


def _line(case: str, **fields: str) -> str:
    return json.dumps(
        {"case": case, "type": "request_received", "date": "2026-09-01", "source": "parent",
         **fields}
    )  # fmt: skip


def _import(session: Session, clock: Clock, lines: list[str], **kw: bool) -> service.ImportSummary:
    return service.import_events(
        projections=projections(), session=session, lines=lines, actor="loader", clock=clock,
        **kw,
    )  # fmt: skip


def _cases(engine: Engine) -> list[tuple[str, str | None, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT reference, team, officer FROM cases ORDER BY 1"))
        return [tuple(r) for r in rows]  # type: ignore[misc]


@pytest.fixture
def council(session: Session, clock: Clock) -> Session:
    teams.add_team(session=session, name="North", actor="t", clock=clock)
    accounts.add_user(
        session=session, email="j.smith@council.example", name="J Smith", role="officer",
        team="North", password="a long enough password", actor="t", clock=clock,
    )  # fmt: skip
    return session


def test_names_are_stored_in_their_own_spelling(
    council: Session, engine: Engine, clock: Clock
) -> None:
    _import(
        council,
        clock,
        [
            _line("I1", team="north ", officer="j  smith"),
            _line("I2", team="NORTH", officer="J.Smith@council.example"),
        ],
    )
    assert _cases(engine) == [("I1", "North", "J Smith"), ("I2", "North", "J Smith")]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            {"team": "Nroth"},
            "Line 3 (case I3): There is no team called “Nroth”. Enter one of: North",
        ),
        (
            {"team": "North", "officer": "J Smtih"},
            "Line 3 (case I3): There is no active officer “J Smtih”",
        ),
    ],
)
def test_an_unknown_team_or_officer_imports_nothing_and_names_the_line(
    council: Session, engine: Engine, clock: Clock, bad: dict[str, str], message: str
) -> None:
    lines = [_line("I1", team="North"), _line("I2", team="North"), _line("I3", **bad)]
    with pytest.raises(InvalidInput) as refused:
        _import(council, clock, lines)
    assert str(refused.value) == message
    assert _cases(engine) == []


def test_create_missing_makes_the_teams_and_officers_that_cannot_sign_in(
    council: Session, engine: Engine, clock: Clock
) -> None:
    summary = _import(
        council,
        clock,
        [
            _line("C1", team="Far  East", officer="Pat Newcomer"),
            _line("C2", team="far east", officer="pat newcomer"),
            _line("C3", team="North", officer="k.lee@council.example"),
            _line("C4", team="north", officer="J Smith"),
        ],
        create_missing=True,
    )
    assert summary.teams_created == ("Far East",)
    assert summary.officers_created == (
        "Pat Newcomer (pat.newcomer@imported.invalid)",
        "k.lee (k.lee@council.example)",
    )
    assert _cases(engine) == [
        ("C1", "Far East", "Pat Newcomer"),
        ("C2", "Far East", "Pat Newcomer"),
        ("C3", "North", "k.lee"),
        ("C4", "North", "J Smith"),
    ]
    made = {u.email: u for u in council.exec(select(User))}
    assert (made["pat.newcomer@imported.invalid"].active, made["k.lee@council.example"].active) == (
        False,
        False,
    )
    assert made["pat.newcomer@imported.invalid"].team == "Far East"
    council.commit()
    # Nobody can sign in as them, even with the account turned back on without a password.
    refused = pytest.raises(accounts.SignInRefused)
    with refused:
        accounts.sign_in(
            session=council, email="k.lee@council.example", password="anything at all",
            client="127.0.0.1", clock=clock,
        )  # fmt: skip
    council.execute(sa.update(User).values(active=True))
    council.commit()
    with pytest.raises(accounts.SignInRefused):
        accounts.sign_in(
            session=council, email="pat.newcomer@imported.invalid", password="!",
            client="127.0.0.1", clock=clock,
        )  # fmt: skip


def test_create_missing_makes_nothing_when_a_later_line_is_refused(
    council: Session, engine: Engine, clock: Clock
) -> None:
    lines = [
        _line("C1", team="Far East", officer="Pat Newcomer"),
        json.dumps({"case": "C2", "type": "final_plan_issued", "date": "2026-09-01"}),
    ]
    with pytest.raises(Exception, match="Line 2"):
        _import(council, clock, lines, create_missing=True)
    assert _cases(engine) == []
    assert [t.name for t in council.exec(select(Team))] == ["North"]
    assert [u.email for u in council.exec(select(User))] == ["j.smith@council.example"]
