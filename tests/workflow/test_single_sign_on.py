"""Single sign-on's accounts on both databases (accounts.single_sign_on): matched by
verified email and then bound to the provider's subject, made from the role map, or
refused; never a new account for someone the council has not given a role."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from tests.council import add_council
from workflow import accounts
from workflow.account_models import AuditEntry, User, WebSession

Clock = Callable[[], datetime]
ISSUER = "https://login.example/tenant"


@pytest.fixture(autouse=True)
def _teams(engine: Engine, clock: Clock) -> None:
    add_council(engine, clock)


def _sso(session: Session, clock: Clock, sub: str, email: str | None, grant=None):  # type: ignore[no-untyped-def]
    return accounts.single_sign_on(
        session=session, subject=f"{ISSUER}|{sub}", email=email, name="Pat Person",
        grant=grant, clock=clock,
    )  # fmt: skip


def _officer(session: Session, clock: Clock) -> None:
    accounts.add_user(
        session=session, email="pat@council.example", name="Pat", role="officer", team="North",
        password="a long enough password", actor="admin", clock=clock,
    )  # fmt: skip


def test_an_account_is_found_by_verified_email_and_bound_to_the_subject(
    session: Session, clock: Clock
) -> None:
    _officer(session, clock)
    signed = _sso(session, clock, "sub-1", "Pat@Council.example")
    assert signed.user.email == "pat@council.example" and signed.awaiting is None
    assert session.exec(select(WebSession)).one().method == "oidc"
    assert accounts.get_user(session, "pat@council.example").oidc_subject == f"{ISSUER}|sub-1"
    # Later the subject finds it, even with no email in the token.
    assert _sso(session, clock, "sub-1", None).user.email == "pat@council.example"
    # Another subject with the same email is refused: the address moved to someone else.
    with pytest.raises(accounts.NoAccount, match="does not match"):
        _sso(session, clock, "sub-2", "pat@council.example")


def test_nobody_gets_an_account_without_a_role_from_the_council(
    session: Session, clock: Clock
) -> None:
    with pytest.raises(accounts.NoAccount, match="You do not have an account in this service"):
        _sso(session, clock, "sub-9", "new@council.example")
    with pytest.raises(accounts.NoAccount):
        _sso(session, clock, "sub-9", None, grant=("manager", None))  # no verified email
    assert session.exec(select(User)).all() == []


def test_the_role_map_makes_and_keeps_in_step_an_account(session: Session, clock: Clock) -> None:
    signed = _sso(session, clock, "sub-3", "new@council.example", grant=("officer", "north"))
    user = signed.user
    assert (user.role, user.team, user.password_hash) == ("officer", "North", accounts.NO_PASSWORD)
    moved = _sso(session, clock, "sub-3", "new@council.example", grant=("manager", None))
    assert (moved.user.role, moved.user.team) == ("manager", None)
    actions = [a.action for a in session.exec(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["user_added", "signed_in", "user_changed", "signed_in"]
    # The password form never signs such an account in.
    with pytest.raises(accounts.SignInRefused):
        accounts.sign_in(
            session=session, email="new@council.example", password="!", client="c", clock=clock
        )


def test_a_deactivated_account_stays_out(session: Session, clock: Clock) -> None:
    _officer(session, clock)
    accounts.update_user(
        session=session, email="pat@council.example", active=False, actor="admin", clock=clock
    )
    with pytest.raises(accounts.NoAccount, match="deactivated"):
        _sso(session, clock, "sub-1", "pat@council.example", grant=("officer", "North"))
