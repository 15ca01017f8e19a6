"""An officer who typed the wrong request date corrects it in the browser (issue 18).

The request for case E2E-FIX-1 came in on Mon 12 October 2026 but was recorded as Thu
1 October. As recorded, the reg 5(1) decision was due Thu 12 November 2026 and, on the
fixed day (Fri 20 November), it is overdue: the case is in the breach queue. Corrected
to 12 October, the decision is due 6 weeks on, Mon 23 November 2026: the check page shows
the date before and after and the deadline moving, and after the save the case page, the
breach queue (due soon, no longer overdue) and the letters (the first acknowledgement
withdrawn, a new one made) agree with the corrected history.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.e2e.conftest import CORRECTED_CASE, OFFICER_NAME, Visit
from tests.e2e.test_casework_flow import deadline_row, fill_date

REFERENCE = "E2E-FIX-1"


def queue_row(page: Page, show: str) -> str | None:
    """The breach queue's row of the case's decision, as text (None if not there)."""
    page.goto(
        f"/breaches?officer={OFFICER_NAME.replace(' ', '+')}&kind=decision_to_assess&show={show}"
    )
    row = page.locator("tbody tr", has=page.get_by_role("link", name=REFERENCE, exact=True))
    return row.inner_text() if row.count() else None


def test_officer_corrects_a_wrongly_entered_request_date(visit: Callable[..., Visit]) -> None:
    v = visit("officer")
    page = v.page()
    page.goto("/cases/new")
    page.get_by_label("Case reference").fill(REFERENCE)
    fill_date(page, "Date the request was received", 1, 10, 2026)  # the slip: 12 October
    page.get_by_label("Who made the request").select_option("parent")
    page.get_by_role("button", name="Record the request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(REFERENCE)
    expect(deadline_row(page, "Decision to assess")).to_contain_text("12 November 2026")
    expect(deadline_row(page, "Decision to assess")).to_contain_text("Overdue")

    manager = visit("manager").page()
    before = queue_row(manager, "overdue")
    assert before is not None and "12 November 2026" in before, before

    # The case page: the event's Correct action, named for screen readers.
    page.get_by_role(
        "link", name="Correct request for an assessment received on 1 October 2026"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Correct the event: request for an assessment received"
    )
    group = page.get_by_role("group", name=re.compile("Date the event happened"))
    expect(group.get_by_label("Day")).to_have_value("1")
    group.get_by_label("Day").fill("12")
    page.get_by_label("Reason for the correction").fill("Typed 1 October for 12 October")
    page.get_by_role("button", name="Continue").click()

    # Check: before and after, the changed answer marked, and the deadline moving.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your correction before saving it"
    )
    changed = page.locator("tr.app-correction__changed")
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text("1 October 2026")
    expect(changed).to_contain_text("12 October 2026")
    expect(changed).to_contain_text("Changed")
    what = page.locator("main form")
    expect(what).to_contain_text("Deadlines it moves")
    expect(what).to_contain_text("Decision to assess: due 23 November 2026, was 12 November 2026")
    expect(what).to_contain_text("“We have received the request for an EHC needs assessment”")
    v.shot(page, "correction-check")

    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(REFERENCE)
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Request for an assessment received corrected: it now happened on 12 October 2026"
    )
    decision = deadline_row(page, "Decision to assess")
    expect(decision).to_contain_text("23 November 2026")
    expect(decision).to_contain_text("Pending")
    corrections = page.locator("#corrections ~ ul")
    expect(corrections).to_contain_text("Request for an assessment received, 1 October 2026")
    expect(corrections).to_contain_text("Corrected to 12 October 2026.")
    expect(corrections).to_contain_text("Reason: Typed 1 October for 12 October")
    letters = page.locator("table", has=page.locator("caption", has_text="Letters"))
    expect(letters.locator("tbody tr")).to_have_count(2)
    expect(letters.locator("tbody tr").first).to_contain_text("Withdrawn")
    expect(letters.locator("tbody tr").nth(1)).to_contain_text("Awaiting details")
    v.shot(page, "case-after-correction")

    # The breach queue agrees: no longer overdue; due soon, on the corrected date.
    assert queue_row(manager, "overdue") is None
    after = queue_row(manager, "all")
    assert after is not None and "23 November 2026" in after and "Due soon" in after, after


def test_officer_sends_the_family_a_correction_letter(visit: Callable[..., Visit]) -> None:
    """E2E-CORRECTED-1 (tests/e2e/conftest.py): its decision letter was downloaded, then
    the decision's date corrected. The case page says the letter may have reached the
    family and offers the correction letter; the officer makes it and downloads its PDF."""
    v = visit("officer")
    page = v.page()
    page.goto(f"/cases/{CORRECTED_CASE}")
    notice = page.locator(".app-gone-out")
    expect(notice).to_contain_text(
        "“We will carry out an EHC needs assessment”, dated 20 November 2026, may have "
        "reached the family."
    )
    v.shot(page, "case-letter-gone-out")
    notice.get_by_role("button", name="Make a correction letter").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        re.compile(r"Correction letter \d+ made")
    )
    expect(page.locator(".app-gone-out")).to_contain_text(
        "The correction letter to the family is made"
    )
    letters = page.locator("table", has=page.locator("caption", has_text="Letters"))
    row = letters.locator("tbody tr", has_text="A correction to our letter")
    expect(row).to_contain_text("Ready")
    v.shot(page, "case-correction-letter-made")
    with page.expect_download() as download_info:
        row.get_by_role("link", name=re.compile("^PDF")).click()
    pdf = download_info.value.path().read_bytes()
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert "A correction to our letter" in text
    assert "We wrote to you on 20 November 2026 about Robin's Education, Health and Care" in text
    assert "That letter was wrong, and we have withdrawn it." in text
    assert "We are sending you a corrected letter" in text
