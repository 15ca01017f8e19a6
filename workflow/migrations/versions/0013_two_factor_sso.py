"""Two-factor sign-in for local accounts and single sign-on (OpenID Connect).

`users`: the TOTP secret, when a code first confirmed it, the last accepted time-step
(no code works twice), and the provider subject of a single sign-on account.
`web_sessions`: what a session still awaits (a second factor, or setting one up)
before it reaches any page, and how it was signed in.
`recovery_codes`: one-time codes, as SHA-256 digests.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("users", sa.Column("totp_secret", sa.String(64)))
    op.add_column("users", sa.Column("totp_confirmed_at", UTC_TS))
    op.add_column("users", sa.Column("totp_last_step", sa.Integer))
    op.add_column("users", sa.Column("oidc_subject", sa.String(400)))
    op.create_index("ix_users_oidc_subject", "users", ["oidc_subject"], unique=True)
    op.add_column("web_sessions", sa.Column("awaiting", sa.String(8)))
    op.add_column(
        "web_sessions",
        sa.Column("method", sa.String(16), nullable=False, server_default="password"),
    )
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("code_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.Column("used_at", UTC_TS),
    )
    op.create_index("ix_recovery_codes_user_id", "recovery_codes", ["user_id"])


def downgrade() -> None:
    op.drop_table("recovery_codes")
    with op.batch_alter_table("web_sessions") as batch:
        batch.drop_column("method")
        batch.drop_column("awaiting")
    op.drop_index("ix_users_oidc_subject", "users")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("oidc_subject")
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_confirmed_at")
        batch.drop_column("totp_secret")
