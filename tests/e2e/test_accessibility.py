"""Every page checked with axe-core in the browser (WCAG 2.2 AA rules): no violation
of serious or critical impact. And the content security policy: it blocks inline
script, and no page breaks it.

axe-core comes from node_modules (package.json; `make assets` runs `npm ci`). It is
injected as a script, which the CSP forbids, so only the axe contexts bypass the CSP;
the same pages are opened again with the CSP enforced to check none breaks it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import CORRECTED_CASE, OPEN_CASE, PEOPLE, ROOT, Visit

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING_IMPACTS = ("serious", "critical")


@dataclass(frozen=True)
class Screen:
    """A page in one state: who looks at it, how to get there, and what it should say."""

    name: str
    role: str | None
    open: Callable[[Page], None]
    heading: str | re.Pattern[str]


def go(path: str, status: int = 200) -> Callable[[Page], None]:
    def open_(page: Page) -> None:
        response = page.goto(path)
        assert response is not None and response.status == status, (path, response)

    return open_


def submit_empty(path: str, button: str) -> Callable[[Page], None]:
    """Open a form and send it blank: the page with its error summary."""

    def open_(page: Page) -> None:
        page.goto(path)
        page.get_by_role("button", name=button).click()
        page.wait_for_load_state()
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        assert page.title().startswith("Error: "), page.title()

    return open_


def first_event_form(page: Page) -> None:
    """Step 2 of recording an event: the first event the case can take."""
    page.goto(f"/cases/{OPEN_CASE}/events/new")
    page.locator("input[name=type]").first.check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert "type=" in page.url, page.url


def first_event_form_sent_empty(page: Page) -> None:
    first_event_form(page)
    page.locator("form#event button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".govuk-error-summary")).to_be_visible()


def event_check(page: Page) -> None:
    """Check your answers: a mediation request on the open case, today."""
    page.goto(f"/cases/{OPEN_CASE}/events/new?type=mediation_requested")
    page.locator("#date-day").fill("20")
    page.locator("#date-month").fill("11")
    page.locator("#date-year").fill("2026")
    page.get_by_label("Note (optional)").fill("The family asked by phone")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    expect(page.get_by_role("button", name="Record this event")).to_be_visible()


def correction_check(page: Page) -> None:
    """The correction's check page: the open case's decision to assess a day later."""
    page.goto(f"/cases/{OPEN_CASE}/events/2/correct")
    page.locator("#date-day").fill("6")
    page.get_by_label("Reason for the correction").fill("Typed the 5th for the 6th")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    expect(page.get_by_role("button", name="Save the correction")).to_be_visible()


def void_check(page: Page) -> None:
    """The void's check page: the open case's decision to assess."""
    page.goto(f"/cases/{OPEN_CASE}/events/2/void")
    page.get_by_label("Reason for voiding the event").fill("Recorded on the wrong case")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    expect(page.get_by_role("button", name="Void the event")).to_be_visible()


def case_details_with_mistakes(page: Page) -> None:
    """The details form sent with an email address and a date of birth that are wrong."""
    page.goto(f"/cases/{OPEN_CASE}/details")
    page.get_by_label("Email address of parent or carer").fill("not-an-email")
    page.locator("#date_of_birth-day").fill("31")
    page.get_by_role("button", name="Save details").click()
    page.wait_for_load_state()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert page.title().startswith("Error: "), page.title()


def letter_to_complete(page: Page) -> None:
    """The open case's first waiting letter: the form asking all it needs."""
    page.goto(f"/cases/{OPEN_CASE}")
    page.get_by_role("link", name=re.compile("^Complete this letter")).first.click()
    page.wait_for_load_state()


def letter_to_complete_sent_empty(page: Page) -> None:
    letter_to_complete(page)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    expect(page.locator(".govuk-error-summary")).to_be_visible()


SCREENS = [
    Screen("sign-in", None, go("/sign-in"), "Sign in to EHC casework"),
    Screen("sign-in-errors", None, submit_empty("/sign-in", "Sign in"), "Sign in to EHC casework"),
    Screen("signed-out", None, go("/sign-in?signed_out=1"), "Sign in to EHC casework"),
    Screen("accessibility", None, go("/accessibility"), re.compile("^Accessibility statement")),
    Screen("privacy", None, go("/privacy"), "Privacy notice"),
    Screen("cookies", "officer", go("/cookies"), "Cookies"),
    Screen("home-officer", "officer", go("/"), "My cases"),
    Screen("waiting-letters", "officer", go("/letters/waiting"), "Letters waiting for details"),
    Screen(
        "waiting-letters-team",
        "officer",
        go("/letters/waiting?show=team"),
        "Letters waiting for details",
    ),
    Screen(
        "waiting-letters-manager", "manager", go("/letters/waiting"), "Letters waiting for details"
    ),
    Screen("letter-complete", "officer", letter_to_complete, "Complete this letter"),
    Screen(
        "letter-complete-errors", "officer", letter_to_complete_sent_empty, "Complete this letter"
    ),
    Screen("home-officer-overdue", "officer", go("/?view=overdue"), "My cases"),
    Screen("home-officer-chase", "officer", go("/?view=chase"), "My cases"),
    Screen("dashboard", "manager", go("/"), "Dashboard"),
    Screen("breaches-officer", "officer", go("/breaches"), "North team's breach queue"),
    Screen("home-team", "officer", go("/?show=team"), "North team's cases"),
    Screen("home-manager", "manager", go("/?show=team"), "All cases"),
    Screen("search", "officer", go("/?q=EHC0001"), "Cases matching “EHC0001”"),
    Screen("search-none", "manager", go("/?q=nobody-at-all"), "Cases matching “nobody-at-all”"),
    Screen("case", "officer", go(f"/cases/{OPEN_CASE}"), re.compile(OPEN_CASE)),
    Screen("case-manager", "manager", go(f"/cases/{OPEN_CASE}"), re.compile(OPEN_CASE)),
    Screen(
        "case-details",
        "officer",
        go(f"/cases/{OPEN_CASE}/details"),
        "Child and family details",
    ),
    Screen(
        "case-details-errors",
        "officer",
        case_details_with_mistakes,
        "Child and family details",
    ),
    Screen("event-type", "officer", go(f"/cases/{OPEN_CASE}/events/new"), "What happened?"),
    Screen(
        "event-type-error",
        "officer",
        go(f"/cases/{OPEN_CASE}/events/new?type=not_an_event", 400),
        "What happened?",
    ),
    Screen("event-fields", "officer", first_event_form, re.compile(".")),
    Screen("event-fields-errors", "officer", first_event_form_sent_empty, re.compile(".")),
    Screen("event-check", "officer", event_check, "Check your answers before recording the event"),
    Screen("case-corrected", "officer", go(f"/cases/{CORRECTED_CASE}"), re.compile(CORRECTED_CASE)),
    Screen(
        "correct-form",
        "officer",
        go(f"/cases/{OPEN_CASE}/events/2/correct"),
        "Correct the event: decision to assess",
    ),
    Screen(
        "correct-form-errors",
        "officer",
        submit_empty(f"/cases/{OPEN_CASE}/events/2/correct", "Continue"),
        "Correct the event: decision to assess",
    ),
    Screen("correct-check", "officer", correction_check, "Check your correction before saving it"),
    Screen(
        "void-form",
        "manager",
        go(f"/cases/{OPEN_CASE}/events/2/void"),
        "Void the event: decision to assess",
    ),
    Screen(
        "void-form-errors",
        "officer",
        submit_empty(f"/cases/{OPEN_CASE}/events/2/void", "Continue"),
        "Void the event: decision to assess",
    ),
    Screen("void-check", "officer", void_check, "Check before you void the event"),
    Screen("new-case", "officer", go("/cases/new"), "Record a new request for an assessment"),
    Screen(
        "new-case-manager", "manager", go("/cases/new"), "Record a new request for an assessment"
    ),
    Screen(
        "new-case-errors",
        "officer",
        submit_empty("/cases/new", "Record the request"),
        "Record a new request for an assessment",
    ),
    Screen("breaches", "manager", go("/breaches"), "Breach queue"),
    Screen(
        "breaches-filtered",
        "manager",
        go("/breaches?team=North&kind=annual_review&show=overdue&sort=case&order=asc"),
        "Breach queue",
    ),
    Screen("breaches-errors", "manager", go("/breaches?due_within=soon", 400), "Breach queue"),
    Screen("scorecard", "manager", go("/scorecard"), "SEND timeliness scorecard"),
    Screen("scorecard-viewer", "viewer", go("/scorecard?team=North"), "SEND timeliness scorecard"),
    Screen("corrections", "manager", go("/corrections"), "Corrections"),
    Screen("corrections-errors", "manager", go("/corrections?to-day=40", 400), "Corrections"),
    Screen(
        "scorecard-errors",
        "viewer",
        go("/scorecard?from=someday", 400),
        "SEND timeliness scorecard",
    ),
    Screen("users", "admin", go("/users"), "Users"),
    Screen("teams", "admin", go("/teams"), "Teams"),
    Screen("delivery", "admin", go("/delivery"), "How letters and alerts are sent"),
    Screen("unassigned", "manager", go("/cases/unassigned"), "Unassigned cases"),
    Screen("breaches-select", "manager", go("/breaches?select=1"), "Breach queue"),
    Screen("add-user", "admin", go("/users/new"), "Add a user"),
    Screen("add-user-errors", "admin", submit_empty("/users/new", "Add user"), "Add a user"),
    Screen(
        "edit-user",
        "admin",
        go(f"/users/{PEOPLE['officer'].email}/edit"),
        re.compile(re.escape(PEOPLE["officer"].email)),
    ),
    Screen(
        "reset-two-factor",
        "admin",
        go(f"/users/{PEOPLE['manager'].email}/reset-two-factor"),
        "Reset two-factor sign-in",
    ),
    Screen(
        "reset-two-factor-nothing-to-reset",
        "admin",
        go(f"/users/{PEOPLE['officer'].email}/reset-two-factor"),
        "Reset two-factor sign-in",
    ),
    Screen("forbidden", "viewer", go("/breaches", 403), "You do not have access to this page"),
    Screen(
        "forbidden-officer",
        "officer",
        go("/corrections", 403),
        "You do not have access to this page",
    ),
    Screen(
        "forbidden-admin", "admin", go("/cases/new", 403), "You do not have access to this page"
    ),
    Screen("not-found", "officer", go("/no-such-page", 404), "Page not found"),
    Screen("case-not-found", "officer", go("/cases/NO-SUCH-CASE", 404), "Page not found"),
]


def _check_heading(page: Page, screen: Screen) -> None:
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_count(1)
    expect(heading).to_have_text(screen.heading)


def settle(page: Page) -> None:
    """Wait for GOV.UK Frontend's script and the fonts: layout decides target sizes."""
    expect(page.locator("body.govuk-frontend-supported")).to_have_count(1)
    page.evaluate("() => document.fonts.ready.then(() => true)")


def _serious(results: dict[str, Any]) -> list[str]:
    found = []
    for v in results["violations"]:
        if v["impact"] in FAILING_IMPACTS:
            targets = "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
            found.append(f"{v['id']} ({v['impact']}): {v['help']} [{targets}]")
    return found


@pytest.mark.parametrize("screen", SCREENS, ids=[s.name for s in SCREENS])
def test_page_has_no_serious_accessibility_violations(
    visit: Callable[..., Visit], screen: Screen
) -> None:
    v = visit(screen.role, bypass_csp=True)
    page = v.page()
    screen.open(page)
    _check_heading(page, screen)
    settle(page)
    page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    assert results["passes"], "axe-core checked nothing"
    problems = _serious(results)
    if problems:
        v.shot(page, screen.name)
    assert not problems, f"{page.url}:\n" + "\n".join(problems)


@pytest.mark.parametrize("role", sorted({s.role for s in SCREENS}, key=str))
def test_no_page_breaks_the_content_security_policy(
    visit: Callable[..., Visit], role: str | None
) -> None:
    v = visit(role)
    page = v.page()
    screens = [s for s in SCREENS if s.role == role]
    for screen in screens:
        screen.open(page)
        _check_heading(page, screen)
        settle(page)  # the module script has run: any violation would have shown
    assert not v.csp_violations(), v.csp_violations()


def test_the_content_security_policy_blocks_inline_script(visit: Callable[..., Visit]) -> None:
    v = visit()
    page = v.page()
    page.goto("/sign-in")
    settle(page)
    page.evaluate(
        """() => {
            const s = document.createElement('script');
            s.textContent = 'window.inlineRan = true';
            document.body.appendChild(s);
            const div = document.createElement('div');
            div.innerHTML = '<p id="styled" style="color: rgb(255, 0, 0)">styled</p>';
            document.body.appendChild(div);
        }"""
    )
    assert page.evaluate("() => window.inlineRan") is None
    colour = page.evaluate("() => getComputedStyle(document.getElementById('styled')).color")
    assert colour != "rgb(255, 0, 0)"
    heard = v.csp_violations()
    assert any("script-src" in m for m in heard), v.console
    assert any("style-src" in m for m in heard), v.console
    v.console.clear()  # the violations were the point here
