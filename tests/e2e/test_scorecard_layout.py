"""The scorecard at 1280 and 1920 pixels and printed on A4 landscape: every month's
column is in view (or on the paper), the target and national figure too; on a narrower
screen the months scroll in a focusable, named region while the indicator column stays
put; a chart's key sits under the chart instead of on its line."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from scheduler.scorecard.compute import compute_scorecard
from scheduler.scorecard.formats import render
from scheduler.scorecard.months import Month
from tests.e2e.conftest import SCREENSHOTS, Visit
from workflow.db import make_engine, new_session
from workflow.law.deadlines import Settings

NARROW = 800
MONTHS = 12  # the page's default: the last 12 complete months
# A4 landscape less the stylesheet's 10 mm margins, in CSS pixels (96 to the inch).
PRINTED_WIDTH = (297 - 2 * 10) / 25.4 * 96


# The elements that stick out past the right edge: what makes a page wider than the screen.
WIDER_THAN = """w => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > w)
  .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + e.getBoundingClientRect().right)"""


def month_headers(page: Page) -> list[tuple[str, float, float]]:
    """Each month column's heading in the scorecard table: its text, left and right."""
    headers = page.locator("table.app-scorecard-table thead th")
    boxes = []
    for i in range(3, headers.count()):  # after Indicator, Target and National
        box = headers.nth(i).bounding_box()
        assert box is not None
        boxes.append((headers.nth(i).inner_text(), box["x"], box["x"] + box["width"]))
    return boxes


@pytest.mark.parametrize("width", [1280, 1920])
def test_every_month_is_in_view_without_scrolling(visit: Callable[..., Visit], width: int) -> None:
    v = visit("manager")
    page = v.page()
    page.set_viewport_size({"width": width, "height": 1000})
    page.goto("/scorecard")
    months = month_headers(page)
    assert len(months) == MONTHS, months
    for text, left, right in months:
        assert 0 <= left and right <= width, (text, left, right, width)
    box = page.locator(".app-table-scroll", has=page.locator("table.app-scorecard-table"))
    assert box.evaluate("b => b.scrollWidth <= b.clientWidth"), "the months still scroll"
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= width, page.evaluate(WIDER_THAN, width)
    v.shot(page, f"scorecard-{width}")


def test_on_a_narrow_screen_the_months_scroll_in_a_focusable_named_region(
    visit: Callable[..., Visit],
) -> None:
    page = visit("manager").page()
    page.set_viewport_size({"width": NARROW, "height": 900})
    page.goto("/scorecard")
    region = page.get_by_role("region", name="Timeliness, month by month")
    expect(region).to_have_attribute("tabindex", "0")
    assert region.evaluate("b => b.scrollWidth > b.clientWidth")
    region.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    # Arrow keys scroll a focused region (smoothly, so wait for it).
    page.wait_for_function("b => b.scrollLeft > 0", arg=region.element_handle(), timeout=3000)
    assert region.evaluate("b => b.scrollLeft") > 0


def test_printed_on_a4_landscape_every_month_is_on_the_paper(
    visit: Callable[..., Visit],
) -> None:
    v = visit("manager")
    page = v.page()
    page.goto("/scorecard")
    page.emulate_media(media="print")
    # The printed page's width: the layout the PDF below is made from.
    page.set_viewport_size({"width": int(PRINTED_WIDTH), "height": 1200})
    months = month_headers(page)
    assert len(months) == MONTHS
    for text, left, right in months:
        assert 0 <= left and right <= PRINTED_WIDTH, (text, left, right)
    expect(page.locator("form[action='/scorecard']")).to_be_hidden()
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    expect(page.locator("header")).to_be_hidden()
    v.shot(page, "scorecard-print")
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"{v.name}-scorecard.pdf").write_bytes(pdf)
    first = PdfReader(io.BytesIO(pdf)).pages[0]
    width_mm, height_mm = (float(x) / 72 * 25.4 for x in first.mediabox.upper_right)
    assert (round(width_mm), round(height_mm)) == (297, 210), "not A4 landscape"
    text = first.extract_text()
    for label, _, _ in months:
        assert label in text, (label, text[:800])


def test_target_and_national_are_in_view_and_the_indicator_column_stays_put(
    visit: Callable[..., Visit],
) -> None:
    v = visit("manager")
    page = v.page()
    # Narrower than the 12 months need (at 1280 and wider nothing scrolls: above).
    page.set_viewport_size({"width": NARROW, "height": 900})
    page.goto("/scorecard")
    table = page.locator("table.app-scorecard-table")
    for name in ("Target", "National"):
        box = table.get_by_role("columnheader", name=name, exact=True).bounding_box()
        assert box is not None and box["x"] + box["width"] <= NARROW, (name, box)
    name_cell = table.locator("tbody th").first
    before = name_cell.bounding_box()
    page.locator(".app-table-scroll", has=table).evaluate("box => { box.scrollLeft = 10000 }")
    after = name_cell.bounding_box()
    assert before is not None and after is not None
    assert page.locator(".app-table-scroll", has=table).evaluate("box => box.scrollLeft") > 0
    assert abs(after["x"] - before["x"]) < 1, (before, after)
    v.shot(page, "scorecard-scrolled")


def test_the_chart_key_is_under_the_chart(visit: Callable[..., Visit]) -> None:
    page = visit("manager").page()
    page.goto("/scorecard")
    section = page.locator("section.app-indicator").first
    expect(section.locator("svg.app-chart text", has_text="dashed line")).to_have_count(0)
    chart = section.locator("svg.app-chart").bounding_box()
    key = section.locator(".app-chart-key")
    expect(key).to_contain_text("(dashed line)")
    key_box = key.bounding_box()
    assert chart is not None and key_box is not None
    assert key_box["y"] >= chart["y"] + chart["height"], (chart, key_box)


@pytest.mark.parametrize("width", [1280, 1920, int(PRINTED_WIDTH)])
def test_the_html_export_shows_every_month_on_screen_and_on_paper(
    chromium: Browser, sqlite_url: str, width: int
) -> None:
    """`ehc kpi --format html` (and the monthly job's HTML): the same rule, on its own."""
    engine = make_engine(sqlite_url)
    try:
        with new_session(engine) as session:
            card = compute_scorecard(
                session, first=Month(2025, 11), last=Month(2026, 10), settings=Settings()
            )
    finally:
        engine.dispose()
    page = chromium.new_page(viewport={"width": width, "height": 900})
    try:
        page.set_content(render(card, "html").decode())
        if width < 1280:
            page.emulate_media(media="print")
        headers = page.locator("table.scorecard thead th")
        months = [headers.nth(i).bounding_box() for i in range(2, 2 + MONTHS)]
        assert all(b is not None and b["x"] + b["width"] <= width for b in months), months
        if width < 1280:
            pdf = page.pdf(prefer_css_page_size=True)
            text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
            assert "Nov-25" in text and "Oct-26" in text, text[:500]
    finally:
        page.close()
