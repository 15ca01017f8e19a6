"""A manager filters the breach queue and downloads it as CSV; the scorecard draws its
charts for a manager and for a viewer (who sees no casework)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from scheduler.breaches import FIELDS
from tests.e2e.conftest import Visit

# The cohort (seed 7) has North cases whose annual review is overdue.
TEAM = "North"
KIND = "annual_review"


def _rows_on_page(page: Page) -> list[list[str]]:
    rows = page.locator("table.app-breach-table tbody tr")
    return [r.locator("td").all_inner_texts() for r in rows.all()]


def test_manager_filters_the_breach_queue_and_downloads_it(
    visit: Callable[..., Visit],
) -> None:
    v = visit("manager")
    page = v.page()
    page.goto("/")
    menu = page.get_by_role("navigation", name="Menu")
    menu.get_by_role("link", name="Breach queue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Breach queue")
    everyone = len(_rows_on_page(page))
    assert everyone > 0
    v.shot(page, "queue")

    page.get_by_label("Team").fill(TEAM)
    page.get_by_label("Deadline").select_option(KIND)
    page.get_by_label("Overdue only").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(f"team={TEAM}.*kind={KIND}"))
    # The filters stay filled in on the filtered page.
    expect(page.get_by_label("Team")).to_have_value(TEAM)
    expect(page.get_by_label("Deadline")).to_have_value(KIND)
    v.shot(page, "queue-filtered")

    rows = _rows_on_page(page)
    assert 0 < len(rows) < everyone
    for case, kind, _due, status, days_late, team, _officer in rows:
        assert kind.startswith("Annual review"), kind
        assert team == TEAM
        assert status in ("Breach", "Overdue"), status
        assert int(days_late) > 0, (case, days_late)
    caption = page.locator("table.app-breach-table caption")
    expect(caption).to_have_text(f"Deadlines 1 to {len(rows)} of {len(rows)}")

    link = page.get_by_role("link", name=re.compile("as CSV"))
    rows_word = "row" if len(rows) == 1 else "rows"
    expect(link).to_have_text(f"Download these {len(rows)} {rows_word} as CSV")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert re.fullmatch(r"breach-queue-2026-11-20\.csv", download.suggested_filename)
    text = download.path().read_text(encoding="utf-8")
    table = list(csv.reader(io.StringIO(text)))
    assert tuple(table[0]) == FIELDS
    records = [dict(zip(FIELDS, line, strict=True)) for line in table[1:]]
    assert len(records) == len(rows)
    assert {r["team"] for r in records} == {TEAM}
    assert {r["kind"] for r in records} == {KIND}
    assert [r["case"] for r in records] == [row[0] for row in rows]


def test_manager_sorts_the_queue_by_a_column(visit: Callable[..., Visit]) -> None:
    v = visit("manager")
    page = v.page()
    page.goto("/breaches?show=overdue")
    page.get_by_role("link", name=re.compile("^Case")).click()
    header = page.locator("th[aria-sort=ascending]")
    expect(header).to_contain_text("Case")
    cases = [r[0] for r in _rows_on_page(page)]
    assert cases == sorted(cases)
    v.shot(page, "queue-by-case")


def _check_charts(page: Page) -> int:
    charts = page.locator("svg.app-chart")
    count = charts.count()
    assert count > 0, "the scorecard drew no chart"
    for i in range(count):
        chart = charts.nth(i)
        assert chart.get_attribute("role") == "img"
        labelled_by = (chart.get_attribute("aria-labelledby") or "").split()
        assert labelled_by, "a chart needs an accessible name"
        title = chart.locator("title").first.text_content() or ""
        assert title.strip(), "a chart needs a title"
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 50, box
        # Something is drawn: grid lines at least, and a line or points for the figures.
        assert chart.locator("line").count() > 0
    # At least one indicator had figures in the period, drawn as points on a line.
    assert page.locator("svg.app-chart circle").count() > 0
    return count


def test_manager_sees_the_scorecard_charts_and_downloads_the_spreadsheet(
    visit: Callable[..., Visit],
) -> None:
    v = visit("manager")
    page = v.page()
    page.goto("/")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Scorecard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("SEND timeliness scorecard")
    charts = _check_charts(page)
    # One chart per indicator in the table of indicators.
    assert charts == page.locator("table.app-scorecard-table tbody tr").count()
    v.shot(page, "scorecard")

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("spreadsheet")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    assert download.path().read_bytes()[:2] == b"PK"  # a zip, as XLSX is


def test_viewer_sees_the_scorecard_for_one_team_and_no_casework(
    visit: Callable[..., Visit],
) -> None:
    v = visit("viewer")
    page = v.page()
    page.goto("/scorecard")
    nav = page.get_by_role("navigation", name="Menu")
    expect(nav.get_by_role("link")).to_have_text(["Scorecard"])
    page.get_by_label("Team").fill(TEAM)
    page.get_by_role("button", name="Show scorecard").click()
    expect(page).to_have_url(re.compile(f"team={TEAM}"))
    _check_charts(page)
    v.shot(page, "scorecard-team")
    # Nothing links to a case from the scorecard, and the casework pages are refused.
    assert page.locator("a[href^='/cases/']").count() == 0
    for path in ("/breaches", "/cases/new"):
        response = page.goto(path)
        assert response is not None and response.status == 403, path
    page.goto("/")  # the viewer's home is the scorecard
    expect(page).to_have_url(re.compile("/scorecard$"))
