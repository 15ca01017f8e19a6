"""workflow.logs: one JSON object a line (or text), with the request id (issue 23 item 2)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from workflow import logs
from workflow.config import Config
from workflow.errors import InvalidInput


@contextmanager
def bare_root() -> Iterator[logging.Logger]:
    """The root logger with no handlers (as in a new process), restored afterwards. Used
    inside the test: pytest puts its capture back on the root before each test phase."""
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    root.handlers = []
    yield root
    for handler in root.handlers:
        handler.close()
    root.handlers, root.level = saved, level


def test_json_lines_with_the_request_id(capsys: pytest.CaptureFixture[str]) -> None:
    with bare_root():
        logs.configure_logging("json")
        logging.getLogger("scheduler.jobs").info("Swept %d cases", 3)
        token = logs.request_id.set("abc123def456")
        try:
            logging.getLogger("uvicorn.error").warning("inside a request")
        finally:
            logs.request_id.reset(token)
    first, second = (json.loads(line) for line in capsys.readouterr().err.splitlines())
    assert first["message"] == "Swept 3 cases" and first["request_id"] is None
    assert (first["level"], first["logger"]) == ("INFO", "scheduler.jobs")
    assert first["time"].endswith("Z")  # UTC
    assert (second["logger"], second["request_id"]) == ("uvicorn.error", "abc123def456")


def test_text_for_people(capsys: pytest.CaptureFixture[str]) -> None:
    with bare_root():
        logs.configure_logging("text")
        logging.getLogger("x").info("plain words")
    assert capsys.readouterr().err.rstrip().endswith("INFO x: plain words")


def test_set_up_logging_is_left_alone(capsys: pytest.CaptureFixture[str]) -> None:
    """Under a test's capture (or a host's own set-up) nothing is replaced."""
    before = logging.getLogger().handlers[:]
    assert before
    logs.configure_logging("json")
    assert logging.getLogger().handlers == before


def test_the_format_is_json_or_text() -> None:
    assert Config(log_format="text").log_format == "text"
    with pytest.raises(ValueError):
        logs.logging_config("xml")
    with pytest.raises((InvalidInput, ValueError)):
        Config(log_format="xml")
