"""Single sign-on in a real browser against a real OpenID provider (tests/oidc/provider.mjs):
an officer with an account signs in and never sees a password page; a manager the
council's role map knows gets an account from their group; someone the provider knows
but this service does not is refused with a clear page; a tampered nonce or state
signs nobody in. Password accounts are switched off here (EHC_LOCAL_ACCOUNTS=0).

Every request to an address other than this machine's is refused in the browser: the
provider's development pages ask for web fonts, which must not leave the machine."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.oidc.provider import CLIENT_ID, CLIENT_SECRET, running_provider
from tests.wiring import projections
from web.app import create_app
from web.context import WebContext
from web.oidc import OidcSettings, RoleGrant, SignInOptions
from workflow import accounts, migrate, teams
from workflow.account_models import User
from workflow.clock import system_clock
from workflow.db import make_engine, new_session

OFFICER = "sso.officer@council.example"  # an account an administrator made (provider.mjs)
MANAGER = "sso.manager@council.example"  # none: the role map makes it
LOCAL = re.compile(r"^https?://(127\.0\.0\.1|localhost)(:\d+)?/")


@dataclass(frozen=True)
class Sso:
    app: str  # the app's base URL
    issuer: str
    engine_url: str


def _serve_app(app: object, sock: socket.socket) -> tuple[uvicorn.Server, threading.Thread]:
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    )  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    return server, thread


@pytest.fixture(scope="module")
def sso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sso]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    url = f"sqlite:///{tmp_path_factory.mktemp('sso') / 'sso.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with new_session(engine) as session:
        teams.add_team(session=session, name="North", actor="test", clock=system_clock)
        accounts.add_user(
            session=session, email=OFFICER, name="Sso Officer", role="officer", team="North",
            password="an unused password of length", actor="test", clock=system_clock,
        )  # fmt: skip
    try:
        with running_provider(
            base + "/sign-in/council/return", base + "/sign-in?signed_out=1"
        ) as issuer:
            options = SignInOptions(
                local_accounts=False,
                oidc=OidcSettings(
                    issuer=issuer,
                    client_id=CLIENT_ID,
                    client_secret=CLIENT_SECRET,
                    role_map={"ehc-managers": RoleGrant("manager")},
                ),
            )
            app = create_app(
                WebContext(
                    engine=engine, projections=projections(), clock=system_clock, sign_in=options
                )
            )
            server, thread = _serve_app(app, sock)
            try:
                yield Sso(base, issuer, url)
            finally:
                server.should_exit = True
                thread.join(timeout=10)
    finally:
        sock.close()
        engine.dispose()


@pytest.fixture
def context(chromium: Browser, sso: Sso) -> Iterator[BrowserContext]:
    context = chromium.new_context(base_url=sso.app)
    context.set_default_timeout(10_000)
    # Only this machine: the provider's pages ask for web fonts from elsewhere.
    context.route(lambda url: not LOCAL.match(url), lambda route: route.abort())
    yield context
    context.close()


def _at_provider(page: Page, sso: Sso, login: str) -> None:
    """The provider's sign-in page (its development one: any password)."""
    expect(page).to_have_url(re.compile("^" + re.escape(sso.issuer) + "/interaction/"))
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("anything")
    page.locator("button[type=submit]").click()


def _start(page: Page) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/$"))
    # No password here: only the council's account.
    expect(page.get_by_label("Password")).to_have_count(0)
    page.get_by_role("button", name="Sign in with your council account").click()


def test_an_officer_signs_in_with_their_council_account_and_out_again(
    context: BrowserContext, sso: Sso
) -> None:
    page = context.new_page()
    _start(page)
    _at_provider(page, sso, "officer")
    expect(page).to_have_url(sso.app + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My cases")
    expect(page.get_by_text("Signed in as Sso Officer (officer, North team)")).to_be_visible()
    engine = make_engine(sso.engine_url)
    with new_session(engine) as session:
        user = accounts.get_user(session, OFFICER)
        assert user.oidc_subject == f"{sso.issuer}|officer"
    engine.dispose()
    # Signing out ends the provider's session too: it asks, then sends the browser back.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile("^" + re.escape(sso.issuer) + "/session/end"))
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page.get_by_text("You have signed out")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/$"))
    # The provider's session is over: signing in again asks for the login again.
    page.get_by_role("button", name="Sign in with your council account").click()
    expect(page.locator("input[name=login]")).to_be_visible()


def test_a_manager_gets_an_account_from_the_role_map(context: BrowserContext, sso: Sso) -> None:
    page = context.new_page()
    _start(page)
    _at_provider(page, sso, "manager")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.get_by_text("Signed in as Sso Manager (manager)")).to_be_visible()
    engine = make_engine(sso.engine_url)
    with new_session(engine) as session:
        user = accounts.get_user(session, MANAGER)
        assert (user.role, user.password_hash) == ("manager", accounts.NO_PASSWORD)
    engine.dispose()


def test_someone_without_an_account_is_refused_with_a_clear_page(
    context: BrowserContext, sso: Sso
) -> None:
    page = context.new_page()
    _start(page)
    _at_provider(page, sso, "stranger")
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot use this service yet")
    expect(page.locator("#refusal")).to_contain_text("You do not have an account in this service")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/$"))  # no session, no new account
    engine = make_engine(sso.engine_url)
    with new_session(engine) as session:
        assert accounts.find_user(session, "stranger@council.example") is None
        assert session.get(User, 1) is not None
    engine.dispose()


def _replace_param(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    query = [(k, value if k == name else v) for k, v in parse_qsl(parts.query)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _tamper_the_request_to_the_provider(context: BrowserContext, sso: Sso, name: str) -> None:
    """Change one parameter of the authorisation request, as someone in the middle could.
    The browser reaches the provider by a redirect, which routes do not see: so the start
    is fetched here and its redirect changed (its flow cookie kept)."""

    def tamper(route: Route) -> None:
        response = route.fetch(max_redirects=0)
        location = _replace_param(response.headers["location"], name, f"tampered-{name}")
        route.fulfill(response=response, headers={**response.headers, "location": location})

    context.route(re.compile("^" + re.escape(sso.app + "/sign-in/council?")), tamper)


@pytest.mark.parametrize(
    "name, refusal",
    [
        # The provider's ID token then carries another nonce than this browser's flow.
        ("nonce", "the ID token failed a check"),
        # The provider returns another state than this browser's flow cookie holds.
        ("state", "the state does not match"),
    ],
)
def test_a_tampered_nonce_or_state_signs_nobody_in(
    context: BrowserContext, sso: Sso, caplog: pytest.LogCaptureFixture, name: str, refusal: str
) -> None:
    _tamper_the_request_to_the_provider(context, sso, name)
    page = context.new_page()
    _start(page)
    _at_provider(page, sso, "officer")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in could not be completed")
    assert [c["name"] for c in context.cookies() if c["name"] == "ehc_oidc"] == []  # spent
    # Refused for the reason tested, not for a lost flow cookie.
    assert any(refusal in r.getMessage() for r in caplog.records), caplog.text
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/$"))


def test_the_start_asks_for_a_code_with_pkce_state_and_nonce(
    context: BrowserContext, sso: Sso
) -> None:
    response = context.request.get("/sign-in/council?next=/cases", max_redirects=0)
    assert response.status == 303
    sent = dict(parse_qsl(urlsplit(response.headers["location"]).query))
    assert sent["response_type"] == "code" and sent["client_id"] == CLIENT_ID
    assert sent["code_challenge_method"] == "S256" and len(sent["code_challenge"]) == 43
    assert len(sent["state"]) >= 43 and len(sent["nonce"]) >= 43
    assert sent["redirect_uri"] == sso.app + "/sign-in/council/return"
    cookie = response.headers["set-cookie"]
    assert (
        "ehc_oidc=" in cookie and "HttpOnly" in cookie and "Path=/sign-in/council/return" in cookie
    )
    assert CLIENT_SECRET not in response.headers["location"]
    # With passwords switched off, the password form is refused too.
    assert context.request.post("/sign-in", form={"email": OFFICER}).status in (403, 404)


def test_nothing_is_logged_with_the_secret(sso: Sso) -> None:
    log = Path(".pytest-run.log")
    if log.exists():
        assert CLIENT_SECRET not in log.read_text(encoding="utf-8", errors="replace")
