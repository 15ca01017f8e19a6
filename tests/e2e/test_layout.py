"""Layout in the browser: the stylesheet compiled whole, the account bar spaced from the
header, and no page wider than a 320 pixel screen (WCAG 1.4.10 reflow): wide tables
scroll inside their own box instead."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.e2e.conftest import OPEN_CASE, ROOT, Visit


def test_the_stylesheet_has_no_uncompiled_sass() -> None:
    css = (ROOT / "web" / "static" / "app.css").read_text(encoding="utf-8")
    left = sorted(set(re.findall(r"govuk-[a-z-]+\([^)]*\)", css)))
    assert not left, f"Sass calls left as text in app.css (browsers ignore them): {left}"


def test_the_account_bar_stands_clear_of_the_header(visit: Callable[..., Visit]) -> None:
    page = visit("officer").page()
    page.goto("/")
    header = page.locator("header").bounding_box()
    button = page.get_by_role("button", name="Sign out").bounding_box()
    assert header is not None and button is not None
    assert button["y"] - (header["y"] + header["height"]) >= 10, (header, button)


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("officer", "/"),
        ("officer", f"/cases/{OPEN_CASE}"),
        ("officer", "/cases/new"),
        ("manager", "/breaches"),
        ("manager", "/scorecard"),
        ("manager", "/corrections"),
        ("admin", "/users"),
    ],
)
def test_pages_fit_a_narrow_screen(visit: Callable[..., Visit], role: str, path: str) -> None:
    v = visit(role)
    page = v.page()
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(path)
    v.shot(page, "narrow")
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= 320, f"{path} is {wide} pixels wide on a 320 pixel screen"
