"""Two-factor sign-in on both databases: who needs it, codes, reuse, recovery codes,
throttling, and the session that awaits it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine
from sqlmodel import Session, select

from tests.council import add_council
from workflow import accounts, two_factor
from workflow.account_models import AuditEntry, RecoveryCode, WebSession

PASSWORD = "a long enough password"
Clock = Callable[[], datetime]


@pytest.fixture(autouse=True)
def _teams(engine: Engine, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    add_council(engine, clock)
    # The lowest argon2id cost keeps the many sign-ins fast; the hashing code is the same.
    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


def _add(session: Session, clock: Clock, role: str, email: str | None = None) -> str:
    email = email or f"{role}@council.example"
    accounts.add_user(
        session=session, email=email, name=role.title(), role=role,
        team="North" if role == "officer" else None, password=PASSWORD, actor="t", clock=clock,
    )  # fmt: skip
    return email


def _password(session: Session, clock: Clock, email: str, **kw: bool) -> accounts.SignedIn:
    return accounts.sign_in(
        session=session, email=email, password=PASSWORD, client="10.0.0.1", clock=clock, **kw
    )


@pytest.mark.parametrize(
    "role, for_all, awaiting",
    [
        ("admin", False, "enrol"),
        ("manager", False, "enrol"),
        ("officer", False, None),
        ("viewer", False, None),
        ("officer", True, "enrol"),  # the council requires it of everyone
    ],
)
def test_who_must_set_up_a_second_factor(
    session: Session, clock: Clock, role: str, for_all: bool, awaiting: str | None
) -> None:
    email = _add(session, clock, role)
    signed = _password(session, clock, email, second_factor_for_all=for_all)
    assert signed.awaiting == awaiting
    live = accounts.session_user(session, signed.key, clock)
    assert live is not None and live.awaiting == awaiting


def test_enrolment_confirms_the_secret_and_gives_ten_recovery_codes_once(
    session: Session, clock: Clock
) -> None:
    email = _add(session, clock, "manager")
    pending = _password(session, clock, email)
    user, secret = two_factor.enrolment_secret(session=session, key=pending.key, clock=clock)
    # Reloading the page shows the same secret: the app may already have it.
    assert two_factor.enrolment_secret(session=session, key=pending.key, clock=clock)[1] == secret
    assert two_factor.provisioning_uri(user, secret).startswith("otpauth://totp/EHC%20engine:")
    with pytest.raises(two_factor.CodeRefused):
        two_factor.confirm_enrolment(
            session=session, key=pending.key, code="000000", client="10.0.0.1", clock=clock
        )
    code = two_factor.current_code(secret, clock())
    signed, codes = two_factor.confirm_enrolment(
        session=session, key=pending.key, code=code, client="10.0.0.1", clock=clock
    )
    assert len(codes) == 10 == len(set(codes))
    assert signed.awaiting is None and signed.key != pending.key
    assert accounts.session_user(session, pending.key, clock) is None  # the half one ended
    stored = session.exec(select(RecoveryCode)).all()
    assert {r.code_sha256 for r in stored} == {accounts.digest(c.replace("-", "")) for c in codes}
    assert not any(c in r.code_sha256 for r in stored for c in codes)
    # Next time, the password leads to the code.
    assert _password(session, clock, email).awaiting == "code"


def _enrolled(
    session: Session, clock: Clock, role: str = "admin"
) -> tuple[str, two_factor.Enrolment]:
    email = _add(session, clock, role)
    return email, two_factor.enrol(session=session, email=email, actor="t", clock=clock)


def test_a_code_completes_the_sign_in_once_and_never_again(session: Session, clock: Clock) -> None:
    email, enrolment = _enrolled(session, clock)
    code = two_factor.current_code(enrolment.secret, clock())
    pending = _password(session, clock, email)
    signed = two_factor.pass_second_factor(
        session=session, key=pending.key, code=f" {code[:3]} {code[3:]} ", client="c", clock=clock
    )
    live = accounts.session_user(session, signed.key, clock)
    assert live is not None and live.awaiting is None
    assert accounts.session_user(session, pending.key, clock) is None
    # The same code again (seen over a shoulder): refused, as is the step before it.
    again = _password(session, clock, email)
    for old in (code, two_factor.current_code(enrolment.secret, clock() - timedelta(seconds=30))):
        with pytest.raises(two_factor.CodeRefused):
            two_factor.pass_second_factor(
                session=session, key=again.key, code=old, client="c", clock=clock
            )
    # The next step's code works (the app's clock may run a little ahead).
    later = two_factor.current_code(enrolment.secret, clock() + timedelta(seconds=30))
    two_factor.pass_second_factor(
        session=session, key=again.key, code=later, client="c", clock=clock
    )


def test_each_recovery_code_works_once(session: Session, clock: Clock) -> None:
    email, enrolment = _enrolled(session, clock)
    code = enrolment.recovery_codes[0]
    first = _password(session, clock, email)
    two_factor.pass_second_factor(
        session=session, key=first.key, code=code.upper(), client="c", clock=clock
    )
    second = _password(session, clock, email)
    with pytest.raises(two_factor.CodeRefused):
        two_factor.pass_second_factor(
            session=session, key=second.key, code=code, client="c", clock=clock
        )
    user = accounts.get_user(session, email)
    assert two_factor.recovery_codes_left(session, user) == 9
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "signed_in")).all()
    assert [a.detail.get("second_factor") for a in audit] == ["recovery_code"]


def test_wrong_codes_are_throttled_like_passwords(session: Session, clock: Clock) -> None:
    email, enrolment = _enrolled(session, clock)
    pending = _password(session, clock, email)
    for _ in range(accounts.MAX_FAILURES_PER_EMAIL):
        with pytest.raises(two_factor.CodeRefused):
            two_factor.pass_second_factor(
                session=session, key=pending.key, code="123456", client="c", clock=clock
            )
    right = two_factor.current_code(enrolment.secret, clock())
    with pytest.raises(accounts.TooManyAttempts):
        two_factor.pass_second_factor(
            session=session, key=pending.key, code=right, client="c", clock=clock
        )
    # The password is refused too, for the same window.
    with pytest.raises(accounts.TooManyAttempts):
        _password(session, clock, email)


def test_a_full_session_cannot_be_passed_again_and_a_reset_ends_sessions(
    session: Session, clock: Clock
) -> None:
    email, enrolment = _enrolled(session, clock, role="manager")
    pending = _password(session, clock, email)
    signed = two_factor.pass_second_factor(
        session=session, key=pending.key, code=enrolment.recovery_codes[1], client="c", clock=clock
    )
    with pytest.raises(two_factor.NothingAwaited):
        two_factor.pass_second_factor(
            session=session,
            key=signed.key,
            code=enrolment.recovery_codes[2],
            client="c",
            clock=clock,
        )
    two_factor.reset(session=session, email=email, actor="admin@council.example", clock=clock)
    assert accounts.session_user(session, signed.key, clock) is None
    assert session.exec(select(RecoveryCode)).all() == []
    assert _password(session, clock, email).awaiting == "enrol"
    assert all(
        s.ended_at is not None for s in session.exec(select(WebSession)) if s.awaiting != "enrol"
    )


def test_an_officer_may_choose_a_second_factor(session: Session, clock: Clock) -> None:
    email = _add(session, clock, "officer")
    signed = _password(session, clock, email)
    assert signed.awaiting is None
    _, secret = two_factor.enrolment_secret(session=session, key=signed.key, clock=clock)
    two_factor.confirm_enrolment(
        session=session, key=signed.key, code=two_factor.current_code(secret, clock()),
        client="c", clock=clock,
    )  # fmt: skip
    assert _password(session, clock, email).awaiting == "code"
