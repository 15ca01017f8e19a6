"""Sign-in throttling under concurrent guesses, and hostile sign-in input, on both databases.

Issue 17 items 4, 5 and 8: the limits hold when the guesses arrive at once, the stored
client is always an IP address, and control characters in the email are an ordinary
refusal, never a database error.
"""

from __future__ import annotations

import ipaddress
import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from tests.council import add_council
from workflow import accounts
from workflow.account_models import SignInFailure, User
from workflow.db import new_session
from workflow.errors import InvalidInput

PASSWORD = "a long enough password"
EMAIL = "jo@council.example"
GUESSES = 24


def _add_user(session: Session, clock: Callable[[], datetime]) -> None:
    add_council(session, clock, team_names=["North"])
    accounts.add_user(
        session=session, email=EMAIL, name="Jo Officer", role="officer", team="North",
        password=PASSWORD, actor="admin@council.example", clock=clock,
    )  # fmt: skip


def _guess_at_once(
    engine: Engine, clock: Callable[[], datetime], attempts: list[tuple[str, str, str]]
) -> Counter[str]:
    """Run each (email, password, client) sign-in in its own thread, all released together."""
    start = threading.Barrier(len(attempts))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(email: str, password: str, client: str) -> None:
        start.wait()
        with new_session(engine) as session:
            try:
                accounts.sign_in(
                    session=session, email=email, password=password, client=client, clock=clock
                )
                outcome = "signed in"
            except accounts.SignInRefused:
                outcome = "401"
            except accounts.TooManyAttempts:
                outcome = "429"
            except Exception as e:  # noqa: BLE001  # any other outcome fails the test below
                outcome = type(e).__name__
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=a) for a in attempts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a sign-in did not finish within 120 s"
    return Counter(outcomes)


def test_concurrent_wrong_passwords_for_one_email_are_checked_at_most_five_times(
    engine: Engine, session: Session, clock: Callable[[], datetime]
) -> None:
    _add_user(session, clock)
    outcomes = _guess_at_once(
        engine, clock, [(EMAIL, f"wrong guess {n}", f"10.0.0.{n}") for n in range(GUESSES)]
    )
    assert outcomes == {
        "401": accounts.MAX_FAILURES_PER_EMAIL,
        "429": GUESSES - accounts.MAX_FAILURES_PER_EMAIL,
    }
    stored = session.exec(select(SignInFailure)).all()
    assert len(stored) == accounts.MAX_FAILURES_PER_EMAIL


def test_concurrent_failures_from_one_client_are_checked_at_most_twenty_times(
    engine: Engine, clock: Callable[[], datetime]
) -> None:
    outcomes = _guess_at_once(
        engine,
        clock,
        [(f"nobody{n}@council.example", "wrong guess", "192.0.2.7") for n in range(GUESSES)],
    )
    assert outcomes == {
        "401": accounts.MAX_FAILURES_PER_CLIENT,
        "429": GUESSES - accounts.MAX_FAILURES_PER_CLIENT,
    }


def test_a_correct_password_leaves_no_failure_behind(
    session: Session, clock: Callable[[], datetime]
) -> None:
    _add_user(session, clock)
    for n in range(accounts.MAX_FAILURES_PER_EMAIL - 1):
        with pytest.raises(accounts.SignInRefused):
            accounts.sign_in(
                session=session, email=EMAIL, password=f"wrong {n}", client="192.0.2.1",
                clock=clock,
            )  # fmt: skip
    accounts.sign_in(
        session=session, email=EMAIL, password=PASSWORD, client="192.0.2.1", clock=clock
    )
    assert len(session.exec(select(SignInFailure)).all()) == accounts.MAX_FAILURES_PER_EMAIL - 1


@pytest.mark.parametrize(
    "sent, stored",
    [
        ("192.0.2.10", "192.0.2.10"),
        ("2001:DB8::1", "2001:db8::1"),  # one spelling per address, so one count
        ("i-am-not-an-ip-0", accounts.UNKNOWN_CLIENT),
        ("", accounts.UNKNOWN_CLIENT),
        ("192.0.2.10, 10.0.0.1", accounts.UNKNOWN_CLIENT),
    ],
)
def test_the_stored_client_is_always_an_ip_address(
    session: Session, clock: Callable[[], datetime], sent: str, stored: str
) -> None:
    with pytest.raises(accounts.SignInRefused):
        accounts.sign_in(
            session=session, email=EMAIL, password="wrong guess", client=sent, clock=clock
        )
    row = session.exec(select(SignInFailure)).one()
    assert row.client == stored
    ipaddress.ip_address(row.client)


def test_clients_that_are_not_addresses_share_one_limit(
    session: Session, clock: Callable[[], datetime]
) -> None:
    """Issue 17 item 8: 25 guesses, each from a made-up address, all got 401."""
    outcomes: Counter[str] = Counter()
    for n in range(25):
        try:
            accounts.sign_in(
                session=session, email=f"nobody{n}@council.example", password="wrong guess",
                client=f"i-am-not-an-ip-{n}", clock=clock,
            )  # fmt: skip
        except accounts.SignInRefused:
            outcomes["401"] += 1
        except accounts.TooManyAttempts:
            outcomes["429"] += 1
    assert outcomes == {"401": accounts.MAX_FAILURES_PER_CLIENT, "429": 5}


@pytest.mark.parametrize("character", ["\x00", "\x01", "\n", "\x7f", "\x85"])
def test_a_control_character_in_the_email_is_an_ordinary_refusal(
    session: Session, clock: Callable[[], datetime], character: str
) -> None:
    _add_user(session, clock)
    with pytest.raises(accounts.SignInRefused):
        accounts.sign_in(
            session=session, email=f"jo{character}@council.example", password=PASSWORD,
            client="192.0.2.1", clock=clock,
        )  # fmt: skip
    session.rollback()
    with pytest.raises(InvalidInput, match="Enter an email address in the correct format"):
        accounts.add_user(
            session=session, email=f"al{character}@council.example", name="Al", role="viewer",
            team=None, password=PASSWORD, actor="t", clock=clock,
        )  # fmt: skip
    assert [u.email for u in session.exec(select(User))] == [EMAIL]


@pytest.mark.parametrize("character", ["\x00", "\x1b"])
def test_a_control_character_in_the_password_is_an_ordinary_refusal(
    session: Session, clock: Callable[[], datetime], character: str
) -> None:
    _add_user(session, clock)
    with pytest.raises(accounts.SignInRefused):
        accounts.sign_in(
            session=session, email=EMAIL, password=PASSWORD + character, client="192.0.2.1",
            clock=clock,
        )  # fmt: skip
