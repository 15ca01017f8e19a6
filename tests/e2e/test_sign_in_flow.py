"""Signing in and out in a real browser, the officer's home and search, and the CSP."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import expect

from tests.e2e.conftest import OFFICER_NAME, PASSWORD, PEOPLE, Visit, sign_in


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
