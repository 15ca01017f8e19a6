"""Scales, data-set keys and database addresses shared by the harness and its scenarios."""

from __future__ import annotations

import hashlib
import inspect
import os
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from workflow import demo

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"  # gitignored: cached data sets
RESULTS = ROOT / "bench" / "results"
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
# Every bench database starts with this; EHC_BENCH_PG_PREFIX gives a checkout its own
# (engineers sharing one server must not drop each other's data sets).
PG_PREFIX = os.environ.get("EHC_BENCH_PG_PREFIX", "ehc_bench_")

# The cohort is generated up to END; queries read the data as of END.
END = date(2026, 11, 1)
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SEED = 2014
CASES_PER_TRANSACTION = 5_000


@dataclass(frozen=True)
class Scale:
    name: str  # council or national
    cases: int
    database: str  # sqlite or postgresql
    runs: int  # timed repeats of each query (after one warm-up)

    @property
    def label(self) -> str:
        """How results name it: the scale, with the database when it is not the usual one."""
        usual = SCALES.get(self.name, self)
        label = self.name if self.database == usual.database else f"{self.name}-{self.database}"
        return label if self.cases == usual.cases else f"{label}-{self.cases}"

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "label": self.label}


SCALES = {
    "council": Scale("council", 50_000, "sqlite", runs=7),
    "national": Scale("national", 500_000, "postgresql", runs=3),
}


def generator_version() -> str:
    """Changes whenever the generator's source does, so a new generator means new data.

    Hashes every module of the demo cohort's package (`workflow.demo`).
    """
    folder = Path(inspect.getfile(demo)).parent
    sources = sorted(folder.glob("*.py"))
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:10]
    version = getattr(demo, "GENERATOR_VERSION", None)
    return f"{version}-{digest}" if version is not None else digest


def data_key(scale: Scale) -> str:
    return f"{scale.name}-{scale.cases}-s{SEED}-g{generator_version()}"


def database_name(scale: Scale) -> str:
    """The PostgreSQL database that holds a scale's data (kept between runs)."""
    return f"{PG_PREFIX}{scale.name}_{scale.cases}"


def url_for(scale: Scale, *, staging: bool = False) -> str:
    suffix = "_staging" if staging else ""
    if scale.database == "postgresql":
        return f"{PG_SERVER}/{database_name(scale)}{suffix}"
    return f"sqlite:///{DATA / f'{scale.name}-{scale.cases}{suffix}.db'}"
