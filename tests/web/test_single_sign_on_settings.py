"""Single sign-on's settings and the checks that need no provider: the role map, the
verified email, the return without this browser's flow, and the sign-in page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy import Engine

from tests.web.conftest import Browser
from tests.wiring import projections
from web.app import create_app
from web.context import WebContext
from web.oidc import OidcSettings, RoleGrant, SignInOptions, parse_role_map, verified_email
from workflow.config import Config
from workflow.errors import InvalidInput


def test_the_role_map_reads_groups_and_app_roles() -> None:
    grants = parse_role_map("ehc-managers=manager, 3f2a-guid=officer/North ,EHC.Admin=admin")
    assert grants == {
        "ehc-managers": RoleGrant("manager"),
        "3f2a-guid": RoleGrant("officer", "North"),
        "EHC.Admin": RoleGrant("admin"),
    }
    settings = OidcSettings("https://i", "c", "s", role_map=grants)
    assert settings.grant_for({"groups": ["x", "3f2a-guid", "ehc-managers"]}) == RoleGrant(
        "manager"
    )  # the map's order: the first listed wins
    assert settings.grant_for({"groups": "EHC.Admin"}) == RoleGrant("admin")
    assert settings.grant_for({}) is None
    assert "client_secret" not in repr(settings) and "'s'" not in repr(settings)


@pytest.mark.parametrize(
    "text, message",
    [
        ("ehc-managers", "enter each entry as value=role"),
        ("g=superuser", "with a role of officer"),
        ("g=officer", "an officer works in a team"),
    ],
)
def test_a_bad_role_map_is_refused_with_a_message(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_role_map(text)


def test_settings_need_all_three_and_passwords_off_needs_single_sign_on() -> None:
    with pytest.raises(InvalidInput, match="needs all three"):
        SignInOptions.from_config(Config(oidc_issuer="https://login.example"))
    with pytest.raises(InvalidInput, match="EHC_LOCAL_ACCOUNTS=0"):
        SignInOptions.from_config(Config(local_accounts=False))
    options = SignInOptions.from_config(
        Config(
            oidc_issuer="https://login.example/t/v2.0/",
            oidc_client_id="id",
            oidc_client_secret="secret",  # type: ignore[arg-type]
            oidc_role_map="g=manager",
            local_accounts=False,
        )
    )
    assert options.oidc is not None and options.oidc.issuer == "https://login.example/t/v2.0"
    assert options.oidc.client_secret == "secret" and not options.local_accounts


@pytest.mark.parametrize(
    "claims, email",
    [
        ({"email": "a@b.example", "email_verified": True}, "a@b.example"),
        ({"email": "a@b.example", "xms_edov": True}, "a@b.example"),  # Entra ID's optional claim
        ({"email": "a@b.example", "email_verified": False}, None),
        ({"email": "a@b.example"}, None),
        ({"email_verified": True}, None),
    ],
)
def test_only_a_verified_email_is_used(claims: dict[str, object], email: str | None) -> None:
    assert verified_email(claims) == email


@pytest.fixture
def sso_app(engine: Engine, clock: Callable[[], datetime]):  # type: ignore[no-untyped-def]
    options = SignInOptions(oidc=OidcSettings("http://127.0.0.1:9", "client", "secret"))
    return create_app(
        WebContext(engine=engine, projections=projections(), clock=clock, sign_in=options)
    )


def test_a_return_without_this_browsers_flow_signs_nobody_in(sso_app) -> None:  # type: ignore[no-untyped-def]
    with Browser(sso_app, base_url="http://testserver") as client:
        response = client.get("/sign-in/council/return?code=abc&state=xyz")
        assert response.status_code == 400
        assert "Sign-in could not be completed" in response.text
        assert client.get("/", follow_redirects=False).status_code == 303


def test_an_unreachable_provider_gets_a_plain_page(sso_app) -> None:  # type: ignore[no-untyped-def]
    with Browser(sso_app, base_url="http://testserver") as client:
        response = client.get("/sign-in/council", follow_redirects=False)
        assert response.status_code == 503
        assert "Signing in with your council account is not working" in response.text


def test_the_sign_in_page_offers_the_council_account_first(sso_app, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    with Browser(sso_app, base_url="http://testserver") as client:
        page = client.page("/sign-in?next=/cases")
        assert page.index("Sign in with your council account") < page.index('name="password"')
        assert 'href="/sign-in/council?next=/cases"' in page


def test_without_single_sign_on_its_pages_are_not_there(browser) -> None:  # type: ignore[no-untyped-def]
    client = browser(None)
    assert client.get("/sign-in/council").status_code == 404
    assert "council account" not in client.page("/sign-in")
