"""One mapping from error type to outcome: HTTP status for the web, exit code for the CLI."""

from __future__ import annotations

import json
from datetime import date

import pytest

from letters.service import LetterCorrupted, LetterNotFound
from web.api.errors import refused
from workflow.accounts import SignInRefused, TooManyAttempts
from workflow.errors import (
    EXIT_BAD_INPUT,
    EXIT_FAULT,
    CaseNotFound,
    ConcurrentUpdate,
    EventNotAllowed,
    InvalidEvent,
    InvalidException,
    InvalidInput,
    WorkflowError,
)
from workflow.law.events import parse_event
from workflow.people import parse_details


@pytest.mark.parametrize(
    ("error", "status", "exit_code"),
    [
        (InvalidEvent("bad"), 422, EXIT_BAD_INPUT),
        (InvalidInput("bad"), 422, EXIT_BAD_INPUT),
        (InvalidException("bad"), 422, EXIT_BAD_INPUT),
        (CaseNotFound("C1"), 404, EXIT_BAD_INPUT),
        (LetterNotFound(7), 404, EXIT_BAD_INPUT),
        (EventNotAllowed("C1", "final_plan_issued", "new", ["request_received"]), 409, 2),
        (ConcurrentUpdate("C1"), 409, EXIT_BAD_INPUT),
        (SignInRefused(), 401, EXIT_BAD_INPUT),
        (TooManyAttempts(15), 429, EXIT_BAD_INPUT),
        (LetterCorrupted(7), 500, EXIT_FAULT),
    ],
)
def test_each_error_type_has_one_status_and_exit_code(
    error: WorkflowError, status: int, exit_code: int
) -> None:
    assert (error.http_status, error.exit_code) == (status, exit_code)
    response = refused(error)
    assert response.status_code == status
    assert json.loads(response.body)["detail"] == str(error)


def test_the_api_names_the_field_the_error_carries_not_the_words() -> None:
    # The message starts with another field's name: the tag decides.
    error = InvalidInput("date must be after the advice", field="advice")
    body = json.loads(refused(error, ["date", "advice"]).body)
    assert [e["field"] for e in body["errors"]] == ["advice"]
    untagged = json.loads(refused(InvalidInput("no field"), ["date"], where="query").body)
    assert [e["field"] for e in untagged["errors"]] == ["query"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"date": "2026-01-05"}, "type"),
        ({"type": "tea_break", "date": "2026-01-05"}, "type"),
        ({"type": "decision_to_assess"}, "date"),
        ({"type": "decision_to_assess", "date": "2026-02-30"}, "date"),
        ({"type": "advice_requested", "date": "2026-01-05"}, "advice"),
        ({"type": "advice_requested", "date": "2026-01-05", "advice": "tea"}, "advice"),
        ({"type": "decision_to_assess", "date": "2026-01-05", "colour": 1}, "colour"),
        ({"type": "decision_to_assess", "date": "2026-01-05", "note": 3}, "note"),
    ],
)
def test_an_event_refusal_carries_its_field(raw: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        parse_event(raw)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("details", "field"),
    [
        ({"date_of_birth": "2026-02-30"}, "date_of_birth"),
        ({"parent_email": "not an address"}, "parent_email"),
        ({"communication": "pigeon"}, "communication"),
        ({"large_print": "perhaps"}, "large_print"),
        ({"shoe_size": "5"}, "shoe_size"),
    ],
)
def test_a_details_refusal_carries_its_field(details: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_details(details, date(2026, 11, 20), "Case C1")
    assert caught.value.field == field
