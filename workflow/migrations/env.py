"""Alembic environment: the URL and, optionally, a live connection come from `workflow.migrate`."""

from __future__ import annotations

from alembic import context

from workflow.db import make_engine

config = context.config


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():  # pragma: no cover - we always migrate online
    raise SystemExit("Offline migrations are not supported; run `ehc db upgrade`.")
run_migrations()
