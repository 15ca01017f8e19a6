"""Signing in with the council's account (single sign-on, web.oidc): the start, the
return from the provider, and the page for someone the provider knows but this
service does not."""

from __future__ import annotations

import logging
import secrets

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.status import HTTP_303_SEE_OTHER

from web import auth
from web.deps import context
from web.oidc import (
    FLOW_LIFETIME_SECONDS,
    Flow,
    OidcSettings,
    Provider,
    ProviderError,
    TokenRefused,
    new_flow,
    verified_email,
)
from web.pages.sign_in import home_for, safe_next
from web.templating import render
from workflow import accounts
from workflow.db import new_session

router = APIRouter()
FLOW_COOKIE = "ehc_oidc"
log = logging.getLogger(__name__)


def _settings(request: Request) -> OidcSettings:
    settings = context(request).sign_in.oidc
    if settings is None:
        raise HTTPException(status_code=404)
    return settings


def _provider(request: Request) -> Provider:
    """One per app (its metadata and keys are fetched once)."""
    settings = _settings(request)
    found = getattr(request.app.state, "oidc_provider", None)
    if not isinstance(found, Provider) or found.settings is not settings:
        found = Provider(settings)
        request.app.state.oidc_provider = found
    return found


def _return_uri(request: Request) -> str:
    """This service's address as the browser reached it (the proxy's, behind one)."""
    return str(request.base_url).rstrip("/") + auth.OIDC_CALLBACK


def _refused(request: Request, status: int, title: str, detail: str) -> Response:
    response = render(
        request,
        "sign_in_refused.html",
        status,
        title=title,
        detail=detail,
        local_accounts=context(request).sign_in.local_accounts,
    )
    response.delete_cookie(FLOW_COOKIE, path=auth.OIDC_CALLBACK)
    return response


@router.get(auth.OIDC_START, include_in_schema=False)
def start(request: Request, next: str | None = None) -> Response:
    provider = _provider(request)
    flow = new_flow(safe_next(next))
    try:
        url = provider.authorization_url(flow, _return_uri(request))
    except ProviderError as e:
        log.warning("single sign-on: the provider did not answer: %s", e)
        return _unavailable(request)
    response = RedirectResponse(url, HTTP_303_SEE_OTHER)
    # Lax: the provider's redirect back is a top-level GET, which carries it.
    auth.set_cookie(
        response,
        request,
        FLOW_COOKIE,
        flow.to_cookie(),
        max_age=FLOW_LIFETIME_SECONDS,
        path=auth.OIDC_CALLBACK,
    )
    return response


def _unavailable(request: Request) -> Response:
    name = _settings(request).provider_name
    return _refused(
        request,
        503,
        "Sorry, you cannot sign in at the moment",
        f"Signing in with {name} is not working. Try again later.",
    )


@router.get(auth.OIDC_CALLBACK, include_in_schema=False)
def finish(
    request: Request,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
    iss: str | None = None,
) -> Response:
    provider = _provider(request)
    flow = Flow.from_cookie(request.cookies.get(FLOW_COOKIE))
    try_again = "Go back to the sign-in page and try again."
    if flow is None:  # not the browser that set off, or more than ten minutes ago
        log.warning("single sign-on refused: this browser started no sign-in")
        return _refused(request, 400, "Sign-in could not be completed", try_again)
    if state is None or not secrets.compare_digest(state, flow.state):
        # A forged or replayed return, or one meant for another browser: nobody signs in.
        log.warning("single sign-on refused: the state does not match this browser's")
        return _refused(request, 400, "Sign-in could not be completed", try_again)
    if iss is not None and iss.rstrip("/") != provider.settings.issuer:
        # RFC 9207: the answer came from another provider than the one asked (a mix-up).
        log.warning("single sign-on refused: the response is from another issuer")
        return _refused(request, 400, "Sign-in could not be completed", try_again)
    if error or not code:
        log.info("single sign-on: the provider returned an error (%s)", (error or "")[:40])
        return _refused(request, 401, "You have not been signed in", try_again)
    try:
        claims = provider.finish(flow, code, _return_uri(request))
    except ProviderError as e:
        log.warning("single sign-on: the provider did not answer: %s", e)
        return _unavailable(request)
    except TokenRefused as e:
        log.warning("single sign-on refused: %s", e)
        return _refused(request, 401, "Sign-in could not be completed", try_again)
    grant = provider.settings.grant_for(claims)
    ctx = context(request)
    with new_session(ctx.engine) as session:
        try:
            signed = accounts.single_sign_on(
                session=session,
                subject=f"{provider.settings.issuer}|{claims['sub']}",
                email=verified_email(claims),
                name=claims.get("name") if isinstance(claims.get("name"), str) else None,
                grant=(grant.role, grant.team) if grant else None,
                clock=ctx.clock,
            )
        except accounts.NoAccount as e:
            log.info("single sign-on: no account for the person the provider vouched for")
            return _refused(request, 403, "You cannot use this service yet", str(e))
    target = flow.next if flow.next != "/" else home_for(signed.user.role)
    response = RedirectResponse(target, HTTP_303_SEE_OTHER)
    auth.set_cookie(response, request, auth.SESSION_COOKIE, signed.key)
    response.delete_cookie(FLOW_COOKIE, path=auth.OIDC_CALLBACK)
    return response


@router.get(auth.OIDC_SIGNED_OUT, include_in_schema=False)
def signed_out(request: Request) -> Response:
    """Signed out here; now end the provider's session too, where it offers that (it
    sends the browser back to the signed-out page). A page, not a redirect from the
    sign-out form, which the CSP keeps to this site; the Refresh header moves on."""
    after = str(request.base_url).rstrip("/") + "/sign-in?signed_out=1"
    url = _provider(request).end_session_url(after)
    if url is None:
        return RedirectResponse("/sign-in?signed_out=1", HTTP_303_SEE_OTHER)
    response = render(
        request,
        "signed_out_council.html",
        url=url,
        provider_name=_settings(request).provider_name,
    )
    response.headers["Refresh"] = f"0; url={url}"
    return response
