"""The API's refusals, one JSON shape for all: `{"detail": ..., "errors": [...]}`.

The engine's errors map to HTTP as issue 7 asks: bad input (an invalid event,
a bad case field or filter) 422 with the message, an event the case cannot
take now or a stale version 409, an unknown case 404.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi.responses import JSONResponse

from web.api.models import FieldError, Problem
from workflow.errors import (
    CaseNotFound,
    ConcurrentUpdate,
    EventNotAllowed,
    WorkflowError,
)

# What each refusal looks like, for the OpenAPI document.
REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No valid session or token"},
    403: {"model": Problem, "description": "Your role may not do this"},
    422: {"model": Problem, "description": "The request is not valid; `errors` says where"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No such case, or not your team's"},
}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {
        "model": Problem,
        "description": "The case cannot take this event now, or it changed since you read it",
    },
}


def status_of(err: WorkflowError) -> int:
    if isinstance(err, CaseNotFound):
        return 404
    if isinstance(err, EventNotAllowed | ConcurrentUpdate):
        return 409
    return 422


def refusal(status: int, detail: str, errors: Iterable[tuple[str, str]] = ()) -> JSONResponse:
    body = Problem(detail=detail, errors=[FieldError(field=f, message=m) for f, m in errors])
    return JSONResponse(body.model_dump(), status_code=status)


def refused(err: WorkflowError, fields: Iterable[str] = (), where: str = "body") -> JSONResponse:
    """The engine's refusal. On a 422, `fields` are the request's fields the message may
    name, and `where` is where they were sent (`body` or `query`)."""
    status = status_of(err)
    message = str(err)
    if status != 422:
        return refusal(status, message)
    return refusal(status, message, [(_field_named(message, fields, where), message)])


def _field_named(message: str, fields: Iterable[str], where: str) -> str:
    """The request field the engine's message names (it names fields in plain words)."""
    tail = message.split(": ", 1)[-1]
    for name in fields:
        if tail.startswith((f"{name} ", f"enter the {name}", f"unknown field {name}")):
            return name
    if where == "body" and tail.startswith(("the date", "date ")):
        return "date"
    return where
