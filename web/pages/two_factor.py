"""The second step of signing in with a password: the security code, or setting up an
authenticator app (workflow.two_factor). A session that has passed only its password
reaches these pages and sign-out, nothing else (web.auth)."""

from __future__ import annotations

from typing import Annotated

import segno
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.status import HTTP_303_SEE_OTHER

from web import auth
from web.deps import context
from web.pages.sign_in import home_for, safe_next
from web.templating import render
from workflow import accounts, two_factor
from workflow.db import new_session

router = APIRouter()
CODE_PAGE = auth.SECOND_FACTOR_PAGES[accounts.AWAITING_CODE]
SET_UP_PAGE = auth.SECOND_FACTOR_PAGES[accounts.AWAITING_ENROLMENT]
# Anyone may set up a second factor; the pages take half-signed-in sessions too.
anyone = auth.allow(*auth.ROLES, awaiting=True)


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


def _signed_in(request: Request, signed: accounts.SignedIn, response: Response) -> Response:
    """Swap the half-signed-in cookie for the full session's."""
    auth.set_cookie(response, request, auth.SESSION_COOKIE, signed.key)
    return response


def _page(request: Request, template: str, status: int = 200, **extra: object) -> Response:
    """A two-factor page. For a session that has passed only its password, without the
    menu and account bar of a signed-in page (none of it works yet); the page offers
    its own sign-out instead."""
    who: auth.Principal = request.state.principal
    if not who.awaiting:
        return render(request, template, status, **extra)
    request.state.principal = None
    try:
        return render(request, template, status, csrf_token=who.csrf_token, pending=True, **extra)
    finally:
        request.state.principal = who


def _onwards(next_: str, role: str) -> str:
    return safe_next(next_) if next_ and next_ != "/" else home_for(role)


@router.get(CODE_PAGE, include_in_schema=False)
def code_page(
    request: Request, who: Annotated[auth.Principal, Depends(anyone)], next: str = "/"
) -> Response:
    if who.awaiting != accounts.AWAITING_CODE:
        return RedirectResponse(_onwards(next, who.user.role), HTTP_303_SEE_OTHER)
    return _page(request, "two_factor_code.html", next=safe_next(next))


@router.post(CODE_PAGE, include_in_schema=False, dependencies=[Depends(auth.check_csrf)])
def check_code(
    request: Request,
    who: Annotated[auth.Principal, Depends(anyone)],
    code: Annotated[str, Form()] = "",
    recovery_code: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    field, typed = ("recovery_code", recovery_code) if recovery_code.strip() else ("code", code)
    if not typed.strip():
        errors = {field: "Enter the security code from your authenticator app"}
        return _page(request, "two_factor_code.html", 400, errors=errors, next=safe_next(next))
    ctx = context(request)
    with new_session(ctx.engine) as session:
        try:
            signed = two_factor.pass_second_factor(
                session=session,
                key=request.cookies.get(auth.SESSION_COOKIE),
                code=typed,
                client=_client(request),
                clock=ctx.clock,
            )
        except (accounts.TooManyAttempts, two_factor.CodeRefused) as e:
            status = e.http_status
            errors = {field: str(e)}
            return _page(
                request, "two_factor_code.html", status, errors=errors, next=safe_next(next)
            )
    target = _onwards(next, signed.user.role)
    return _signed_in(request, signed, RedirectResponse(target, HTTP_303_SEE_OTHER))


def _qr_svg(uri: str) -> str:
    """The otpauth:// address as an inline SVG QR code (no script, no image request)."""
    label = "QR code for your authenticator app"
    svg: str = segno.make(uri, error="m").svg_inline(
        scale=5, title=label, dark="#0b0c0c", light="#ffffff"
    )
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


def _set_up(request: Request, status: int = 200, **extra: object) -> Response:
    ctx = context(request)
    with new_session(ctx.engine) as session:
        user, secret = two_factor.enrolment_secret(
            session=session, key=request.cookies.get(auth.SESSION_COOKIE), clock=ctx.clock
        )
        uri = two_factor.provisioning_uri(user, secret)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return _page(
        request, "two_factor_set_up.html", status, qr=_qr_svg(uri), secret=grouped, **extra
    )


@router.get(SET_UP_PAGE, include_in_schema=False)
def set_up_page(
    request: Request, who: Annotated[auth.Principal, Depends(anyone)], next: str = "/"
) -> Response:
    if who.awaiting == accounts.AWAITING_CODE:
        return RedirectResponse(CODE_PAGE, HTTP_303_SEE_OTHER)
    if two_factor.is_enrolled(who.user):  # set up already: nothing to show again
        return RedirectResponse(_onwards(next, who.user.role), HTTP_303_SEE_OTHER)
    return _set_up(request, next=safe_next(next))


@router.post(SET_UP_PAGE, include_in_schema=False, dependencies=[Depends(auth.check_csrf)])
def confirm_set_up(
    request: Request,
    who: Annotated[auth.Principal, Depends(anyone)],
    code: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    if not code.strip():
        errors = {"code": "Enter the security code from your authenticator app"}
        return _set_up(request, 400, errors=errors, next=safe_next(next))
    ctx = context(request)
    with new_session(ctx.engine) as session:
        try:
            signed, codes = two_factor.confirm_enrolment(
                session=session,
                key=request.cookies.get(auth.SESSION_COOKIE),
                code=code,
                client=_client(request),
                clock=ctx.clock,
            )
        except (accounts.TooManyAttempts, two_factor.CodeRefused) as e:
            return _set_up(request, e.http_status, errors={"code": str(e)}, next=safe_next(next))
    # The page shows the codes once, under the new session (its sign-out form and CSRF).
    request.state.principal = auth.Principal(
        user=signed.user, via="session", csrf_token=signed.csrf_token
    )
    response = render(
        request,
        "two_factor_recovery_codes.html",
        codes=codes,
        onwards=_onwards(next, signed.user.role),
    )
    response.headers["Cache-Control"] = "no-store"
    return _signed_in(request, signed, response)
