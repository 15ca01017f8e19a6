"""Signing in and out, throttling, sessions, cookies and CSRF on the sign-in form."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from tests.web.conftest import PASSWORD, Browser, People
from web import auth
from workflow import accounts
from workflow.account_models import WebSession


def test_sign_in_sets_a_protected_session_cookie_and_opens_home(
    browser: Callable[[str | None], Browser], people: People
) -> None:
    client = browser(None)
    client.page("/sign-in")
    response = client.submit(
        "/sign-in", {"email": people.officer, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "ehc_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http in tests; https adds it (test below)
    assert "My cases" in client.page("/")


def test_cookie_is_secure_over_https(app, people: People) -> None:  # type: ignore[no-untyped-def]
    client = Browser(app, base_url="https://testserver")
    client.page("/sign-in")
    response = client.submit(
        "/sign-in", {"email": people.officer, "password": PASSWORD}, follow_redirects=False
    )
    assert "Secure" in response.headers["set-cookie"]
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_wrong_password_is_refused_with_an_error_summary(
    browser: Callable[[str | None], Browser], people: People
) -> None:
    client = browser(None)
    client.page("/sign-in")
    response = client.submit("/sign-in", {"email": people.officer, "password": "wrong guess 1"})
    assert response.status_code == 401
    assert "There is a problem" in response.text
    assert "Enter a correct email address and password" in response.text
    assert "ehc_session" not in response.cookies


def test_empty_fields_name_each_missing_field(
    browser: Callable[[str | None], Browser], people: People
) -> None:
    client = browser(None)
    client.page("/sign-in")
    response = client.submit("/sign-in", {"email": "", "password": ""})
    assert response.status_code == 400
    assert 'href="#email">Enter your email address' in response.text
    assert 'href="#password">Enter your password' in response.text


def test_sixth_attempt_in_fifteen_minutes_is_throttled_even_with_the_right_password(
    browser: Callable[[str | None], Browser], people: People
) -> None:
    client = browser(None)
    client.page("/sign-in")
    for n in range(accounts.MAX_FAILURES_PER_EMAIL):
        assert (
            client.submit(
                "/sign-in", {"email": people.officer, "password": f"wrong {n}"}
            ).status_code
            == 401
        )
    response = client.submit("/sign-in", {"email": people.officer, "password": PASSWORD})
    assert response.status_code == 429
    assert "too many attempts" in response.text


def test_sign_in_without_the_form_token_is_refused(
    browser: Callable[[str | None], Browser], people: People
) -> None:
    client = browser(None)
    response = client.post("/sign-in", data={"email": people.officer, "password": PASSWORD})
    assert response.status_code == 403


def test_next_goes_back_to_the_page_asked_for_but_never_off_site(
    browser: Callable[[str | None], Browser], people: People
) -> None:
    client = browser(None)
    first = client.get("/?show=team", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"].startswith("/sign-in?next=")
    client.page(first.headers["location"])
    ok = client.submit(
        "/sign-in",
        {"email": people.officer, "password": PASSWORD, "next": "/?show=team"},
        follow_redirects=False,
    )
    assert ok.headers["location"] == "/?show=team"
    other = browser(None)
    other.page("/sign-in")
    evil = other.submit(
        "/sign-in",
        {"email": people.officer, "password": PASSWORD, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert evil.headers["location"] == "/"


def test_sign_out_ends_the_session_in_the_database(
    browser: Callable[[str | None], Browser], people: People, session: Session
) -> None:
    client = browser(people.officer)
    client.page("/")
    response = client.submit("/sign-out", {}, follow_redirects=False)
    assert response.status_code == 303
    rows = session.exec(select(WebSession)).all()
    assert len(rows) == 1 and rows[0].ended_at is not None
    again = client.get("/", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/sign-in")


def test_deactivating_a_user_ends_their_sessions(
    browser: Callable[[str | None], Browser], people: People, session: Session, clock
) -> None:  # type: ignore[no-untyped-def]
    client = browser(people.officer)
    client.page("/")
    accounts.update_user(
        session=session, email=people.officer, active=False, actor="test", clock=clock
    )
    assert client.get("/", follow_redirects=False).status_code == 303


def test_health_is_open_and_says_ok(browser: Callable[[str | None], Browser]) -> None:
    response = browser(None).get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "default-src 'self'" in response.headers["content-security-policy"]


@pytest.mark.parametrize(
    "email, password",
    [
        ("officer\x00@council.example", PASSWORD),
        ("officer@council.example\x1b", PASSWORD),
        ("officer@council.example", PASSWORD + "\x00"),
    ],
)
def test_a_control_character_in_the_form_is_the_usual_form_error(
    browser: Callable[[str | None], Browser], people: People, email: str, password: str
) -> None:
    """Issue 17 item 5: a NUL byte in the email gave a 500 on PostgreSQL, before sign-in."""
    client = browser(None)
    client.page("/sign-in")
    response = client.submit("/sign-in", {"email": email, "password": password})
    assert response.status_code == 401
    assert "Enter a correct email address and password" in response.text


def test_the_public_pages_open_without_signing_in(browser: Callable[[str | None], Browser]) -> None:
    """Accessibility statement, privacy notice and cookies page: for anyone, linked from
    every page's footer, and the cookies page names every cookie the service sets."""
    client = browser(None)
    for path, heading in (
        ("/accessibility", "Accessibility statement for"),
        ("/privacy", "Privacy notice"),
        ("/cookies", "Cookies"),
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        assert f'<h1 class="govuk-heading-l">{heading}' in page.text
        assert 'href="/accessibility"' in page.text and 'href="/privacy"' in page.text
    cookies = client.get("/cookies").text
    assert auth.SESSION_COOKIE in cookies and auth.SIGN_IN_CSRF_COOKIE in cookies
    # What only the council can say is marked as still to be set, naming the setting.
    privacy = client.get("/privacy").text
    assert "EHC_COUNCIL_DPO_EMAIL" in privacy and "EHC_COUNCIL_RETENTION" in privacy
    sign_in = client.get("/sign-in").text
    assert "govuk-phase-banner" in sign_in
