"""Staff accounts on both databases: hashes, sessions, tokens, throttling, audit, CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session, select

from tests.council import add_council
from tests.wiring import projections
from workflow import accounts, assignments, two_factor
from workflow.account_models import ApiToken, AuditEntry, User, WebSession
from workflow.db import new_session
from workflow.errors import ConcurrentUpdate, InvalidInput
from workflow.service import record_event

PASSWORD = "a long enough password"
EHC = str(Path(sys.executable).parent / "ehc")


@pytest.fixture(autouse=True)
def _teams(engine: Engine, clock) -> None:  # type: ignore[no-untyped-def]
    """The council's teams (a user's team must be one of them: workflow.teams)."""
    add_council(engine, clock)


def _add(session: Session, clock: Callable[[], datetime], email: str = "Jo@Council.example",
         role: str = "officer", team: str | None = "North") -> User:  # fmt: skip
    return accounts.add_user(
        session=session, email=email, name="Jo Officer", role=role, team=team,
        password=PASSWORD, actor="admin@council.example", clock=clock,
    )  # fmt: skip


def test_passwords_are_stored_as_argon2id_hashes(session: Session, clock) -> None:  # type: ignore[no-untyped-def]
    user = _add(session, clock)
    assert user.email == "jo@council.example"
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


@pytest.mark.parametrize(
    "change, message",
    [
        ({"email": "not-an-email"}, "Enter an email address in the correct format"),
        ({"role": "superuser"}, "Select a role"),
        ({"team": None}, "Enter the team"),
        ({"password": "short"}, "Password must be 12 characters or more"),
    ],
)
def test_bad_accounts_are_refused_with_a_message(
    session: Session, clock, change: dict[str, object], message: str
) -> None:  # type: ignore[no-untyped-def]
    fields: dict[str, object] = {
        "email": "a@council.example", "name": "A", "role": "officer", "team": "North",
        "password": PASSWORD, **change,
    }  # fmt: skip
    with pytest.raises(InvalidInput, match=message):
        accounts.add_user(session=session, actor="t", clock=clock, **fields)  # type: ignore[arg-type]
    assert session.exec(select(User)).all() == []


def test_the_same_email_twice_is_refused(session: Session, clock) -> None:  # type: ignore[no-untyped-def]
    _add(session, clock)
    with pytest.raises(InvalidInput, match="There is already a user jo@council.example"):
        _add(session, clock, email="JO@council.example")


def test_session_keys_and_tokens_are_stored_only_as_digests(session: Session, clock) -> None:  # type: ignore[no-untyped-def]
    _add(session, clock)
    signed = accounts.sign_in(
        session=session, email="jo@council.example", password=PASSWORD, client="1.2.3.4",
        clock=clock,
    )  # fmt: skip
    token = accounts.issue_token(
        session=session, email="jo@council.example", actor="t", clock=clock
    )
    stored_session = session.exec(select(WebSession)).one()
    stored_token = session.exec(select(ApiToken)).one()
    assert stored_session.key_sha256 == accounts.digest(signed.key) != signed.key
    assert stored_token.token_sha256 == accounts.digest(token) != token
    found = accounts.session_user(session, signed.key, clock)
    assert found is not None and found[0].email == "jo@council.example"
    assert found[1] == signed.csrf_token
    user = accounts.token_user(session, token)
    assert user is not None and user.email == "jo@council.example"
    assert accounts.token_user(session, token + "x") is None


def test_sessions_expire_after_a_working_day(session: Session, clock) -> None:  # type: ignore[no-untyped-def]
    _add(session, clock)
    signed = accounts.sign_in(
        session=session, email="jo@council.example", password=PASSWORD, client="c", clock=clock
    )
    later = clock() + accounts.SESSION_LIFETIME + timedelta(seconds=1)
    assert accounts.session_user(session, signed.key, lambda: later) is None


def test_throttling_counts_failures_per_email_within_the_window(session: Session, clock) -> None:  # type: ignore[no-untyped-def]
    _add(session, clock)
    for _ in range(accounts.MAX_FAILURES_PER_EMAIL):
        with pytest.raises(accounts.SignInRefused):
            accounts.sign_in(
                session=session, email="jo@council.example", password="wrong password!",
                client="c", clock=clock,
            )  # fmt: skip
    with pytest.raises(accounts.TooManyAttempts):
        accounts.sign_in(
            session=session, email="jo@council.example", password=PASSWORD, client="c",
            clock=clock,
        )  # fmt: skip
    later = clock() + accounts.THROTTLE_WINDOW + timedelta(seconds=1)
    assert accounts.sign_in(
        session=session, email="jo@council.example", password=PASSWORD, client="c",
        clock=lambda: later,
    ).user.email == "jo@council.example"  # fmt: skip


def test_unknown_email_and_deactivated_user_are_refused_alike(session: Session, clock) -> None:  # type: ignore[no-untyped-def]
    _add(session, clock)
    accounts.update_user(
        session=session, email="jo@council.example", active=False, actor="t", clock=clock
    )
    for email in ("nobody@council.example", "jo@council.example"):
        with pytest.raises(accounts.SignInRefused, match="Enter a correct email address"):
            accounts.sign_in(
                session=session, email=email, password=PASSWORD, client="c", clock=clock
            )


def test_deactivation_revokes_tokens(session: Session, clock) -> None:  # type: ignore[no-untyped-def]
    _add(session, clock)
    token = accounts.issue_token(
        session=session, email="jo@council.example", actor="t", clock=clock
    )
    accounts.update_user(
        session=session, email="jo@council.example", active=False, actor="t", clock=clock
    )
    assert accounts.token_user(session, token) is None
    accounts.update_user(
        session=session, email="jo@council.example", active=True, actor="t", clock=clock
    )
    assert accounts.token_user(session, token) is None  # revoked for good, not just paused


def test_a_stale_edit_is_refused_and_changes_nothing(session: Session, clock) -> None:  # type: ignore[no-untyped-def]
    user = _add(session, clock)
    seen = user.version
    accounts.update_user(
        session=session, email=user.email, role="manager", actor="a", clock=clock,
        expected_version=seen,
    )  # fmt: skip
    with pytest.raises(ConcurrentUpdate):
        accounts.update_user(
            session=session, email=user.email, role="viewer", actor="b", clock=clock,
            expected_version=seen,
        )  # fmt: skip
    assert accounts.get_user(session, user.email).role == "manager"


def test_audit_log_records_changes_and_is_append_only(engine: Engine, clock) -> None:  # type: ignore[no-untyped-def]
    with new_session(engine) as session:
        _add(session, clock)
        accounts.update_user(
            session=session, email="jo@council.example", role="manager", actor="boss", clock=clock
        )
        actions = [(a.action, a.actor) for a in session.exec(select(AuditEntry))]
    assert actions == [("user_added", "admin@council.example"), ("user_changed", "boss")]
    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as c:
            c.exec_driver_sql(statement)


def test_reassigning_a_case_moves_it_and_is_audited(session: Session, clock) -> None:  # type: ignore[no-untyped-def]
    add_council(session, clock, officers={"A": "North", "B": "South"})
    recorded = record_event(projections=projections(),
        session=session, case_ref="R1",
        event={"type": "request_received", "date": "2026-10-01", "source": "parent"},
        actor="t", clock=clock, case_fields={"team": "North", "officer": "A"},
    )  # fmt: skip
    seen = recorded.case.version
    case = assignments.reassign_case(
        session=session, case_ref="R1", team="South", officer="B", actor="boss", clock=clock,
        expected_version=seen,
    )  # fmt: skip
    assert (case.team, case.officer, case.version) == ("South", "B", seen + 1)
    with pytest.raises(ConcurrentUpdate):
        assignments.reassign_case(
            session=session, case_ref="R1", team="East", officer=None, actor="x", clock=clock,
            expected_version=seen,
        )  # fmt: skip
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "case_reassigned")).one()
    assert entry.action == "case_reassigned" and entry.subject == "R1"
    assert entry.detail == {"from": {"team": "North", "officer": "A"},
                            "to": {"team": "South", "officer": "B"}}  # fmt: skip


def _ehc(*args: str, db: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EHC_DATABASE_URL": db, "EHC_ACTOR": "cli.admin"}
    return subprocess.run(
        [EHC, *args], input=stdin, capture_output=True, text=True, env=env, timeout=60
    )


def test_cli_adds_users_from_stdin_and_prints_a_working_token(db_url: str) -> None:
    added = _ehc("users", "add", "Sam@Council.example", "--role", "manager", "--name", "Sam",
                 "--password-stdin", db=db_url, stdin=PASSWORD + "\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert PASSWORD not in added.stdout + added.stderr
    token = _ehc("users", "token", "sam@council.example", db=db_url)
    assert token.returncode == 0 and token.stdout.startswith("ehc_")
    engine = sa.create_engine(db_url)
    with Session(engine) as session:
        assert accounts.token_user(session, token.stdout.strip()) is not None
    engine.dispose()
    bad = _ehc("users", "add", "x@council.example", "--role", "officer", "--password-stdin",
               db=db_url, stdin=PASSWORD + "\n")  # fmt: skip
    assert bad.returncode == 2 and "Enter the team" in bad.stderr
    listed = _ehc("users", "list", db=db_url)
    assert "sam@council.example" in listed.stdout and "manager" in listed.stdout


def test_cli_resets_two_factor_as_the_users_page_does(db_url: str) -> None:
    """Both call `two_factor.reset`: the same refusal, the same audit entry."""
    added = _ehc("users", "add", "mo@council.example", "--role", "manager", "--name", "Mo",
                 "--password-stdin", db=db_url, stdin=PASSWORD + "\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    reset = ["users", "set", "mo@council.example", "--reset-two-factor"]
    refused = _ehc(*reset, db=db_url)
    assert refused.returncode == 2
    assert "has not set up two-factor sign-in, so there is nothing to reset" in refused.stderr
    engine = sa.create_engine(db_url)
    now = datetime.now(UTC)
    with Session(engine) as session:
        two_factor.enrol(session=session, email="mo@council.example", actor="t", clock=lambda: now)
    done = _ehc(*reset, db=db_url)
    assert done.returncode == 0, done.stderr
    with Session(engine) as session:
        assert not two_factor.is_enrolled(accounts.get_user(session, "mo@council.example"))
        entries = session.exec(select(AuditEntry).where(AuditEntry.action == "two_factor_reset"))
        assert [(a.actor, a.subject) for a in entries] == [("cli.admin", "mo@council.example")]
    engine.dispose()


def test_demo_users_print_passwords_that_sign_in(sqlite_url: str) -> None:
    first = _ehc("users", "demo", db=sqlite_url)
    assert first.returncode == 0, first.stderr
    lines = [line.split() for line in first.stdout.splitlines() if "@demo.example" in line]
    assert [line[0] for line in lines] == ["officer", "manager", "viewer", "admin"]
    engine = sa.create_engine(sqlite_url)
    now = datetime.now(UTC)
    with Session(engine) as session:
        for _role, email, password in lines:
            signed = accounts.sign_in(
                session=session, email=email, password=password, client="t", clock=lambda: now
            )
            assert signed.user.email == email
    engine.dispose()
    again = _ehc("users", "demo", db=sqlite_url)  # a second run resets the passwords
    assert again.returncode == 0 and again.stdout != first.stdout
