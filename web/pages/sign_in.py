"""Signing in and out, and `/health` (the only routes open without a session)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.status import HTTP_303_SEE_OTHER

from web import auth
from web.deps import context, db
from web.templating import render
from workflow import accounts

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Only a path on this site: never redirect somewhere else after sign-in."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def home_for(role: str) -> str:
    return {"viewer": "/scorecard", "admin": "/users"}.get(role, "/")


def _form(request: Request, status: int = 200, **context_: object) -> Response:
    token = request.cookies.get(auth.SIGN_IN_CSRF_COOKIE) or auth.new_csrf_token()
    options = context(request).sign_in
    response = render(
        request,
        "sign_in.html",
        status_code=status,
        csrf_token=token,
        local_accounts=options.local_accounts,
        provider_name=options.oidc.provider_name if options.oidc else None,
        **context_,
    )
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
        return RedirectResponse(safe_next(next) if next else home_for(who.user.role), 303)
    return _form(request, next=safe_next(next))


@router.post("/sign-in", include_in_schema=False, dependencies=[Depends(auth.check_csrf)])
def sign_in(
    request: Request,
    session: Annotated[Session, Depends(db)],
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    ctx = context(request)
    if not ctx.sign_in.local_accounts:  # single sign-on only (EHC_LOCAL_ACCOUNTS=0)
        raise HTTPException(status_code=404)
    # The peer, or what a configured proxy forwarded: the service keeps it only if it is
    # an IP address (`accounts.client_address`).
    client = request.client.host if request.client else ""
    errors: dict[str, str] = {}
    if not email.strip():
        errors["email"] = "Enter your email address"
    if not password:
        errors["password"] = "Enter your password"
    if errors:
        return _form(request, 400, errors=errors, email=email, next=safe_next(next))
    try:
        signed = accounts.sign_in(
            session=session,
            email=email,
            password=password,
            client=client,
            clock=ctx.clock,
            second_factor_for_all=ctx.sign_in.two_factor_for_all,
        )
    except accounts.TooManyAttempts as e:
        return _form(request, 429, errors={"email": str(e)}, email=email, next=safe_next(next))
    except accounts.SignInRefused as e:
        return _form(request, 401, errors={"email": str(e)}, email=email, next=safe_next(next))
    target = safe_next(next) if next and next != "/" else home_for(signed.user.role)
    if signed.awaiting:  # the second factor (or setting one up) comes before anything else
        step = auth.SECOND_FACTOR_PAGES[signed.awaiting]
        target = f"{step}?next={quote(safe_next(next), safe='/')}" if next != "/" else step
    response = RedirectResponse(target, status_code=HTTP_303_SEE_OTHER)
    auth.set_cookie(response, request, auth.SESSION_COOKIE, signed.key)
    response.delete_cookie(auth.SIGN_IN_CSRF_COOKIE, path="/")
    return response


@router.post("/sign-out", include_in_schema=False, dependencies=[Depends(auth.check_csrf)])
def sign_out(
    request: Request,
    session: Annotated[Session, Depends(db)],
    who: Annotated[auth.Principal, Depends(auth.allow(*auth.ROLES, awaiting=True))],
) -> Response:
    accounts.sign_out(
        session=session, key=request.cookies.get(auth.SESSION_COOKIE), clock=context(request).clock
    )
    # A single sign-on session ends at the provider too (web.pages.oidc), by way of a
    # page here: the CSP's form-action would stop this form's redirect to the provider.
    single = who.method == "oidc" and context(request).sign_in.oidc is not None
    target = auth.OIDC_SIGNED_OUT if single else "/sign-in?signed_out=1"
    response = RedirectResponse(target, status_code=HTTP_303_SEE_OTHER)
    response.delete_cookie(auth.SESSION_COOKIE, path="/")
    return response
