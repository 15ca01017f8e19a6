"""Stored rows for the people who use the engine: staff accounts, their sign-in
sessions and API tokens, failed sign-ins (for throttling) and the audit log.

Tokens, session keys and recovery codes are stored only as SHA-256 digests: a copy
of the database does not let anyone sign in with them. Passwords are argon2id
hashes. The TOTP secret is stored as it is: checking a code needs it (migration 0013).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import JSON, Column, Field, SQLModel

from workflow.models import UtcDateTime

ROLES = ("officer", "manager", "viewer", "admin")


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, max_length=320)  # stored lower-case
    # The name cases carry in their `officer` field, so "my cases" can be found.
    name: str = Field(max_length=100)
    role: str = Field(max_length=16)
    team: str | None = Field(default=None, max_length=100)
    password_hash: str = Field(max_length=200)
    active: bool = True
    version: int = 0
    created_at: dt.datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    updated_at: dt.datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    # Two-factor (workflow.two_factor): the authenticator app's secret, set when
    # enrolment starts and trusted once a code has confirmed it; the last time-step
    # whose code was accepted, so no code works twice.
    totp_secret: str | None = Field(default=None, max_length=64)
    totp_confirmed_at: dt.datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))
    totp_last_step: int | None = None
    # Single sign-on (web.oidc): the provider's issuer and subject, "issuer|sub", kept at
    # the first sign-in so a later sign-in with the same email from another subject fails.
    oidc_subject: str | None = Field(default=None, max_length=400, unique=True, index=True)


class WebSession(SQLModel, table=True):
    __tablename__ = "web_sessions"

    id: int | None = Field(default=None, primary_key=True)
    key_sha256: str = Field(unique=True, max_length=64)
    user_id: int = Field(foreign_key="users.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: dt.datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    expires_at: dt.datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    ended_at: dt.datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))
    # What the session still needs before it reaches any page: "code" (the second
    # factor) or "enrol" (set one up); None once it is fully signed in.
    awaiting: str | None = Field(default=None, max_length=8)
    # "password" or "oidc": an OpenID Connect session also signs out at the provider.
    method: str = Field(default="password", max_length=16)


class RecoveryCode(SQLModel, table=True):
    """A one-time recovery code for two-factor sign-in, stored as its SHA-256 digest."""

    __tablename__ = "recovery_codes"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    code_sha256: str = Field(max_length=64)
    created_at: dt.datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    used_at: dt.datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    token_sha256: str = Field(unique=True, max_length=64)
    user_id: int = Field(foreign_key="users.id", index=True)
    created_at: dt.datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    revoked_at: dt.datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))


class SignInFailure(SQLModel, table=True):
    __tablename__ = "sign_in_failures"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(index=True, max_length=320)
    client: str = Field(index=True, max_length=64)
    at: dt.datetime = Field(sa_column=Column(UtcDateTime(), nullable=False, index=True))


class AuditEntry(SQLModel, table=True):
    """Who changed an account or a case's assignment, and when (append-only)."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    actor: str = Field(max_length=320)
    action: str = Field(max_length=40)
    subject: str = Field(max_length=320)  # a user's email or a case reference
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Team(SQLModel, table=True):
    """A team of the council (migration 0009). Cases and users carry its `name`.

    `key` is the name as matched ("north " and "North" are one team: lower-case, spaces
    collapsed, see `workflow.teams.team_key`); it is unique, so no two teams differ only
    in case or spacing.
    """

    __tablename__ = "teams"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)  # the display name, as cases and users store it
    key: str = Field(unique=True, max_length=100)
    active: bool = True
    created_at: dt.datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
