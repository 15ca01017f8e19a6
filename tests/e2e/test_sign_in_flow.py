"""Signing in and out in a real browser, the officer's home and search, and the CSP."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    OFFICER_NAME,
    PASSWORD,
    PEOPLE,
    RECOVERY_CODES,
    ROOT,
    Visit,
    sign_in,
)


def test_officer_signs_in_sees_their_cases_searches_and_signs_out(
    visit: Callable[..., Visit],
) -> None:
    v = visit()
    page = v.page()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/$"))
    v.shot(page, "sign-in")

    page.get_by_label("Email address").fill(PEOPLE["officer"].email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title(re.compile(r"^Error: Sign in"))
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    v.shot(page, "sign-in-refused")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My cases")
    expect(page.get_by_text(f"Signed in as {OFFICER_NAME}")).to_be_visible()
    rows = page.locator("table.govuk-table tbody tr")
    expect(rows.first).to_be_visible()
    # "My cases" is the officer's work queue: as many rows as its "Everything" count.
    everything = page.get_by_text(re.compile(r"^Everything \(\d+\)$")).inner_text()
    assert everything == f"Everything ({rows.count()})"
    v.shot(page, "my-cases")

    reference = rows.first.locator("td").first.inner_text()
    page.get_by_label("Search by case reference or child's name").fill(reference)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Cases matching “{reference}”")
    expect(page.locator("table.govuk-table tbody tr").first).to_contain_text(reference)
    v.shot(page, "search")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out")).to_be_visible()
    v.shot(page, "signed-out")
    # The session is over: the home page asks to sign in again.
    page.goto("/")
    assert "/sign-in" in page.url


def test_each_role_lands_on_its_own_start_page(visit: Callable[..., Visit]) -> None:
    starts = {
        "officer": ("/", "My cases"),
        "manager": ("/", "Dashboard"),
        "viewer": ("/scorecard", "SEND timeliness scorecard"),
        "admin": ("/users", "Users"),
    }
    v = visit()
    for role, (path, heading) in starts.items():
        page = v.page()
        v.context.clear_cookies()
        sign_in(page, role)
        assert page.url.endswith(path), (role, page.url)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        v.shot(page, f"start-{role}")
        page.close()


def _axe_problems(page: Page) -> list[str]:
    page.add_script_tag(path=str(ROOT / "node_modules" / "axe-core" / "axe.min.js"))
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
    )
    assert results["passes"], "axe-core checked nothing"
    return [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_a_manager_gives_a_security_code_after_the_password(visit: Callable[..., Visit]) -> None:
    """The code page after a right password (GOV.UK security code pattern), its error,
    and the set-up page an officer may choose: accessible, and within the CSP."""
    for bypass_csp in (True, False):  # axe needs its script injected; then the real CSP
        v = visit(bypass_csp=bypass_csp)
        page = v.page()
        page.goto("/cases")
        page.get_by_label("Email address").fill(PEOPLE["manager"].email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(re.compile(r"/sign-in/two-factor\?next=/cases$"))
        code = page.get_by_label("Enter your security code")
        expect(code).to_have_attribute("autocomplete", "one-time-code")
        expect(code).to_have_attribute("inputmode", "numeric")
        page.goto("/breaches")  # nothing else opens before the code; then that page will
        expect(page).to_have_url(re.compile(r"/sign-in/two-factor\?next=/breaches$"))
        code.fill("000000")
        page.get_by_role("button", name="Continue").click()
        expect(page).to_have_title(re.compile(r"^Error: Enter your security code"))
        if bypass_csp:
            v.shot(page, "security-code-error")
            assert not _axe_problems(page)
        page.get_by_text("I cannot use my authenticator app").click()
        page.get_by_label("Recovery code").fill(RECOVERY_CODES[PEOPLE["manager"].email].pop())
        page.get_by_role("button", name="Use recovery code").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Breach queue")
        # An officer may set up a second factor too: the set-up page with its QR code.
        v.context.clear_cookies()
        sign_in(page, "officer")
        page.goto("/sign-in/set-up-two-factor")
        expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
        expect(page.get_by_label("Security code")).to_have_attribute(
            "autocomplete", "one-time-code"
        )
        if bypass_csp:
            v.shot(page, "set-up-two-factor")
            assert not _axe_problems(page)
