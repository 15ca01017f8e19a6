"""Teams as data: a `teams` table, filled from the teams cases and users already carry.

Until now a case's and a user's team were free text, so "North" and "north " were two
teams in every count. The upgrade makes one team for each name used, merging names
that differ only in case or spacing (the key: lower-case, spaces collapsed) under the
spelling used most (cases and users together; ties go to the first in alphabetical
order), and rewrites the cases and users that used another spelling to that one.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)


def _key(name: str) -> str:
    """As `workflow.teams.team_key` (a migration does not import the application)."""
    return " ".join(name.split()).casefold()


def upgrade() -> None:
    teams = op.create_table(
        "teams",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("key", sa.String(100), nullable=False, unique=True),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", UTC_TS, nullable=False),
    )
    bind = op.get_bind()
    used: Counter[str] = Counter()
    for table in ("cases", "users"):
        rows = bind.execute(
            sa.text(f"SELECT team, count(*) FROM {table} WHERE team IS NOT NULL GROUP BY team")
        )
        for team, count in rows:
            if team.strip():
                used[team] += count
    spellings: dict[str, list[str]] = defaultdict(list)
    for team in used:
        spellings[_key(team)].append(team)
    now = dt.datetime.now(dt.UTC)
    for key, names in sorted(spellings.items()):
        display = sorted(names, key=lambda n: (-used[n], " ".join(n.split())))[0]
        display = " ".join(display.split())
        bind.execute(sa.insert(teams).values(name=display, key=key, active=True, created_at=now))
        for table in ("cases", "users"):
            for other in names:
                if other != display:
                    bind.execute(
                        sa.text(f"UPDATE {table} SET team = :display WHERE team = :other"),
                        {"display": display, "other": other},
                    )


def downgrade() -> None:
    op.drop_table("teams")
