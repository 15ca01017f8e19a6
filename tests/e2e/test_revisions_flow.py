"""In the browser: the scorecard marks a published figure revised by a correction, with
both values and the correction; the corrections report lists it (issue 18 item 6)."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import expect

from tests.e2e.conftest import REVISED_CASE, Visit


def test_the_scorecard_shows_the_revised_figure(visit: Callable[..., Visit]) -> None:
    v = visit("manager")
    page = v.page()
    page.goto("/scorecard")
    expect(page.locator(".govuk-warning-text")).to_contain_text("revised since publication")
    section = page.get_by_role("table", name=re.compile("^Revised figures"))
    row = section.locator("tr", has_text="decisions whether to assess made within 6 weeks, Sep-26")
    expect(row).to_contain_text("published")
    expect(row).to_contain_text(REVISED_CASE)
    expect(row).to_contain_text("The decision letter was sent on 21 September")
    expect(page.locator("table.app-scorecard-table .govuk-tag", has_text="Revised")).to_have_count(
        1
    )
    row.scroll_into_view_if_needed()
    v.shot(page, "scorecard-revised")


def test_the_corrections_report_lists_the_correction(visit: Callable[..., Visit]) -> None:
    v = visit("manager")
    page = v.page()
    page.goto("/corrections")
    row = page.locator("tbody tr", has_text=REVISED_CASE)
    expect(row).to_contain_text("Corrected")
    expect(row).to_contain_text("Breach changed")
    expect(row).to_contain_text("Published figures revised")
    v.shot(page, "corrections")
    page.get_by_label("Team").fill("Nowhere")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#count-corrections")).to_have_text("0")
