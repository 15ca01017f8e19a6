"""The PDF of a letter depends on its HTML only: not on when it is rendered."""

from __future__ import annotations

import time

import pytest

from letters.render import render_pdf

HTML = (
    "<html lang='en'><body><h1>Decision to assess</h1><p>Monday 19 February 2024</p></body></html>"
)


def test_the_same_html_renders_the_same_pdf_a_minute_later(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = render_pdf(HTML)
    later = time.time() + 60
    monkeypatch.setattr(time, "time", lambda: later)  # fontTools stamps fonts with time.time
    assert render_pdf(HTML) == first
