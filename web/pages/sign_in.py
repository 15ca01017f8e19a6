"""Signing in and out, and `/health` (the only routes open without a session)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.status import HTTP_303_SEE_OTHER

from web import auth
from web.deps import context, db
from web.templating import render
from workflow import accounts

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never redirect somewhere else after sign-in."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _home_for(role: str) -> str:
    return {"viewer": "/scorecard", "admin": "/users"}.get(role, "/")


def _form(request: Request, status: int = 200, **context_: object) -> Response:
    token = request.cookies.get(auth.SIGN_IN_CSRF_COOKIE) or auth.new_csrf_token()
    response = render(request, "sign_in.html", status_code=status, csrf_token=token, **context_)
    auth.set_cookie(response, request, auth.SIGN_IN_CSRF_COOKIE, token, max_age=3600)
    return response


@router.get("/health", include_in_schema=False)
def health(session: Annotated[Session, Depends(db)]) -> JSONResponse:
    """For load balancers: the app answers and its database does."""
    session.execute(sa.text("SELECT 1"))
    return JSONResponse({"status": "ok"})


@router.get("/sign-in", include_in_schema=False)
def sign_in_page(request: Request, next: str | None = None) -> Response:
    who = request.state.principal
    if who is not None:
        return RedirectResponse(_safe_next(next) if next else _home_for(who.user.role), 303)
    return _form(request, next=_safe_next(next))


@router.post("/sign-in", include_in_schema=False, dependencies=[Depends(auth.check_csrf)])
def sign_in(
    request: Request,
    session: Annotated[Session, Depends(db)],
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    ctx = context(request)
    # The peer, or what a configured proxy forwarded: the service keeps it only if it is
    # an IP address (`accounts.client_address`).
    client = request.client.host if request.client else ""
    errors: dict[str, str] = {}
    if not email.strip():
        errors["email"] = "Enter your email address"
    if not password:
        errors["password"] = "Enter your password"
    if errors:
        return _form(request, 400, errors=errors, email=email, next=_safe_next(next))
    try:
        signed = accounts.sign_in(
            session=session, email=email, password=password, client=client, clock=ctx.clock
        )
    except accounts.TooManyAttempts as e:
        return _form(request, 429, errors={"email": str(e)}, email=email, next=_safe_next(next))
    except accounts.SignInRefused as e:
        return _form(request, 401, errors={"email": str(e)}, email=email, next=_safe_next(next))
    target = _safe_next(next) if next and next != "/" else _home_for(signed.user.role)
    response = RedirectResponse(target, status_code=HTTP_303_SEE_OTHER)
    auth.set_cookie(response, request, auth.SESSION_COOKIE, signed.key)
    response.delete_cookie(auth.SIGN_IN_CSRF_COOKIE, path="/")
    return response


@router.post("/sign-out", include_in_schema=False, dependencies=[Depends(auth.check_csrf)])
def sign_out(
    request: Request,
    session: Annotated[Session, Depends(db)],
    who: Annotated[auth.Principal, Depends(auth.allow(*auth.ROLES))],
) -> Response:
    accounts.sign_out(
        session=session, key=request.cookies.get(auth.SESSION_COOKIE), clock=context(request).clock
    )
    response = RedirectResponse("/sign-in?signed_out=1", status_code=HTTP_303_SEE_OTHER)
    response.delete_cookie(auth.SESSION_COOKIE, path="/")
    return response
