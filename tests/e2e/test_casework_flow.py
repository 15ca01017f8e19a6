"""An officer opens a case by recording a request, records the decision to assess and a
request for advice, each through the "Check your answers" page, and sees the deadlines
and the letter on the case page.

Dates (spec section "deadlines"): request received 2 November 2026, so the decision to
assess is due 6 weeks later, 14 December 2026, and, once the council decides to assess,
the final plan 20 weeks (140 days) after the request, 22 March 2027; psychological advice
requested on 18 November 2026 is due 6 weeks later, 30 December 2026 (reg 8(1)).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import OFFICER_NAME, TEAM, Visit

REFERENCE = "E2E-FLOW-1"


def fill_date(page: Page, legend: str, day: int, month: int, year: int) -> None:
    """GOV.UK date input: three boxes inside a fieldset whose legend names the date."""
    group = page.get_by_role("group", name=re.compile(re.escape(legend)))
    group.get_by_label("Day").fill(str(day))
    group.get_by_label("Month").fill(str(month))
    group.get_by_label("Year").fill(str(year))


def deadline_row(page: Page, name: str | re.Pattern[str]) -> Locator:
    table = page.locator("table", has=page.locator("caption", has_text="Statutory deadlines"))
    return table.locator("tbody tr").filter(has=page.get_by_role("rowheader", name=name))


def record_event(page: Page, what: str) -> None:
    """From the case page: Record an event, choose `what`, continue to its fields."""
    page.get_by_role("button", name="Record an event").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What happened?")
    page.get_by_label(what, exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(what)


CHECK_HEADING = "Check your answers before recording the event"


def continue_to_check(page: Page) -> None:
    """From an event's fields: Continue to the check page."""
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CHECK_HEADING)


def answer(page: Page, key: str) -> Locator:
    """The value of one row of the check page's answers."""
    key_cell = page.locator("dt", has_text=re.compile(f"^{re.escape(key)}$"))
    row = page.locator(".govuk-summary-list__row", has=key_cell)
    return row.locator(".govuk-summary-list__value")


def test_officer_records_a_request_and_a_decision_and_sees_the_deadlines(
    visit: Callable[..., Visit],
) -> None:
    v = visit("officer")
    page = v.page()

    page.goto("/cases/new")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Record a new request for an assessment"
    )
    # Sent blank first: the GOV.UK error summary names each missing answer.
    page.get_by_role("button", name="Record the request").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Enter the case reference")
    expect(summary).to_contain_text("Select who made the request")
    v.shot(page, "new-case-errors")

    page.get_by_label("Case reference").fill(REFERENCE)
    fill_date(page, "Date the request was received", 2, 11, 2026)
    page.get_by_label("Who made the request").select_option("parent")
    v.shot(page, "new-case-filled")
    page.get_by_role("button", name="Record the request").click()

    expect(page).to_have_url(re.compile(f"/cases/{REFERENCE}"))
    expect(page.get_by_role("heading", level=1)).to_have_text(REFERENCE)
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    summary_list = page.locator(".govuk-summary-list")
    expect(summary_list).to_contain_text(TEAM)
    expect(summary_list).to_contain_text(OFFICER_NAME)
    expect(deadline_row(page, "Decision to assess")).to_contain_text("14 December 2026")
    # The acknowledgement letter waits for the child's details.
    letters = page.locator("table", has=page.locator("caption", has_text="Letters"))
    expect(letters.locator("tbody tr").first).to_contain_text("Awaiting details")
    v.shot(page, "case-opened")

    record_event(page, "Decision to assess")
    fill_date(page, "Date the event happened", 16, 11, 2026)
    v.shot(page, "decision-form")
    continue_to_check(page)
    expect(answer(page, "Date the event happened")).to_have_text("16 November 2026")
    v.shot(page, "decision-check")
    page.get_by_role("button", name="Record this event").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(REFERENCE)
    expect(page.locator(".govuk-summary-list")).to_contain_text("Assessing")
    decision = deadline_row(page, "Decision to assess")
    expect(decision).to_contain_text("Met")
    expect(decision).to_contain_text("Met on 16 November 2026")
    expect(deadline_row(page, "Final plan")).to_contain_text("22 March 2027")
    # The decision to assess makes a second letter to the parent.
    expect(letters.locator("tbody tr")).to_have_count(2)
    v.shot(page, "decision-recorded")

    record_event(page, "Advice requested")
    fill_date(page, "Date the event happened", 18, 11, 2026)
    page.get_by_label("Kind of advice").select_option("psychological")
    continue_to_check(page)
    page.get_by_role("button", name="Record this event").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(REFERENCE)
    advice = deadline_row(page, re.compile("^Psychological advice"))
    expect(advice).to_contain_text("30 December 2026")
    expect(advice).to_contain_text("Pending")
    timeline = page.locator("#timeline + .moj-timeline")
    expect(timeline).to_contain_text("Advice requested")
    expect(timeline).to_contain_text("Decision to assess")
    v.shot(page, "advice-requested")


def test_a_date_in_the_future_is_refused_with_a_message(visit: Callable[..., Visit]) -> None:
    v = visit("officer")
    page = v.page()
    page.goto("/cases/new")
    page.get_by_label("Case reference").fill("E2E-FUTURE-1")
    fill_date(page, "Date the request was received", 1, 1, 2027)
    page.get_by_label("Who made the request").select_option("parent")
    page.get_by_role("button", name="Record the request").click()
    expect(page).to_have_title(re.compile("^Error: "))
    error = page.locator(".govuk-error-summary")
    expect(error).to_be_visible()
    # The summary links to the field in error, and following it puts the focus there.
    error.get_by_role("link").first.click()
    expect(page.locator("#date-day")).to_be_focused()
    v.shot(page, "future-date")


def test_officer_checks_an_event_changes_an_answer_and_records_it(
    visit: Callable[..., Visit],
) -> None:
    """The check page of a decision not to assess on a new case: what
    it will do (the reg 5(1) decision met, the appeal window, the letter), then a Change
    that keeps the answers, then the save. The request was received on 2 November 2026;
    the decision on 16 November is in time (due 14 December) and opens the HESC r.20(1)(c)
    appeal window: 2 months on is Sat 16 January 2027, so it closes on Mon 18 January."""
    reference = "E2E-CHECK-1"
    v = visit("officer")
    page = v.page()
    page.goto("/cases/new")
    page.get_by_label("Case reference").fill(reference)
    fill_date(page, "Date the request was received", 2, 11, 2026)
    page.get_by_label("Who made the request").select_option("parent")
    page.get_by_role("button", name="Record the request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(reference)

    record_event(page, "Decision not to assess")
    fill_date(page, "Date the event happened", 15, 11, 2026)  # a slip: it was the 16th
    page.get_by_label("Note (optional)").fill("Panel of 13 November")
    continue_to_check(page)
    expect(page).to_have_title(re.compile(f"^Check your answers – case {reference}"))
    expect(answer(page, "Event")).to_have_text("Decision not to assess")
    expect(answer(page, "Date the event happened")).to_have_text("15 November 2026")
    expect(answer(page, "Note")).to_have_text("Panel of 13 November")
    what = page.locator("main form")
    expect(what).to_contain_text("The case will move from requested to not assessed")
    expect(what).to_contain_text("Decision to assess, due 14 December 2026: met on time")
    expect(what).to_contain_text("Appeal to the tribunal: opens on 15 November 2026")
    expect(what).to_contain_text(
        "A letter to the family: “We have decided not to carry out an EHC needs assessment”"
    )
    v.shot(page, "check")

    page.get_by_role("button", name="Change date the event happened").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Decision not to assess")
    group = page.get_by_role("group", name=re.compile("Date the event happened"))
    expect(group.get_by_label("Day")).to_have_value("15")
    expect(page.get_by_label("Note (optional)")).to_have_value("Panel of 13 November")
    group.get_by_label("Day").fill("16")
    continue_to_check(page)
    expect(answer(page, "Date the event happened")).to_have_text("16 November 2026")
    expect(page.locator("main form")).to_contain_text(
        "Appeal to the tribunal: opens on 16 November 2026 and closes on 18 January 2027"
    )
    v.shot(page, "check-changed")

    page.get_by_role("button", name="Record this event").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(reference)
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Decision not to assess recorded on 16 November 2026"
    )
    expect(deadline_row(page, "Decision to assess")).to_contain_text("Met on 16 November 2026")
    v.shot(page, "recorded")
