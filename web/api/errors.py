"""The API's refusals, one JSON shape for all: `{"detail": ..., "errors": [...]}`.

Each refusal's status is its error type's `http_status` (`workflow.errors`: bad input
422, an event the case cannot take now or a stale version 409, an unknown case 404); a
422 names the request field the error is about (`WorkflowError.field`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi.responses import JSONResponse

from web.api.models import FieldError, Problem
from workflow.errors import WorkflowError

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
NOT_FOUND_EVENT: dict[int | str, dict[str, Any]] = {
    404: {
        "model": Problem,
        "description": "No such case, not your team's, or the case has no event with this sequence",
    },
}
CONFLICT_CORRECTION: dict[int | str, dict[str, Any]] = {
    409: {
        "model": Problem,
        "description": "The event was already voided (or corrected), or the case changed "
        "since you read it",
    },
}


def refusal(status: int, detail: str, errors: Iterable[tuple[str, str]] = ()) -> JSONResponse:
    body = Problem(detail=detail, errors=[FieldError(field=f, message=m) for f, m in errors])
    return JSONResponse(body.model_dump(), status_code=status)


def refused(err: WorkflowError, fields: Iterable[str] = (), where: str = "body") -> JSONResponse:
    """The engine's refusal. On a 422, `fields` are the request's fields the error may be
    about, and `where` is where they were sent (`body` or `query`), named when it is about
    none of them."""
    message = str(err)
    if err.http_status != 422:
        return refusal(err.http_status, message)
    field = err.field if err.field in set(fields) else where
    return refusal(err.http_status, message, [(field, message)])
