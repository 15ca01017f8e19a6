"""Who is asking, and may they: sign-in sessions, API tokens, roles and CSRF.

Denied unless granted, in two layers:
- `Authenticate` (middleware) refuses every request that has neither a live
  session cookie nor a valid bearer token, except the few public paths
  (sign-in, `/health`, static assets). Unknown paths are refused too.
- Each route then states the roles it allows with `allow(...)`; a test
  checks that every route does.

A session that has passed only the password (it awaits a second factor, or setting
one up: `workflow.two_factor`) reaches only the two-factor pages and sign-out; the
middleware sends it there from anywhere else. API tokens are not affected.

Forms carry the session's CSRF token (`csrf_token` field), checked by
`check_csrf`; API writes made with a session cookie must send it as the
`X-CSRF-Token` header. Requests with a bearer token carry no cookies, so CSRF
does not apply to them.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.status import HTTP_303_SEE_OTHER
from starlette.types import Receive, Scope, Send

from web.asgi import HttpMiddleware
from web.context import WebContext
from workflow import accounts
from workflow.account_models import ROLES, User
from workflow.db import new_session

SESSION_COOKIE = "ehc_session"
SIGN_IN_CSRF_COOKIE = "ehc_sign_in_csrf"
# The single sign-on start and return (web.oidc) are public: nobody has a session yet.
OIDC_START, OIDC_CALLBACK = "/sign-in/council", "/sign-in/council/return"
OIDC_SIGNED_OUT = "/sign-in/council/signed-out"  # then on to the provider's sign-out
PUBLIC_PATHS = frozenset(
    {"/health", "/ready", "/sign-in", "/accessibility", "/privacy", "/cookies"}
    | {OIDC_START, OIDC_CALLBACK, OIDC_SIGNED_OUT}
)
# Where a session awaiting its second factor may go (web.pages.two_factor).
SECOND_FACTOR_PAGES = {
    accounts.AWAITING_CODE: "/sign-in/two-factor",
    accounts.AWAITING_ENROLMENT: "/sign-in/set-up-two-factor",
}
AWAITING_PATHS = frozenset(SECOND_FACTOR_PAGES.values()) | {"/sign-out"}
PUBLIC_PREFIXES = ("/static/",)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# What each role may do (issue 7): officers work their team's cases, managers
# every team's plus the breach queue, scorecard and reassignment, viewers the
# scorecard only (no personal data), admins the user accounts.
CASEWORK = ("officer", "manager")
__all__ = ["ROLES", "CASEWORK", "Principal", "allow", "check_csrf"]


@dataclass(frozen=True)
class Principal:
    user: User
    via: str  # "session" or "token"
    csrf_token: str | None = None
    awaiting: str | None = None  # a second factor still to pass or set up (sessions only)
    method: str = "password"  # how the session signed in: "password" or "oidc"

    @property
    def actor(self) -> str:
        return self.user.email

    def can_see_team(self, team: str | None) -> bool:
        return self.user.role == "manager" or (
            self.user.role == "officer" and team is not None and team == self.user.team
        )


class NotSignedIn(Exception):
    pass


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


def answers_json(request: Request) -> bool:
    """Errors as JSON: for the API, and for any client that asks for JSON, not HTML."""
    if wants_json(request):
        return True
    accept = request.headers.get("accept", "").lower()
    return "application/json" in accept and "text/html" not in accept


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _look_up(ctx: WebContext, key: str | None, token: str | None) -> Principal | None:
    with new_session(ctx.engine, read_only=True) as session:
        if token is not None:
            user = accounts.token_user(session, token)
            return Principal(user=user, via="token") if user else None
        found = accounts.session_user(session, key, ctx.clock)
        if found is None:
            return None
        return Principal(
            user=found.user,
            via="session",
            csrf_token=found.csrf_token,
            awaiting=found.awaiting,
            method=found.method,
        )


def refused(request: Request) -> Response:
    if wants_json(request):
        return JSONResponse(
            {"detail": "Sign in: send a session cookie or an API token (Authorization: Bearer)"},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(
        f"/sign-in?next={quote(target, safe='/')}", status_code=HTTP_303_SEE_OTHER
    )


class Authenticate(HttpMiddleware):
    """Attach the principal (`request.state.principal`), or refuse before any route runs."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        found: Principal | None = None
        token = _bearer(request)
        key = request.cookies.get(SESSION_COOKIE)
        if token is not None or key:
            ctx: WebContext = request.app.state.ctx
            found = await run_in_threadpool(_look_up, ctx, key, token)
        scope.setdefault("state", {})["principal"] = found
        if found is None and not is_public(request.url.path):
            await refused(request)(scope, receive, send)
            return
        if found is not None and found.awaiting and not _awaiting_may_see(request.url.path):
            await second_factor_first(request, found.awaiting)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _awaiting_may_see(path: str) -> bool:
    return path in AWAITING_PATHS or path.startswith(PUBLIC_PREFIXES)


def second_factor_first(request: Request, awaiting: str) -> Response:
    """A half-signed-in session asked for another page: the second factor comes first."""
    if wants_json(request):
        return JSONResponse(
            {"detail": "Finish signing in: enter your security code first"}, status_code=401
        )
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    keep = f"?next={quote(target, safe='/')}" if request.url.path not in PUBLIC_PATHS else ""
    return RedirectResponse(SECOND_FACTOR_PAGES[awaiting] + keep, status_code=HTTP_303_SEE_OTHER)


def principal(request: Request) -> Principal:
    found: Principal | None = request.state.principal
    if found is None:  # the middleware lets only public paths through without one
        raise NotSignedIn()
    return found


def allow(*roles: str, awaiting: bool = False) -> Callable[..., Principal]:
    """A dependency: the signed-in principal, if their role is one of `roles`.

    Only fully signed-in sessions pass, unless `awaiting` (the two-factor pages and
    sign-out, which a session that has passed only its password must reach)."""

    def dependency(request: Request, who: Annotated[Principal, Depends(principal)]) -> Principal:
        if who.awaiting and not awaiting:  # the middleware sends these away; never rely on it
            raise NotSignedIn()
        if who.user.role not in roles:
            raise HTTPException(status_code=403, detail="You do not have access to this page")
        if request.method in UNSAFE_METHODS and who.via == "session" and wants_json(request):
            sent = request.headers.get("x-csrf-token", "")
            if not who.csrf_token or not secrets.compare_digest(sent, who.csrf_token):
                raise HTTPException(status_code=403, detail="Send the X-CSRF-Token header")
        return who

    dependency.roles = roles  # type: ignore[attr-defined]  # read by the route audit test
    return dependency


async def check_csrf(request: Request) -> None:
    """A dependency for every form post: the form's token must match the session's."""
    form = await request.form()
    sent = form.get("csrf_token")
    who: Principal | None = request.state.principal
    expected = who.csrf_token if who else request.cookies.get(SIGN_IN_CSRF_COOKIE)
    if not isinstance(sent, str) or not expected or not secrets.compare_digest(sent, expected):
        raise HTTPException(
            status_code=403,
            detail="This form has expired or did not come from this service. "
            "Go back, reload the page and try again",
        )


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def cookie_is_secure(request: Request) -> bool:
    ctx: WebContext = request.app.state.ctx
    return ctx.force_secure_cookies or request.url.scheme == "https"


def set_cookie(
    response: Response, request: Request, name: str, value: str, path: str = "/", **kw: Any
) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="lax",
        secure=cookie_is_secure(request),
        path=path,
        **kw,
    )
