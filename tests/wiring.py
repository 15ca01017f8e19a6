"""What the edges hand down, built for tests: the example council, no `.env` file read."""

from __future__ import annotations

import bootstrap
from letters.config import load_council
from letters.contexts import Council
from workflow.config import Config
from workflow.projection import Projection


def configured(**values: object) -> Config:
    """The configuration from the environment and `values`, ignoring any `.env` file."""
    return Config(_env_file=None, **values)  # type: ignore[call-arg]


def projections() -> tuple[Projection, ...]:
    return bootstrap.projections(configured())


def council() -> Council:
    return load_council(configured())
