"""Staff accounts: adding and changing users, signing in and out, API tokens.

Like `workflow.service`, each public function owns its transaction and writes
its own audit entry. Passwords are hashed with argon2id; sign-in keys and API
tokens are random, shown once and stored only as SHA-256 digests. Failed
sign-ins are counted per email address and per client to throttle guessing.

The count is exact under concurrent guesses: each attempt reserves its failure row
before the password is checked, in a transaction that holds a lock per email and per
client (SQLite's BEGIN IMMEDIATE; on PostgreSQL transaction-scoped advisory locks),
and a correct password deletes its reservation again.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, NamedTuple

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from workflow.account_models import (
    ROLES,
    ApiToken,
    AuditEntry,
    SignInFailure,
    User,
    WebSession,
)
from workflow.clock import Clock
from workflow.errors import ConcurrentUpdate, InvalidInput, WorkflowError
from workflow.teams import display_name, resolve_team, team_key

SESSION_LIFETIME = timedelta(hours=10)  # a working day, then sign in again
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_CLIENT = 20
MIN_PASSWORD_LENGTH = 12
# No whitespace and no control characters (C0, DEL, C1) in any part: a NUL byte would
# otherwise reach PostgreSQL, which refuses it with a fault instead of a message.
_PART = r"[^@\s\x00-\x1f\x7f-\x9f]+"
EMAIL = re.compile(rf"^{_PART}@{_PART}\.{_PART}$")
# Where a client's address cannot be read (not an IP address), its failures are counted
# here, together: made-up addresses cannot each start a fresh limit.
UNKNOWN_CLIENT = "0.0.0.0"
# PostgreSQL advisory lock classes (the two-key form, apart from the scheduler's
# one-key lock): one for the email counted, one for the client.
_EMAIL_LOCK, _CLIENT_LOCK = 1701, 1702

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters


@cache
def _dummy_hash() -> str:
    """Checked when the email is unknown, so a wrong email costs as long as a wrong password.
    Hashed on first use, not at import: importing this module (as every `ehc` command that
    opens the service does) costs no argon2 hash."""
    return _hasher.hash("not a real password, only for timing")


def prepare_sign_in() -> None:
    """Make the dummy hash now (the web app does, at start): otherwise the first sign-in
    with an unknown email in a worker would take one hash longer, and tell it apart."""
    _dummy_hash()


class SignInRefused(WorkflowError):
    http_status = 401

    def __init__(self) -> None:
        super().__init__("Enter a correct email address and password")


class TooManyAttempts(WorkflowError):
    http_status = 429

    def __init__(self, minutes: int) -> None:
        self.minutes = minutes
        super().__init__(
            f"There have been too many attempts to sign in. Wait {minutes} minutes and try again"
        )


# The roles that must pass a second factor after their password (issue 22): they
# see every team's cases or change accounts. Others may choose to set one up.
SECOND_FACTOR_ROLES = ("admin", "manager")
AWAITING_CODE, AWAITING_ENROLMENT = "code", "enrol"


@dataclass(frozen=True)
class SignedIn:
    user: User
    key: str  # the cookie's value; only its digest is stored
    csrf_token: str
    # "code" or "enrol" while the second factor is still to come (web.auth lets such a
    # session reach only the two-factor pages); None when fully signed in.
    awaiting: str | None = None


class LiveSession(NamedTuple):
    user: User
    csrf_token: str
    awaiting: str | None
    method: str


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normal_email(email: Any) -> str:
    if not isinstance(email, str) or not email.strip():
        raise InvalidInput("Enter an email address")
    value = email.strip().lower()
    if len(value) > 320 or not EMAIL.match(value):
        raise InvalidInput("Enter an email address in the correct format, like name@example.gov.uk")
    return value


def check_role(role: Any) -> str:
    if role not in ROLES:
        raise InvalidInput(f"Select a role: {', '.join(ROLES)}")
    return str(role)


def check_password(password: Any) -> str:
    if not isinstance(password, str) or not password:
        raise InvalidInput("Enter a password")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"Password must be {MIN_PASSWORD_LENGTH} characters or more")
    if len(password) > 1000:
        raise InvalidInput("Password must be 1000 characters or fewer")
    return password


def _text(value: Any, what: str, required: bool) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"Enter the {what}")
        return None
    if not isinstance(value, str) or len(value.strip()) > 100:
        raise InvalidInput(f"The {what} must be 100 characters or fewer")
    return value.strip()


def audit(
    session: Session, now: datetime, actor: str, action: str, subject: str, **detail: Any
) -> None:
    session.add(AuditEntry(at=now, actor=actor, action=action, subject=subject, detail=detail))


def _commit(session: Session, subject: str) -> None:
    try:
        session.commit()
    except IntegrityError as e:
        session.rollback()
        raise ConcurrentUpdate(subject) from e


def find_user(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normal_email(email))).first()


def get_user(session: Session, email: str) -> User:
    user = find_user(session, email)
    if user is None:
        raise InvalidInput(f"There is no user {normal_email(email)}")
    return user


def list_users(session: Session) -> list[User]:
    users = list(session.exec(select(User).order_by(col(User.email))))
    session.commit()
    return users


def add_user(
    *,
    session: Session,
    email: str,
    name: str,
    role: str,
    team: str | None,
    password: str,
    actor: str,
    clock: Clock,
) -> User:
    email = normal_email(email)
    name_ = _text(name, "name", required=True)
    role = check_role(role)
    team_ = _text(team, "team", required=role == "officer")
    if team_ is not None:
        team_ = resolve_team(session, team_)
    pw_hash = _hasher.hash(check_password(password))
    now = clock()
    if find_user(session, email) is not None:
        session.rollback()
        raise InvalidInput(f"There is already a user {email}")
    user = User(
        email=email,
        name=name_ or "",
        role=role,
        team=team_,
        password_hash=pw_hash,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    audit(session, now, actor, "user_added", email, role=role, team=team_)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise InvalidInput(f"There is already a user {email}") from None
    return user


# The password hash of an account made by an import: no password verifies against it.
NO_PASSWORD = "!"
# Where an imported officer named without an email gets a placeholder address: the
# reserved .invalid domain (RFC 2606) can never deliver or belong to anyone.
PENDING_DOMAIN = "imported.invalid"


def add_pending_officer(
    *, session: Session, given: str, team: str | None, now: datetime, actor: str = "import"
) -> tuple[User, bool]:
    """An officer account for a name or email an import gives that no active account has,
    in the caller's transaction (`ehc import events --create-missing`): inactive and with
    no password, so nobody can sign in with it until an administrator sets a password and
    activates it. Returns the account and whether it is new: an existing (deactivated)
    account of that email or name is reused, not duplicated."""
    wanted = team_key(given)
    for user in session.exec(select(User)):
        if user.email == wanted or team_key(user.name) == wanted:
            return user, False
    if EMAIL.match(given.strip()):
        email = given.strip().lower()
        name = email.split("@")[0]
    else:
        name = display_name(given)
        stem = re.sub(r"[^a-z0-9]+", ".", wanted).strip(".") or "officer"
        email, n = f"{stem}@{PENDING_DOMAIN}", 1
        while find_user(session, email) is not None:
            n += 1
            email = f"{stem}.{n}@{PENDING_DOMAIN}"
    if len(name) > 100:
        raise InvalidInput(f"The officer's name must be 100 characters or fewer: {name[:100]}")
    user = User(
        email=email,
        name=name,
        role="officer",
        team=team,
        password_hash=NO_PASSWORD,
        active=False,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    audit(session, now, actor, "user_added", email, role="officer", team=team, active=False)
    session.flush()
    return user, True


def update_user(
    *,
    session: Session,
    email: str,
    actor: str,
    clock: Clock,
    role: str | None = None,
    team: str | None = None,
    name: str | None = None,
    active: bool | None = None,
    password: str | None = None,
    expected_version: int | None = None,
) -> User:
    """Change a user's role, team, name, password or whether they can sign in.

    Deactivating a user ends their sessions and revokes their API tokens.
    """
    changes: dict[str, Any] = {}
    if role is not None:
        changes["role"] = check_role(role)
    if name is not None:
        changes["name"] = _text(name, "name", required=True)
    if team is not None:
        changes["team"] = _text(team, "team", required=False)
    if active is not None:
        changes["active"] = bool(active)
    new_hash = _hasher.hash(check_password(password)) if password is not None else None
    now = clock()
    if changes.get("team") is not None:
        changes["team"] = resolve_team(session, changes["team"])
    user = get_user(session, email)
    if expected_version is not None and user.version != expected_version:
        session.rollback()
        raise ConcurrentUpdate(user.email)
    if changes.get("active") is False and _same_person(actor, user.email):
        # Nobody locks themselves out: another administrator must deactivate them.
        session.rollback()
        raise InvalidInput(
            f"You cannot deactivate your own account ({user.email}): "
            "ask another administrator to do it"
        )
    if changes.get("role", user.role) == "officer" and not changes.get("team", user.team):
        session.rollback()
        raise InvalidInput(f"Enter the team of {user.email}: an officer works in a team")
    values = {**changes, "version": user.version + 1, "updated_at": now}
    if new_hash is not None:
        values["password_hash"] = new_hash
    # Compare-and-set on the version, so two admins never overwrite each other.
    done = session.execute(
        sa.update(User).where(col(User.id) == user.id, col(User.version) == user.version),
        values,
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise ConcurrentUpdate(user.email)
    if changes.get("active") is False or new_hash is not None:
        _end_all(session, user, now)
    detail = dict(changes)
    if new_hash is not None:
        detail["password"] = "changed"
    audit(session, now, actor, "user_changed", user.email, **detail)
    _commit(session, user.email)
    session.refresh(user)
    session.commit()
    return user


def _same_person(actor: str, email: str) -> bool:
    return actor.strip().lower() == email


def _end_all(session: Session, user: User, now: datetime) -> None:
    session.execute(
        sa.update(WebSession)
        .where(col(WebSession.user_id) == user.id, col(WebSession.ended_at).is_(None))
        .values(ended_at=now)
    )
    session.execute(
        sa.update(ApiToken)
        .where(col(ApiToken.user_id) == user.id, col(ApiToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )


# -- signing in --------------------------------------------------------------------


def client_address(client: Any) -> str:
    """The client as stored and counted: an IP address in its one spelling, or UNKNOWN_CLIENT."""
    try:
        return str(ipaddress.ip_address(client.strip() if isinstance(client, str) else ""))
    except ValueError:
        return UNKNOWN_CLIENT


def _failures_since(session: Session, column: Any, value: str, since: datetime) -> int:
    query = sa.select(sa.func.count()).where(column == value, col(SignInFailure.at) >= since)
    return int(session.execute(query).scalar_one())


def reserve_attempt(session: Session, email: str, client: str, now: datetime) -> SignInFailure:
    """Count the recent failures and, if the limits allow another try, record this one as
    a failure, in one transaction that no other attempt for the email or the client can
    interleave with. Committed before the (slow) password check, so the lock is short."""
    if session.get_bind().dialect.name == "postgresql":
        # Always the email's lock first, then the client's: no two attempts wait on each
        # other in a circle. The count below, a new statement under READ COMMITTED, then
        # sees every earlier attempt. SQLite needs nothing: BEGIN IMMEDIATE serialises.
        for lock_class, key in ((_EMAIL_LOCK, email), (_CLIENT_LOCK, client)):
            session.execute(
                sa.select(sa.func.pg_advisory_xact_lock(lock_class, sa.func.hashtext(key)))
            )
    since = now - THROTTLE_WINDOW
    if (
        _failures_since(session, col(SignInFailure.email), email, since) >= MAX_FAILURES_PER_EMAIL
        or _failures_since(session, col(SignInFailure.client), client, since)
        >= MAX_FAILURES_PER_CLIENT
    ):
        session.rollback()
        raise TooManyAttempts(int(THROTTLE_WINDOW.total_seconds() // 60))
    attempt = SignInFailure(email=email, client=client, at=now)
    session.add(attempt)
    session.commit()
    return attempt


def sign_in(
    *,
    session: Session,
    email: str,
    password: str,
    client: str,
    clock: Clock,
    second_factor_for_all: bool = False,
) -> SignedIn:
    """Check the email and password and start a session.

    Too many failures for the email address or the client in the last 15
    minutes refuse even a correct password, so guessing is slow. `client` is
    the caller's IP address; anything else counts as UNKNOWN_CLIENT. A user who
    needs a second factor gets a session that awaits it (`SignedIn.awaiting`).
    """
    now = clock()
    try:
        email = normal_email(email)
    except InvalidInput:
        raise SignInRefused() from None
    if not isinstance(password, str) or not password:
        raise SignInRefused()
    attempt = reserve_attempt(session, email, client_address(client), now)
    user = session.exec(select(User).where(User.email == email)).first()
    session.commit()  # no transaction (nor SQLite's write lock) held while hashing
    if not _password_matches(user.password_hash if user else _dummy_hash(), password) or (
        user is None or not user.active
    ):
        raise SignInRefused()  # the reserved failure stays counted
    forget_attempt(session, attempt)
    awaiting = awaiting_after_password(user, second_factor_for_all=second_factor_for_all)
    signed = start_session(session, user, now, awaiting=awaiting)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    if awaiting is None:
        audit(session, now, user.email, "signed_in", user.email)
    session.commit()
    return signed


def awaiting_after_password(user: User, *, second_factor_for_all: bool) -> str | None:
    """What a right password still leaves to do: the code of an enrolled user, enrolment
    for one whose role (or the council's setting) needs a second factor, else nothing."""
    if user.totp_confirmed_at is not None:
        return AWAITING_CODE
    if second_factor_for_all or user.role in SECOND_FACTOR_ROLES:
        return AWAITING_ENROLMENT
    return None


def forget_attempt(session: Session, attempt: SignInFailure) -> None:
    """A right answer: its reserved failure no longer counts (in the caller's transaction)."""
    session.execute(sa.delete(SignInFailure).where(col(SignInFailure.id) == attempt.id))


def start_session(
    session: Session,
    user: User,
    now: datetime,
    *,
    awaiting: str | None = None,
    method: str = "password",
) -> SignedIn:
    """A new web session for the user, in the caller's transaction (it commits)."""
    assert user.id is not None
    key, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(
        WebSession(
            key_sha256=digest(key),
            user_id=user.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
            awaiting=awaiting,
            method=method,
        )
    )
    return SignedIn(user=user, key=key, csrf_token=csrf, awaiting=awaiting)


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Built once: every request asks it, and building a select costs more than running it.
_LIVE_SESSION = (
    sa.select(User, col(WebSession.csrf_token), col(WebSession.awaiting), col(WebSession.method))
    .join(WebSession, col(WebSession.user_id) == col(User.id))
    .where(
        col(WebSession.key_sha256) == sa.bindparam("key_sha256"),
        col(WebSession.ended_at).is_(None),
        col(WebSession.expires_at) > sa.bindparam("now"),
        col(User.active).is_(True),
    )
)


def session_user(session: Session, key: str | None, clock: Clock) -> LiveSession | None:
    """The active user of a live session key, with the session's CSRF token and what
    it still awaits."""
    if not key:
        return None
    row = session.execute(_LIVE_SESSION, {"key_sha256": digest(key), "now": clock()}).first()
    session.commit()
    return LiveSession(row[0], row[1], row[2], row[3]) if row else None


def live_session(session: Session, key: str | None, now: datetime) -> WebSession | None:
    """The stored row of a live session key (for the two-factor steps that move it on)."""
    if not key:
        return None
    return session.exec(
        select(WebSession).where(
            WebSession.key_sha256 == digest(key),
            col(WebSession.ended_at).is_(None),
            WebSession.expires_at > now,
        )
    ).first()


def sign_out(*, session: Session, key: str | None, clock: Clock) -> None:
    if not key:
        return
    session.execute(
        sa.update(WebSession)
        .where(col(WebSession.key_sha256) == digest(key), col(WebSession.ended_at).is_(None))
        .values(ended_at=clock())
    )
    session.commit()


# -- API tokens ----------------------------------------------------------------------


def issue_token(*, session: Session, email: str, actor: str, clock: Clock) -> str:
    """A new API token for the user; printed once, stored only as its digest."""
    user = get_user(session, email)
    if not user.active:
        session.rollback()
        raise InvalidInput(f"{user.email} is deactivated: activate the user first")
    assert user.id is not None
    token = "ehc_" + secrets.token_urlsafe(32)
    now = clock()
    session.add(ApiToken(token_sha256=digest(token), user_id=user.id, created_at=now))
    audit(session, now, actor, "token_issued", user.email)
    session.commit()
    return token


def token_user(session: Session, token: str | None) -> User | None:
    if not token:
        return None
    user = session.exec(
        select(User)
        .join(ApiToken, col(ApiToken.user_id) == col(User.id))
        .where(
            col(ApiToken.token_sha256) == digest(token),
            col(ApiToken.revoked_at).is_(None),
            col(User.active).is_(True),
        )
    ).first()
    session.commit()
    return user


# -- single sign-on ------------------------------------------------------------------


class NoAccount(WorkflowError):
    """Signed in at the council's provider, but no account here may be used with it."""

    http_status = 403

    def __init__(self, reason: str) -> None:
        super().__init__(reason)


SSO_ACTOR = "single sign-on"


def single_sign_on(
    *,
    session: Session,
    subject: str,
    email: str | None,
    name: str | None,
    grant: tuple[str, str | None] | None,
    clock: Clock,
) -> SignedIn:
    """A session for someone the council's provider vouches for (web.oidc checked the ID
    token). `subject` is "issuer|sub"; `email` the verified email, if any; `grant` the
    (role, team) the council's role map gives them, if any.

    The account is the one linked to the subject, else the one of the email (which is
    then linked to the subject: a later sign-in with that email from another subject is
    refused). With no account, a grant makes one; without a grant, nobody gets in. A
    grant also keeps the role and team of an existing account in step with the provider.
    """
    now = clock()
    if grant is not None and grant[1] is not None:
        grant = (grant[0], resolve_team(session, grant[1], where="EHC_OIDC_ROLE_MAP"))
    user = session.exec(select(User).where(User.oidc_subject == subject)).first()
    if user is None and email:
        try:
            user = find_user(session, email)
        except InvalidInput:
            user = None
        if user is not None and user.oidc_subject not in (None, subject):
            session.rollback()
            raise NoAccount(
                "Your council account does not match the account in this service with "
                "your email address. Ask an administrator of this service to check it"
            )
    if user is None:
        if grant is None or not email:
            session.rollback()
            raise NoAccount(
                "You do not have an account in this service. Ask an administrator of this "
                "service to add you"
            )
        user = _add_from_provider(session, email, name, grant, now)
    if not user.active:
        session.rollback()
        raise NoAccount("Your account in this service is deactivated. Ask an administrator")
    if grant is not None and (user.role, user.team) != grant:
        role, team = grant
        user.role, user.team, user.version = role, team, user.version + 1
        user.updated_at = now
        audit(session, now, SSO_ACTOR, "user_changed", user.email, role=role, team=team)
    if user.oidc_subject is None:
        user.oidc_subject = subject
    session.add(user)
    session.flush()
    signed = start_session(session, user, now, method="oidc")
    audit(session, now, user.email, "signed_in", user.email, via="oidc")
    _commit(session, user.email)
    return signed


def _add_from_provider(
    session: Session, email: str, name: str | None, grant: tuple[str, str | None], now: datetime
) -> User:
    role, team = grant
    address = normal_email(email)
    user = User(
        email=address,
        name=(name or address.split("@")[0]).strip()[:100],
        role=check_role(role),
        team=team,
        password_hash=NO_PASSWORD,  # they sign in at the provider only
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    audit(session, now, SSO_ACTOR, "user_added", address, role=role, team=user.team)
    return user
