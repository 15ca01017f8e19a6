"""Every log line of the test run, scanned at its end for the demo's personal data
(issue 23 item 2: no children's names, dates of birth or addresses in any log).

`pytest_configure` (tests/conftest.py) records every log record of the run, DEBUG up,
formatted as the service logs it (JSON, with tracebacks), to a file; at the end of the
run `pytest_sessionfinish` scans it and fails the run, naming the lines, if any holds a
demo surname, street or postcode, or the tests' own planted secrets.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path

from pythonjsonlogger.json import JsonFormatter

from workflow import logs
from workflow.demo.people import POSTCODE_AREA, STREETS, SURNAMES

# What no log line may hold: the demo people's surnames and streets, its postcode area,
# and the names the tests plant in data to catch a leak ("Child Secretname 4711").
FORBIDDEN = re.compile(
    "|".join(re.escape(word) for word in (*SURNAMES, *STREETS, f"{POSTCODE_AREA} ", "Secretname"))
)


def personal_data_in(lines: Iterable[str]) -> list[str]:
    """The lines that hold any of FORBIDDEN."""
    return [line for line in lines if FORBIDDEN.search(line)]


def start_recording(path: Path) -> logging.Handler:
    """Record every record of the run to `path` (the root takes DEBUG from here on)."""
    handler = logging.FileHandler(path, encoding="utf-8")
    config = logs.logging_config("json")["formatters"]["ehc"]
    handler.setFormatter(
        JsonFormatter(
            config["fmt"], rename_fields=config["rename_fields"], datefmt=config["datefmt"]
        )
    )
    handler.addFilter(logs.RequestIdFilter())
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    return handler
