"""A fault in a route (issue 17 items 5 and 10): the answer is a plain 500 with every
security header, JSON for the API and JSON clients, and neither it nor the log holds
internal details or SQL parameters."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Annotated

import pytest
import sqlalchemy as sa
from fastapi import Depends, FastAPI
from pythonjsonlogger.json import JsonFormatter
from sqlmodel import Session

from tests.web.conftest import Browser, People, sign_in
from web import auth
from web.deps import db
from web.security import HEADERS
from workflow import logs

SECRET = "Child Secretname 4711"
SORRY = "Sorry, there is a problem with the service"


def _raise() -> None:
    raise RuntimeError(f"an internal detail: {SECRET}")


def _write_a_bad_row(session: Annotated[Session, Depends(db)]) -> None:
    # The client may not be NULL: PostgreSQL's message would echo the row, parameters too.
    session.execute(
        sa.text("INSERT INTO sign_in_failures (email, client, at) VALUES (:email, NULL, :at)"),
        {"email": SECRET, "at": "2026-11-20 12:00:00+00:00"},
    )


@pytest.fixture
def faulty(app: FastAPI, people: People) -> Iterator[Browser]:
    signed_in = [Depends(auth.allow(*auth.ROLES))]
    app.add_api_route("/boom", _raise, dependencies=signed_in)
    app.add_api_route("/api/boom", _raise, dependencies=signed_in)
    app.add_api_route("/api/bad-row", _write_a_bad_row, methods=["POST"], dependencies=signed_in)
    # As a server answers: a fault must become a response, not reach the client as an error.
    with Browser(app, base_url="http://testserver", raise_server_exceptions=False) as client:
        sign_in(client, people.officer).page("/")  # the session's CSRF token, for the API post
        yield client


def _has_security_headers(headers: dict[str, str] | object) -> None:
    for name, value in HEADERS.items():
        assert headers[name] == value, name  # type: ignore[index]
    assert headers["cache-control"] == "no-store"  # type: ignore[index]


def test_a_fault_in_a_page_is_a_500_page_with_the_security_headers(faulty: Browser) -> None:
    response = faulty.get("/boom")
    assert response.status_code == 500
    _has_security_headers(response.headers)
    assert response.headers["content-type"].startswith("text/html")
    assert SORRY in response.text
    assert SECRET not in response.text


@pytest.mark.parametrize("path, accept", [("/api/boom", "*/*"), ("/boom", "application/json")])
def test_a_fault_in_the_api_or_for_a_json_client_is_json(
    faulty: Browser, path: str, accept: str
) -> None:
    response = faulty.get(path, headers={"Accept": accept})
    assert response.status_code == 500
    _has_security_headers(response.headers)
    assert response.json() == {"detail": f"{SORRY}. Try again later"}


def test_a_database_fault_logs_no_parameters(
    faulty: Browser, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    response = faulty.post("/api/bad-row", headers={"X-CSRF-Token": faulty.csrf})
    assert response.status_code == 500
    _has_security_headers(response.headers)
    assert response.json() == {"detail": f"{SORRY}. Try again later"}
    assert SECRET not in response.text
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors, "the fault was not logged"
    assert "IntegrityError" in caplog.text and "/api/bad-row" in caplog.text
    assert SECRET not in caplog.text


def test_a_fault_s_log_line_carries_the_request_id_the_user_is_given(faulty: Browser) -> None:
    """Issue 23 item 2: every response has an X-Request-Id, and the JSON log line of a
    fault carries the same id, so a user's report can be matched to the log."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    config = logs.logging_config("json")["formatters"]["ehc"]
    handler.setFormatter(JsonFormatter(config["fmt"], rename_fields=config["rename_fields"]))
    handler.addFilter(logs.RequestIdFilter())
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(handler)
    try:
        response = faulty.get("/boom")
        given = faulty.get("/boom", headers={"X-Request-Id": "proxy-id-12345"})
        junk = faulty.get("/", headers={"X-Request-Id": "<script>"})
    finally:
        logger.removeHandler(handler)
    rid = response.headers["x-request-id"]
    assert len(rid) == 32 and given.headers["x-request-id"] == "proxy-id-12345"
    assert junk.headers["x-request-id"] != "<script>" and len(junk.headers["x-request-id"]) == 32
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["request_id"] for line in lines] == [rid, "proxy-id-12345"]
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    assert lines[0]["level"] == "ERROR" and SECRET not in stream.getvalue()
