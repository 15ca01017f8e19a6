"""The FastAPI application: pages for people, `/api` for other systems.

`create_app(ctx)` builds it around a `WebContext` (database, clock, settings);
`ehc serve` runs it with uvicorn. Every page and API route calls
`workflow.service` (and the scheduler's read queries) and nothing else writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from web import auth, read_audit, security
from web.context import WebContext
from web.pages import sign_in
from web.templating import render
from workflow import accounts
from workflow.config import load_config
from workflow.errors import WorkflowError

STATIC = Path(__file__).parent / "static"

ERROR_TITLES = {
    401: "Sign in to continue",
    403: "You do not have access to this page",
    404: "Page not found",
    405: "Page not found",
    409: "Someone else changed this",
    429: "Too many attempts",
}


def create_app(ctx: WebContext | None = None) -> FastAPI:
    app = FastAPI(
        title="EHC engine API",
        summary="Statutory EHC needs-assessment casework: cases, events, deadlines, "
        "breaches and KPIs.",
        version="1",
        docs_url=None,  # Swagger UI loads script from a CDN, which the CSP forbids
        redoc_url=None,
        lifespan=read_audit.lifespan,  # the read audit's recorder: its reads written at exit
    )
    app.state.ctx = ctx or WebContext.from_config(load_config())
    accounts.prepare_sign_in()
    if not (STATIC / "app.css").exists():
        raise RuntimeError(f"The web app's assets are not built in {STATIC}: run `make assets`")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    # Middleware runs outermost last-added first: headers wrap everything, even refusals
    # and faults (which Faults answers as a 500 before they leave the headers' reach).
    app.add_middleware(auth.Authenticate)
    app.add_middleware(security.Faults)
    app.add_middleware(security.SecurityHeaders)
    app.add_middleware(security.RequestIds)  # outermost: every line of a request has its id

    app.include_router(sign_in.router)
    for router in _feature_routers():
        app.include_router(router)

    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(WorkflowError, _workflow_error)
    app.add_exception_handler(auth.NotSignedIn, _not_signed_in)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    return app


def _feature_routers() -> list[Any]:
    """The feature routers, each in its own module under web/pages or web/api."""
    from web import api
    from web.pages import (
        about,
        breaches,
        case_corrections,
        case_details,
        case_events,
        case_letters,
        case_move,
        case_new,
        case_reads,
        cases,
        corrections,
        delivery,
        home,
        letter_completion,
        oidc,
        ready,
        scorecard,
        subject_access,
        teams,
        two_factor,
        unassigned,
        users,
        waiting_letters,
    )

    # The case page, /cases/{ref:path}, takes any path below /cases/ (references may hold
    # slashes): the routers of the pages below a case come before it.
    return [
        two_factor.router,
        oidc.router,
        about.router,
        ready.router,
        home.router,
        case_events.router,
        case_corrections.router,
        case_letters.router,
        letter_completion.router,
        case_reads.router,
        case_details.router,
        case_move.router,
        case_new.router,
        unassigned.router,
        cases.router,
        breaches.router,
        scorecard.router,
        waiting_letters.router,
        corrections.router,
        users.router,
        teams.router,
        delivery.router,
        subject_access.router,
        api.router,
    ]


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if auth.answers_json(request):
        return JSONResponse(
            {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
        )
    title = ERROR_TITLES.get(exc.status_code, "Sorry, there is a problem with the service")
    detail = exc.detail if exc.status_code != 404 else None
    return render(request, "error.html", status_code=exc.status_code, title=title, detail=detail)


async def _workflow_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, WorkflowError)
    status = exc.http_status
    if auth.answers_json(request):
        return JSONResponse({"detail": str(exc)}, status_code=status)
    return render(
        request,
        "error.html",
        status_code=status,
        title=ERROR_TITLES.get(status, "There is a problem"),
        detail=str(exc),
    )


async def _not_signed_in(request: Request, exc: Exception) -> Response:
    return auth.refused(request)


async def _invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": ".".join(str(p) for p in e["loc"][1:]) or e["loc"][0], "message": e["msg"]}
        for e in exc.errors()
    ]
    if auth.answers_json(request):
        return JSONResponse({"detail": "The request is not valid", "errors": errors}, 422)
    return render(
        request,
        "error.html",
        status_code=422,
        title="There is a problem",
        detail="; ".join(f"{e['field']}: {e['message']}" for e in errors),
    )
