"""Two-factor sign-in for local (password) accounts: TOTP codes and recovery codes.

After a right password, a user with a second factor gets a session that awaits the
code (`accounts.AWAITING_CODE`); an admin or manager without one (or anyone, where
the council requires it) gets one that awaits enrolment. `web.auth` lets such a
session reach only the two-factor pages; passing them ends it and starts a new,
full session (a new key: the half-signed-in one is never promoted in place).

- Codes are RFC 6238 TOTP (pyotp: 6 digits, 30 seconds), one step either side
  accepted for clock drift. A code's time-step is kept when it is accepted: that
  code, or an earlier one, never works again (a code seen over a shoulder is spent).
- Recovery codes: ten, shown once at enrolment, stored as SHA-256 digests, each
  works once. They are random (50 bits), so a plain digest is enough, as for tokens.
- Wrong codes count as failed sign-ins (`accounts.reserve_attempt`): the same limits
  per email address and per client as wrong passwords.

Each public function owns its transaction and writes its audit entry.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
import sqlalchemy as sa
from sqlmodel import Session, col, select

from workflow import accounts
from workflow.account_models import RecoveryCode, User, WebSession
from workflow.clock import Clock
from workflow.errors import Conflict, InvalidInput, WorkflowError

ISSUER = "EHC engine"  # what authenticator apps show above the account
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o or 1/l/i to misread
TOTP_CODE = re.compile(r"^\d{6}$")


class CodeRefused(WorkflowError):
    http_status = 401

    def __init__(self) -> None:
        super().__init__(
            "Enter a correct security code: the 6-digit code from your authenticator app, "
            "or one of your recovery codes"
        )


class NothingAwaited(WorkflowError):
    """The session is not at the step asked for (signed out, expired, or already past it)."""

    http_status = 409

    def __init__(self) -> None:
        super().__init__("This sign-in has expired or is already complete. Sign in again")


class NotEnrolled(Conflict):
    """A reset asked for someone who has no second factor to remove."""

    def __init__(self, email: str) -> None:
        super().__init__(f"{email} has not set up two-factor sign-in, so there is nothing to reset")


@dataclass(frozen=True)
class Enrolment:
    secret: str
    recovery_codes: list[str]


def new_recovery_code() -> str:
    chars = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{chars[:5]}-{chars[5:]}"


def _plain(code: str) -> str:
    """A code as typed: spaces and hyphens are the reader's, not the code's."""
    return re.sub(r"[\s-]+", "", code).lower()


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def current_code(secret: str, now: datetime) -> str:
    """The code an authenticator app shows at `now` (for tests and the demo's help)."""
    return pyotp.TOTP(secret).at(now)


def _session_awaiting(
    session: Session, key: str | None, now: datetime, *steps: str | None
) -> WebSession:
    row = accounts.live_session(session, key, now)
    if row is None or row.awaiting not in steps:
        session.rollback()
        raise NothingAwaited()
    return row


def _user_of(session: Session, row: WebSession) -> User:
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        session.rollback()
        raise NothingAwaited()
    return user


def enrolment_secret(*, session: Session, key: str | None, clock: Clock) -> tuple[User, str]:
    """The secret for the enrolment page: the one started before, or a new one (kept
    unconfirmed until a code proves the app has it). For a session awaiting enrolment,
    or a signed-in user who has no second factor yet and chooses one."""
    now = clock()
    row = _session_awaiting(session, key, now, accounts.AWAITING_ENROLMENT, None)
    user = _user_of(session, row)
    if user.totp_confirmed_at is not None:
        session.rollback()
        raise InvalidInput("You have already set up two-factor authentication")
    if user.totp_secret is None:
        user.totp_secret = pyotp.random_base32()
        session.add(user)
    secret = user.totp_secret
    session.commit()
    return user, secret


def _matching_step(user: User, code: str, now: datetime) -> int | None:
    """The time-step of a right TOTP code not used before, or None."""
    if user.totp_secret is None or not TOTP_CODE.match(code):
        return None
    totp = pyotp.TOTP(user.totp_secret)
    current = int(now.timestamp()) // totp.interval
    for step in (current - 1, current, current + 1):
        if user.totp_last_step is not None and step <= user.totp_last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _spend_step(session: Session, user: User, step: int) -> bool:
    """Record the accepted step, unless another request spent it (or a later one) first."""
    done = session.execute(
        sa.update(User)
        .where(
            col(User.id) == user.id,
            sa.or_(col(User.totp_last_step).is_(None), col(User.totp_last_step) < step),
        )
        .values(totp_last_step=step)
    )
    return bool(done.rowcount == 1)  # type: ignore[attr-defined]


def _spend_recovery_code(session: Session, user: User, code: str, now: datetime) -> bool:
    done = session.execute(
        sa.update(RecoveryCode)
        .where(
            col(RecoveryCode.user_id) == user.id,
            col(RecoveryCode.code_sha256) == accounts.digest(code),
            col(RecoveryCode.used_at).is_(None),
        )
        .values(used_at=now)
    )
    return bool(done.rowcount >= 1)  # type: ignore[attr-defined]


def _new_recovery_codes(session: Session, user: User, now: datetime) -> list[str]:
    session.execute(sa.delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    assert user.id is not None
    for code in codes:
        session.add(
            RecoveryCode(user_id=user.id, code_sha256=accounts.digest(_plain(code)), created_at=now)
        )
    return codes


def _promote(session: Session, row: WebSession, user: User, now: datetime) -> accounts.SignedIn:
    """End the half-signed-in session and start a full one, with a new key."""
    row.ended_at = now
    session.add(row)
    return accounts.start_session(session, user, now, method=row.method)


def confirm_enrolment(
    *, session: Session, key: str | None, code: str, client: str, clock: Clock
) -> tuple[accounts.SignedIn, list[str]]:
    """The first code from the app confirms its secret: the user is enrolled, gets their
    recovery codes (returned once) and a full session."""
    now = clock()
    row = _session_awaiting(session, key, now, accounts.AWAITING_ENROLMENT, None)
    user = _user_of(session, row)
    email = user.email
    session.commit()
    attempt = accounts.reserve_attempt(session, email, accounts.client_address(client), now)
    row = _session_awaiting(session, key, now, accounts.AWAITING_ENROLMENT, None)
    user = _user_of(session, row)
    step = _matching_step(user, _plain(code), now) if user.totp_confirmed_at is None else None
    if step is None or not _spend_step(session, user, step):
        session.rollback()
        raise CodeRefused()  # the reserved failure stays counted
    accounts.forget_attempt(session, attempt)
    user.totp_confirmed_at = now
    session.add(user)
    codes = _new_recovery_codes(session, user, now)
    signed = _promote(session, row, user, now)
    accounts.audit(session, now, email, "two_factor_enrolled", email)
    if row.awaiting is not None:
        accounts.audit(session, now, email, "signed_in", email, second_factor="totp")
    session.commit()
    return signed, codes


def pass_second_factor(
    *, session: Session, key: str | None, code: str, client: str, clock: Clock
) -> accounts.SignedIn:
    """A TOTP code, or an unused recovery code, completes the sign-in."""
    now = clock()
    row = _session_awaiting(session, key, now, accounts.AWAITING_CODE)
    email = _user_of(session, row).email
    session.commit()
    attempt = accounts.reserve_attempt(session, email, accounts.client_address(client), now)
    row = _session_awaiting(session, key, now, accounts.AWAITING_CODE)
    user = _user_of(session, row)
    typed = _plain(code)
    step = _matching_step(user, typed, now)
    if step is not None and _spend_step(session, user, step):
        how = "totp"
    elif (
        step is None
        and not TOTP_CODE.match(typed)
        and _spend_recovery_code(session, user, typed, now)
    ):
        how = "recovery_code"
    else:
        session.rollback()
        raise CodeRefused()
    accounts.forget_attempt(session, attempt)
    signed = _promote(session, row, user, now)
    accounts.audit(session, now, email, "signed_in", email, second_factor=how)
    session.commit()
    return signed


def recovery_codes_left(session: Session, user: User) -> int:
    query = sa.select(sa.func.count()).where(
        col(RecoveryCode.user_id) == user.id, col(RecoveryCode.used_at).is_(None)
    )
    count = int(session.execute(query).scalar_one())
    session.commit()
    return count


def enrol(*, session: Session, email: str, actor: str, clock: Clock) -> Enrolment:
    """Enrol a user directly with a new secret and recovery codes, without a code from an
    app: for the demo accounts (`make run` prints what they need) and tests. A real
    user enrols at sign-in, where a code from their app confirms the secret."""
    user = accounts.get_user(session, email)
    now = clock()
    secret = pyotp.random_base32()
    user.totp_secret, user.totp_confirmed_at, user.totp_last_step = secret, now, None
    session.add(user)
    codes = _new_recovery_codes(session, user, now)
    accounts.audit(session, now, actor, "two_factor_enrolled", user.email, directly=True)
    session.commit()
    return Enrolment(secret=secret, recovery_codes=codes)


def reset(*, session: Session, email: str, actor: str, clock: Clock) -> User:
    """Remove a user's second factor (a lost phone): they set one up again at their next
    sign-in, if they need one. Their sessions end. The CLI and the users page both call
    this, so both refuse a user with nothing to reset and both write the audit entry.

    A started but unconfirmed set-up is not reset: its page shows the key again."""
    user = accounts.get_user(session, email)
    if not is_enrolled(user):
        session.rollback()
        raise NotEnrolled(user.email)
    now = clock()
    user.totp_secret, user.totp_confirmed_at, user.totp_last_step = None, None, None
    session.add(user)
    session.execute(sa.delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    session.execute(
        sa.update(WebSession)
        .where(col(WebSession.user_id) == user.id, col(WebSession.ended_at).is_(None))
        .values(ended_at=now)
    )
    accounts.audit(session, now, actor, "two_factor_reset", user.email)
    session.commit()
    session.refresh(user)
    session.commit()
    return user


def is_enrolled(user: User) -> bool:
    return user.totp_confirmed_at is not None


def enrolled_users(session: Session) -> set[str]:
    found = set(session.exec(select(User.email).where(col(User.totp_confirmed_at).is_not(None))))
    session.commit()
    return found
