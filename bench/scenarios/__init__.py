"""One module per scenario, each with `run(ctx: Context) -> dict` (see bench/context.py).

The harness runs each in its own process, so its peak memory is its own. A scenario
in ORDER without a module is listed as not measured rather than failing.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# In running order: the import builds the data the others read.
ORDER = (
    "import_events",
    "deadlines",
    "breaches",
    "kpis",
    "record_event",
    "web",
    "cli_startup",
)
# Scenarios that build their own small data and never need the scale's data set.
SELF_CONTAINED = frozenset({"cli_startup"})


def load(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"bench.scenarios.{name}")
    except ModuleNotFoundError as e:
        if e.name == f"bench.scenarios.{name}":
            return None
        raise
