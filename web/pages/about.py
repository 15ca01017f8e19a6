"""The pages every public-sector service must have, open without signing in: the
accessibility statement, the privacy notice and the cookies page (linked from every
page's footer)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web import auth
from web.deps import context
from web.templating import render

router = APIRouter(include_in_schema=False)

# Every cookie the service sets: all essential, so it asks no consent (PECR reg 6(4)).
COOKIES = (
    (
        auth.SESSION_COOKIE,
        "Keeps you signed in. It holds a random key; the service keeps only its digest.",
        "When you sign out, or after 10 hours",
    ),
    (
        auth.SIGN_IN_CSRF_COOKIE,
        "Protects the sign-in form from being sent by another website.",
        "When you sign in, or after 1 hour",
    ),
)


@router.get("/accessibility")
def accessibility(request: Request) -> Response:
    return render(request, "about/accessibility.html", about=context(request).about)


@router.get("/privacy")
def privacy(request: Request) -> Response:
    return render(request, "about/privacy.html", about=context(request).about)


@router.get("/cookies")
def cookies(request: Request) -> Response:
    return render(request, "about/cookies.html", cookies=COOKIES)
