"""How every process logs: one JSON object a line on stderr (or plain text for people).

A council's log platform (journald, CloudWatch, Splunk, Elastic) reads the JSON as fields:
`time` (UTC), `level`, `logger`, `message`, and `request_id` on every line written while a
web request is served, so one request's lines can be found together. `python-json-logger`
does the formatting (a well-kept library for the standard `logging` module, which the
engine and its libraries - uvicorn, APScheduler, SQLAlchemy - all log through).

Nothing here adds personal data; the callers keep children's names, dates of birth and
addresses out of their messages (the test suite scans every log line of its run).
"""

from __future__ import annotations

import logging
import logging.config
import time
from contextvars import ContextVar
from typing import Any

FORMATS = ("json", "text")

# The id of the web request being served, if any (set by web.security.RequestIds).
request_id: ContextVar[str | None] = ContextVar("ehc_request_id", default=None)


class RequestIdFilter(logging.Filter):
    """Puts the current request's id (or None) on every record, for both formats."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.__dict__.pop("color_message", None)  # uvicorn's copy with terminal colours
        return True


TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"


def logging_config(fmt: str = "json", level: int | str = logging.INFO) -> dict[str, Any]:
    """A `logging.config.dictConfig` for the root logger and uvicorn's (also given to
    uvicorn itself, so its worker processes log the same way)."""
    if fmt not in FORMATS:
        raise ValueError(f"the log format is json or text (got {fmt!r})")
    formatter: dict[str, Any] = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "datefmt": "%Y-%m-%dT%H:%M:%SZ",
        }
        if fmt == "json"
        else {"format": TEXT}
    )
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "formatter": "ehc",
        "filters": ["request_id"],
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"ehc": formatter},
        "handlers": {"ehc": handler},
        "root": {"level": level, "handlers": ["ehc"]},
        "loggers": {
            # uvicorn's loggers hand their lines to the root's handler, formatted as above.
            **{
                name: {"level": level, "handlers": [], "propagate": True}
                for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "apscheduler")
            },
            # Each job run (the heartbeat's every minute) would be two lines: the jobs log
            # their own summaries, and a job's failure is still logged (an error).
            "apscheduler.executors.default": {"level": "WARNING", "propagate": True},
            # /ready reads the migration revision on every probe: two lines each time.
            "alembic.runtime.migration": {"level": "WARNING", "propagate": True},
            # And alembic's plugin set-up: several lines in each worker at its first read.
            "alembic.runtime.plugins": {"level": "WARNING", "propagate": True},
        },
    }


def configure_logging(fmt: str = "json", level: int | str = logging.INFO) -> None:
    """Set up the process's logging, unless it is set up already (a test's capture, or
    a host application's own): an edge calls this before it logs."""
    if logging.getLogger().handlers:
        return
    logging.config.dictConfig(logging_config(fmt, level))
    # Times in UTC, as the JSON's `time` says (the formatter's own clock is local time).
    for handler in logging.getLogger().handlers:
        if handler.formatter is not None:
            handler.formatter.converter = time.gmtime
