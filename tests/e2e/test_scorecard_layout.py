"""The scorecard at 1280 pixels: the target and national figure are in view without
scrolling, the indicator column stays put while the months scroll, and a chart's
key sits under the chart instead of on its line."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from tests.e2e.conftest import Visit

WIDTH = 1280


def test_target_and_national_are_in_view_and_the_indicator_column_stays_put(
    visit: Callable[..., Visit],
) -> None:
    v = visit("manager")
    page = v.page()
    page.goto("/scorecard")
    table = page.locator("table.app-scorecard-table")
    for name in ("Target", "National"):
        box = table.get_by_role("columnheader", name=name, exact=True).bounding_box()
        assert box is not None and box["x"] + box["width"] <= WIDTH, (name, box)
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
