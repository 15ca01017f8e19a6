"""Every route of the app, found by walking `app.routes`: refused without sign-in,
guarded by a role, and (for forms) by a CSRF token. A new route cannot forget.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from tests.web.conftest import Browser
from web import auth

# The sign-in, the health check, and the pages a public service must show to anyone:
# the accessibility statement, the privacy notice and the cookies page (no personal data).
PUBLIC = {
    ("/health", "GET"),
    ("/ready", "GET"),
    ("/sign-in", "GET"),
    ("/sign-in", "POST"),
    ("/accessibility", "GET"),
    ("/privacy", "GET"),
    ("/cookies", "GET"),
    # Single sign-on's start and return (web.pages.oidc): nobody has a session yet.
    ("/sign-in/council", "GET"),
    ("/sign-in/council/return", "GET"),
    ("/sign-in/council/signed-out", "GET"),
}


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """APIRoutes, also inside included routers (FastAPI keeps those nested and lazy)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)
        if included is not None:
            assert not route.include_context.prefix, "give routes their full paths"
            yield from _api_routes(included.routes)


def _routes(app: FastAPI) -> Iterator[tuple[APIRoute, str]]:
    for route in _api_routes(app.routes):
        for method in sorted(route.methods or ()):
            yield route, method


def _calls(dependant: Dependant) -> Iterator[object]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "X1", path)


def test_there_are_routes_to_check(app: FastAPI) -> None:
    assert len(list(_routes(app))) >= 5


def test_every_route_but_sign_in_and_health_refuses_an_anonymous_request(
    app: FastAPI, browser: Callable[[str | None], Browser]
) -> None:
    client = browser(None)
    checked = 0
    for route, method in _routes(app):
        if (route.path, method) in PUBLIC:
            continue
        response = client.request(method, _concrete(route.path), follow_redirects=False)
        if route.path.startswith("/api/"):
            assert response.status_code == 401, (method, route.path, response.status_code)
            assert response.headers["www-authenticate"] == "Bearer"
        else:
            assert response.status_code == 303, (method, route.path, response.status_code)
            assert response.headers["location"].startswith("/sign-in?next=")
        checked += 1
    assert checked >= 2
    # Paths that match no route are refused too, before anything says whether they exist.
    assert client.get("/no-such-page", follow_redirects=False).status_code == 303
    assert client.get("/api/no-such-thing").status_code == 401
    assert client.get("/openapi.json").status_code == 401


def test_a_bad_token_is_refused(app: FastAPI, browser: Callable[[str | None], Browser]) -> None:
    client = browser(None)
    for route, method in _routes(app):
        if route.path.startswith("/api/") and method == "GET":
            headers = {"Authorization": "Bearer ehc_not-a-real-token"}
            response = client.get(_concrete(route.path), headers=headers)
            assert response.status_code == 401, route.path


def test_every_non_public_route_states_the_roles_it_allows(app: FastAPI) -> None:
    for route, method in _routes(app):
        if (route.path, method) in PUBLIC:
            continue
        roles = [c.roles for c in _calls(route.dependant) if hasattr(c, "roles")]  # type: ignore[attr-defined]
        assert roles, f"{method} {route.path} does not use auth.allow(...)"
        assert all(set(r) <= set(auth.ROLES) for r in roles)


def test_every_form_post_checks_its_csrf_token(app: FastAPI) -> None:
    for route, method in _routes(app):
        if method != "POST" or route.path.startswith("/api/"):
            continue
        assert auth.check_csrf in list(_calls(route.dependant)), (
            f"POST {route.path} does not check the form's CSRF token"
        )


@pytest.mark.parametrize("role_email", ["viewer", "admin"])
def test_people_without_casework_roles_cannot_see_cases(
    browser: Callable[[str | None], Browser], people, role_email: str
) -> None:  # type: ignore[no-untyped-def]
    client = browser(getattr(people, role_email))
    response = client.get("/cases/new", follow_redirects=False)
    assert response.status_code == 403
    assert "You do not have access to this page" in response.text
