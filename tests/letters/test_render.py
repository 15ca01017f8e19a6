"""Rendering: the PDF of a letter depends on its HTML only, not on when it is rendered;
the date filters write days as GOV.UK does, with the calendar's `govuk_date`."""

from __future__ import annotations

import time
from datetime import date

import pytest

from letters.render import environment, render_pdf

HTML = (
    "<html lang='en'><body><h1>Decision to assess</h1><p>Monday 19 February 2024</p></body></html>"
)


def test_the_same_html_renders_the_same_pdf_a_minute_later(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = render_pdf(HTML)
    later = time.time() + 60
    monkeypatch.setattr(time, "time", lambda: later)  # fontTools stamps fonts with time.time
    assert render_pdf(HTML) == first


@pytest.mark.parametrize(
    "day, written, with_weekday",
    [
        ("2026-01-05", "5 January 2026", "Monday 5 January 2026"),  # no leading zero
        ("2024-02-29", "29 February 2024", "Thursday 29 February 2024"),  # leap day
        ("2023-12-31", "31 December 2023", "Sunday 31 December 2023"),
    ],
)
def test_letters_write_days_the_govuk_way(day: str, written: str, with_weekday: str) -> None:
    template = environment().from_string("{{ d | govuk_date }}/{{ d | weekday_date }}")
    assert template.render(d=date.fromisoformat(day)) == f"{written}/{with_weekday}"


def test_no_day_is_written_as_nothing() -> None:
    assert environment().from_string("[{{ d | govuk_date }}]").render(d=None) == "[]"
