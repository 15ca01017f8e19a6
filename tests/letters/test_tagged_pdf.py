"""Letters as tagged PDFs (PDF/UA-1): a structure tree, marked content, a language and a
title, so a screen reader can read them."""

from __future__ import annotations

import io

from pypdf import PdfReader

from letters.catalogue import CATALOGUE
from letters.render import render_html, render_pdf
from letters.samples import REASONS, sample_context
from tests.letters.test_catalogue import COUNCIL


def test_a_letter_pdf_is_tagged_with_its_language_and_title() -> None:
    spec = CATALOGUE["decision_not_to_assess"]
    context = sample_context(spec.type, council=COUNCIL, overrides={"reasons": REASONS})
    pdf = render_pdf(render_html(spec, context))
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en-GB"
    info = PdfReader(io.BytesIO(pdf)).metadata
    assert info is not None and info.title == spec.title
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])


def test_the_same_letter_with_tables_gives_the_same_tagged_pdf() -> None:
    """WeasyPrint names a tagged table header by its box's id(): without the stable
    numbering (`letters.render`) each rendering differed."""
    spec = CATALOGUE["advice_overdue"]
    html = render_html(spec, sample_context(spec.type, council=COUNCIL))
    assert "<th" in html
    assert render_pdf(html) == render_pdf(html) == render_pdf(html)
