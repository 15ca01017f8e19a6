"""Benchmark: `ehc import events` of 100,000 events into a fresh SQLite database.

Goal (issue 2): under 60 s on this machine. Run: .venv/bin/python bench/bench_import.py
Generates a synthetic cohort (workflow.cohort), writes it as JSONL, then times the
import through the service, as the CLI does, with the whole file in one transaction.
"""

from __future__ import annotations

import json
import platform
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path

from workflow import cohort, migrate, service
from workflow.db import make_engine, new_session

EVENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
END = date(2026, 11, 1)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        lines = [json.dumps(x) for x in islice(cohort.generate(20_000, end=END), EVENTS)]
        cases = len({json.loads(line)["case"] for line in lines})
        path = Path(tmp) / "ehc.db"
        engine = make_engine(f"sqlite:///{path}")
        migrate.upgrade(engine)
        session = new_session(engine)
        started = time.perf_counter()
        summary = service.import_events(
            session=session,
            lines=lines,
            actor="bench",
            clock=lambda: datetime(2026, 11, 2, tzinfo=UTC),
        )
        seconds = time.perf_counter() - started
        session.close()
        engine.dispose()
    assert summary.events == len(lines)
    print(
        f"import: {summary.events} events, {cases} cases in {seconds:.1f} s "
        f"({summary.events / seconds:,.0f} events/s) on SQLite; "
        f"Python {platform.python_version()}, {platform.machine()}"
    )


if __name__ == "__main__":
    main()
