"""Security headers on every response (including errors and redirects), and faults
answered as a plain 500 inside them.

The content security policy allows scripts, styles, fonts and images from this
site only: no inline script, no inline style attributes, nothing from a CDN.
"""

from __future__ import annotations

import logging
import re
import traceback
import uuid

from fastapi import Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import Message, Receive, Scope, Send

from web.asgi import HttpMiddleware
from web.auth import answers_json
from web.templating import render
from workflow import logs

log = logging.getLogger("uvicorn.error")  # beside the server's own lines
SORRY = "Sorry, there is a problem with the service"

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeaders(HttpMiddleware):
    """Adds HEADERS (and HSTS over HTTPS) to every response."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        https = scope.get("scheme") == "https"
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                if https:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000")
                if not static:
                    # Pages and API answers hold children's data: never keep them in a cache.
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


# A request id from the proxy in front (X-Request-Id) is kept when it looks like one.
_GIVEN_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


class RequestIds(HttpMiddleware):
    """Gives every request an id: on each log line written while it is served
    (`workflow.logs.request_id`) and in the response's X-Request-Id header, so a user's
    report of a fault can be matched to its log lines. A proxy's id is kept."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        given = Headers(scope=scope).get("x-request-id", "")
        rid = given if _GIVEN_ID.fullmatch(given) else uuid.uuid4().hex
        token = logs.request_id.set(rid)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).setdefault("X-Request-Id", rid)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            logs.request_id.reset(token)


class Faults(HttpMiddleware):
    """An unhandled exception becomes a 500 here, inside SecurityHeaders, so it carries
    them too (Starlette's own 500 is drawn outside every middleware).

    The log line names the route's pattern, the exception types and the code's frames,
    never the exception's message: a database's message can echo the row it refused,
    with a child's name, and a path holds case references.
    """

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def send_noting_start(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_noting_start)
        except Exception as exc:  # noqa: BLE001  # every fault is answered and logged alike
            route = getattr(scope.get("route"), "path", "(no route)")
            log.error(
                "%s %s failed: %s\n%s",
                scope.get("method"),
                route,
                _types(exc),
                "".join(traceback.format_list(traceback.extract_tb(exc.__traceback__))),
            )
            if not started:  # otherwise the client sees the answer cut short
                await _answer(Request(scope))(scope, receive, send)


def _types(exc: BaseException) -> str:
    """`IntegrityError <- NotNullViolation`: the exception and its causes, types only."""
    names: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(names) < 5:
        names.append(type(seen).__name__)
        seen = seen.__cause__ or seen.__context__
    return " <- ".join(names)


def _answer(request: Request) -> Response:
    if answers_json(request):
        return JSONResponse({"detail": f"{SORRY}. Try again later"}, status_code=500)
    try:
        return render(
            request, "error.html", status_code=500, title=SORRY, detail="Try again later."
        )
    except Exception:  # noqa: BLE001  # the page itself may be what is broken
        return PlainTextResponse(f"{SORRY}. Try again later.", status_code=500)
