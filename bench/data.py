"""Building, caching and describing each scale's data set.

A data set is the seeded cohort (`workflow.demo.generate`) imported through
`service.import_events`. It is built once by the import scenario into a staging
database, then swapped in: SQLite files under bench/.data/, PostgreSQL databases
named `ehc_bench_<scale>_<cases>`. A small JSON file beside them records the key
(scale, size, seed, generator version) it was built with; a different key means
the data are rebuilt.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bench.config import DATA, END, PG_PREFIX, PG_SERVER, SEED, Scale, data_key, url_for
from workflow.demo import generate


def meta_path(scale: Scale) -> Path:
    return DATA / f"{scale.name}-{scale.cases}-{scale.database}.json"


def read_meta(scale: Scale) -> dict[str, Any] | None:
    path = meta_path(scale)
    return json.loads(path.read_text()) if path.exists() else None


def is_current(scale: Scale, *, any_key: bool = False) -> bool:
    """The cached data set exists and was built with today's key (or any, if `any_key`)."""
    meta = read_meta(scale)
    if meta is None or not _exists(url_for(scale)):
        return False
    return any_key or meta.get("key") == data_key(scale)


def batches(scale: Scale, cases_per_batch: int) -> Iterator[list[str]]:
    """The cohort's import lines (JSON text), a few thousand whole cases at a time."""
    batch: list[str] = []
    seen = 0
    last = None
    for line in generate(scale.cases, end=END, seed=SEED):
        if line["case"] != last:
            last = line["case"]
            seen += 1
            if seen > cases_per_batch:
                yield batch
                batch, seen = [], 1
        batch.append(json.dumps(line))
    if batch:
        yield batch


# -- databases -------------------------------------------------------------------------


def _admin() -> sa.Engine:
    return sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")


def _pg_name(url: str) -> str:
    name = make_url(url).database
    assert name is not None and name.startswith(PG_PREFIX), name  # only our own databases
    return name


def _exists(url: str) -> bool:
    if url.startswith("sqlite"):
        return Path(str(make_url(url).database)).exists()
    engine = _admin()
    try:
        with engine.connect() as conn:
            found = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": _pg_name(url)}
            ).first()
    finally:
        engine.dispose()
    return found is not None


def drop(url: str) -> None:
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{make_url(url).database}{suffix}").unlink(missing_ok=True)
        return
    engine = _admin()
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{_pg_name(url)}" WITH (FORCE)'))
    finally:
        engine.dispose()


def create_empty(url: str) -> None:
    drop(url)
    if url.startswith("sqlite"):
        DATA.mkdir(parents=True, exist_ok=True)
        return
    engine = _admin()
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{_pg_name(url)}"'))
    finally:
        engine.dispose()


def install(scale: Scale, staging_url: str, key: str, meta: dict[str, Any]) -> None:
    """Replace the scale's cached data set with the freshly built staging one."""
    final = url_for(scale)
    drop(final)
    if staging_url.startswith("sqlite"):
        os.replace(str(make_url(staging_url).database), str(make_url(final).database))
    else:
        engine = _admin()
        try:
            with engine.connect() as conn:
                conn.execute(
                    sa.text(
                        f'ALTER DATABASE "{_pg_name(staging_url)}" RENAME TO "{_pg_name(final)}"'
                    )
                )
        finally:
            engine.dispose()
    DATA.mkdir(parents=True, exist_ok=True)  # a PostgreSQL data set's first meta file
    meta_path(scale).write_text(json.dumps({"key": key, **meta}, indent=2) + "\n")


def describe(url: str) -> dict[str, Any]:
    """Row counts and size on disk of a data set."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            counts = {
                table: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in ("cases", "events", "deadlines")
            }
            if engine.dialect.name == "postgresql":
                size = conn.execute(sa.text("SELECT pg_database_size(current_database())"))
                counts["bytes"] = size.scalar_one()
    finally:
        engine.dispose()
    if url.startswith("sqlite"):
        counts["bytes"] = Path(str(make_url(url).database)).stat().st_size
    return counts
