"""An officer's day (issue 19): sign in; log a request that reached the council on 3 August
2026 and was never recorded (its decision was due on 14 September, so it is the most
urgent case); open the most urgent case from the work queue; record the decision not to
assess without its reasons; see its letter wait; complete the letter in the browser
(every missing detail on one page, the preview, make it); see that its appeal date is
counted from the letter's date; download the PDF: a PDF naming the decision and giving
the reasons, and never the internal note.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.e2e.conftest import Visit

DECISIONS = {"Decision not to assess": "decided not to carry out an EHC needs assessment"}
REASONS = "The school's SENCo showed that the school can meet the needs from its own resources."


def _fill_today(page: Page) -> None:
    group = page.get_by_role("group", name=re.compile("Date the event happened"))
    group.get_by_label("Day").fill("20")
    group.get_by_label("Month").fill("11")
    group.get_by_label("Year").fill("2026")


FAMILY = {
    "Child's full name": "Robin Example",
    "Full name of parent or carer": "Sam Example",
    "Address of parent or carer": "1 Test Street\nExampletown\nEX1 1AA",
    "Email address of parent or carer": "sam@example.org",
    "Young person's address": "1 Test Street\nExampletown\nEX1 1AA",
    "Young person's email address": "robin@example.org",
}


def _fill_people(page: Page) -> None:
    """The people details the completion form asks for, if any (a demo case has them)."""
    form = page.locator("main form")
    for label, value in FAMILY.items():
        field = form.get_by_label(label, exact=True)
        if field.count():
            field.fill(value)
    born = form.get_by_role("group", name=re.compile("Child's date of birth"))
    if born.count():
        born.get_by_label("Day").fill("4")
        born.get_by_label("Month").fill("5")
        born.get_by_label("Year").fill("2016")


REFERENCE = "E2E-DAY-1"


def _log_the_late_request(page: Page, v: Visit) -> None:
    page.goto("/cases/new")
    page.get_by_label("Case reference").fill(REFERENCE)
    group = page.get_by_role("group", name=re.compile("Date the request was received"))
    group.get_by_label("Day").fill("3")
    group.get_by_label("Month").fill("8")
    group.get_by_label("Year").fill("2026")
    page.get_by_label("Who made the request").select_option("parent")
    page.get_by_role("button", name="Record the request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(REFERENCE)
    v.shot(page, "request-logged")


def test_an_officers_day(visit: Callable[..., Visit]) -> None:
    v = visit("officer")
    page = v.page()
    _log_the_late_request(page, v)
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My cases")
    v.shot(page, "work-queue")
    page.locator("main table tbody tr a[href^='/cases/']").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(REFERENCE)  # most urgent
    page.get_by_role("button", name="Record an event").click()
    decision = "Decision not to assess"
    v.shot(page, "choose-event")

    # Record the decision, without its reasons: the internal note stays internal.
    page.get_by_label(decision, exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(decision)
    expect(page.get_by_label("Reasons for the decision (sent to the family)")).to_be_visible()
    _fill_today(page)
    page.get_by_label("Note (optional)").fill("Panel met this morning")
    v.shot(page, "decision-form")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before recording the event"
    )
    expect(page.locator("main")).to_contain_text("Not given: the letter waits for them")
    v.shot(page, "decision-check")
    page.get_by_role("button", name="Record this event").click()

    # The case page: the letter waits for its reasons.
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    letters = page.locator("#letters ~ .app-table-scroll table").first
    expect(letters).to_contain_text("the reasons for the decision")
    v.shot(page, "letter-waiting")
    decision_row = letters.locator("tbody tr", has_text="We have decided not to")
    decision_row.get_by_role("link", name=re.compile("^Complete this letter")).click()

    # Complete it: the reasons (sent blank first: the error names them), then the preview.
    expect(page.get_by_role("heading", level=1)).to_have_text("Complete this letter")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the reasons for the decision"
    )
    v.shot(page, "complete-errors")
    page.get_by_label("Reasons for the decision").fill(REASONS)
    _fill_people(page)  # whatever else the letter waits for, asked on the same page
    v.shot(page, "complete-form")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the letter before it is made")
    preview = page.locator("#letter-preview")
    expect(preview).to_contain_text(DECISIONS[decision])
    expect(preview).to_contain_text("SENCo showed")
    expect(preview).not_to_contain_text("Panel met this morning")
    v.shot(page, "letter-preview")
    page.get_by_role("button", name="Make the letter").click()

    # Back on the case: the banner names the letter made; the timeline has it too.
    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text("Letters made:")
    timeline = page.locator(".moj-timeline")
    expect(timeline).to_contain_text("Letter: We have decided not to")
    # Made today, the day of the decision: nothing is counted later than the law says.
    expect(banner).not_to_contain_text("counted from the letter's date")
    v.shot(page, "letter-made")

    # Download the PDF from the letters table: a PDF naming the decision, with the reasons.
    with page.expect_download() as download_info:
        page.locator("#letters ~ .app-table-scroll table").first.get_by_role(
            "link", name=re.compile("^PDF")
        ).last.click()
    path = download_info.value.path()
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    text = re.sub(r"\s+", " ", text)
    assert DECISIONS[decision] in text and "SENCo showed" in text, text[:500]
    assert "Panel met this morning" not in text
    assert REFERENCE in page.url
