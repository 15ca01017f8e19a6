"""The second step of signing in, in the web app: the code page, setting up an app, the
recovery codes page, and that a half-signed-in session reaches nothing else."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from tests.web.conftest import PASSWORD, RECOVERY_CODES, Browser, People
from tests.wiring import projections
from web.app import create_app
from web.context import WebContext
from web.oidc import SignInOptions
from workflow import accounts, two_factor
from workflow.db import new_session

SECRET = re.compile(r'id="secret">([A-Z2-7 ]+)<')


def _password(client: Browser, email: str, next_: str = "/") -> str:
    client.page("/sign-in")
    response = client.submit(
        "/sign-in", {"email": email, "password": PASSWORD, "next": next_}, follow_redirects=False
    )
    assert response.status_code == 303, response.text[:300]
    return str(response.headers["location"])


def test_a_manager_is_asked_for_the_code_before_anything_else(
    browser: Callable[[str | None], Browser],
    people: People,
    engine: Engine,
    clock: Callable[[], datetime],
) -> None:
    client = browser(None)
    assert _password(client, people.manager, "/breaches") == "/sign-in/two-factor?next=/breaches"
    # Only the password: every other page, and the API with the cookie, send it back.
    for path in ("/", "/breaches", "/scorecard", "/sign-in"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/sign-in/two-factor"), path
    assert client.get("/api/cases").status_code == 401
    page = client.page("/sign-in/two-factor?next=/breaches")
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    # No menu yet (none of it would open), and a way to sign out instead.
    assert "Signed in as" not in page and 'href="/breaches"' not in page
    assert 'action="/sign-out"' in page
    wrong = client.submit("/sign-in/two-factor", {"code": "000000", "next": "/breaches"})
    assert wrong.status_code == 401
    assert "Enter a correct security code" in wrong.text and "Error:" in wrong.text
    empty = client.submit("/sign-in/two-factor", {"code": " ", "next": "/breaches"})
    assert empty.status_code == 400 and "Enter the security code" in empty.text
    with new_session(engine) as session:
        user = accounts.get_user(session, people.manager)
        assert user.totp_secret is not None
        code = two_factor.current_code(user.totp_secret, clock())
    done = client.submit(
        "/sign-in/two-factor", {"code": code, "next": "/breaches"}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == "/breaches"
    assert client.get("/breaches").status_code == 200


def test_an_api_token_is_not_asked_for_a_second_factor(api, people: People) -> None:  # type: ignore[no-untyped-def]
    assert api(people.manager).get("/api/cases").status_code == 200


def test_an_admin_without_a_second_factor_sets_one_up_and_sees_recovery_codes_once(
    app: FastAPI, browser: Callable[[str | None], Browser], people: People, engine: Engine,
    clock: Callable[[], datetime],
) -> None:  # fmt: skip
    with new_session(engine) as session:
        two_factor.reset(session=session, email=people.admin, actor="test", clock=clock)
    client = browser(None)
    assert _password(client, people.admin) == "/sign-in/set-up-two-factor"
    assert (
        client.get("/users", follow_redirects=False)
        .headers["location"]
        .startswith("/sign-in/set-up-two-factor")
    )
    page = client.page("/sign-in/set-up-two-factor")
    assert "<svg" in page and "QR code for your authenticator app" in page
    assert 'autocomplete="one-time-code"' in page
    found = SECRET.search(page)
    assert found
    secret = found.group(1).replace(" ", "")
    wrong = client.submit("/sign-in/set-up-two-factor", {"code": "12345"})
    assert wrong.status_code == 401 and "Enter a correct security code" in wrong.text
    done = client.submit(
        "/sign-in/set-up-two-factor", {"code": two_factor.current_code(secret, clock())}
    )
    assert done.status_code == 200, done.text[:300]
    assert "Two-factor authentication is set up" in done.text
    assert done.headers["cache-control"] == "no-store"
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", done.text)
    assert len(codes) == 10
    assert client.get("/users").status_code == 200
    # They are shown once: the set-up page is gone for an enrolled user.
    again = client.get("/sign-in/set-up-two-factor", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/users"


def test_a_recovery_code_signs_in_once(
    browser: Callable[[str | None], Browser], people: People
) -> None:
    code = RECOVERY_CODES[people.admin][0]
    for attempt in range(2):
        client = browser(None)
        _password(client, people.admin)
        client.page("/sign-in/two-factor")
        response = client.submit(
            "/sign-in/two-factor", {"recovery_code": code}, follow_redirects=False
        )
        if attempt == 0:
            assert response.status_code == 303 and response.headers["location"] == "/users"
        else:
            assert response.status_code == 401
            assert 'id="recovery_code-error"' in response.text


def test_a_council_can_require_it_of_everyone(
    engine: Engine, clock: Callable[[], datetime], people: People
) -> None:
    app = create_app(
        WebContext(
            engine=engine, projections=projections(), clock=clock,
            sign_in=SignInOptions(two_factor_for_all=True),
        )
    )  # fmt: skip
    with Browser(app, base_url="http://testserver") as client:
        assert _password(client, people.officer) == "/sign-in/set-up-two-factor"


@pytest.mark.parametrize("path", ["/sign-in/two-factor", "/sign-in/set-up-two-factor"])
def test_the_two_factor_pages_need_a_session(
    browser: Callable[[str | None], Browser], path: str
) -> None:
    response = browser(None).get(path, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/sign-in?")


def test_a_half_signed_in_session_can_sign_out(
    browser: Callable[[str | None], Browser], people: People
) -> None:
    client = browser(None)
    _password(client, people.manager)
    client.page("/sign-in/two-factor")
    response = client.submit("/sign-out", {}, follow_redirects=False)
    assert response.headers["location"] == "/sign-in?signed_out=1"
    assert (
        client.get("/sign-in/two-factor", follow_redirects=False)
        .headers["location"]
        .startswith("/sign-in?next=")
    )
