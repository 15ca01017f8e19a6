"""The postal PDF meets GOV.UK Notify's precompiled letter rules, and the check finds a
letter that does not (letters.dispatch.postal)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from letters.catalogue import CATALOGUE
from letters.dispatch import postal
from letters.render import render_html
from letters.samples import sample_context
from tests.notify_server import check_precompiled
from tests.wiring import council

SEVEN_LINES = "Flat 1\nLong House\n12 Example Road\nSmall Village\nExampletown\nEX1 2AB"


def sample(letter_type: str, **people: Any) -> tuple[str, dict[str, Any]]:
    context = sample_context(letter_type, council=council(), people=people)
    return render_html(CATALOGUE[letter_type], context), context.to.model_dump()


def page_sizes_mm(pdf: bytes) -> set[tuple[int, int]]:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return {
        (round(float(p.mediabox.width) * 25.4 / 72), round(float(p.mediabox.height) * 25.4 / 72))
        for p in pages
    }


@pytest.mark.parametrize(
    "letter_type, people",
    [
        ("decision_not_to_assess", {}),  # reasons, appeal rights
        ("final_plan_cover", {"large_print": True}),  # 18 pt body, several pages
        ("acknowledgement_of_request", {"parent_address": SEVEN_LINES}),  # the longest address
    ],
)
def test_a_family_letter_laid_out_for_post_meets_notifys_rules(
    letter_type: str, people: dict[str, Any]
) -> None:
    html, to = sample(letter_type, **people)
    pdf = postal.postal_pdf(html, to)
    assert page_sizes_mm(pdf) == {(210, 297)}
    # Read back with pypdf as Notify's server stand-in does: the envelope window holds
    # the name and the address, line by line, and nothing else.
    address, problem = check_precompiled(pdf)
    assert problem is None
    assert address == [to["name"], *to["address"].splitlines()]


def test_the_letters_own_layout_would_be_refused_so_the_check_can_fail() -> None:
    from weasyprint import HTML

    html, _to = sample("decision_not_to_assess")
    document = HTML(string=html).render()  # without the postal stylesheet
    with pytest.raises(postal.NotPrintable):
        postal.check_layout(document)


def test_text_in_a_margin_is_refused() -> None:
    from weasyprint import CSS, HTML

    html, _to = sample("decision_not_to_assess")
    document = HTML(string=html).render(
        stylesheets=[CSS(string=postal.POSTAL_CSS + "@page { margin-bottom: 1mm !important; }")]
    )
    with pytest.raises(postal.NotPrintable, match="has text in the margin"):
        postal.check_layout(document)


@pytest.mark.parametrize(
    "address, problem",
    [
        ("Exampletown", "the address has 2 lines with the name: Notify needs 3 to 7"),
        (
            "\n".join(f"Line {n}" for n in range(1, 8)) + "\nEX1 2AB",
            "the address has 9 lines with the name: Notify needs 3 to 7",
        ),
        ("12 Example Road\nExampletown", "the last line of the address is not a UK postcode"),
    ],
)
def test_an_address_notify_cannot_read_is_refused_before_layout(address: str, problem: str) -> None:
    with pytest.raises(postal.NotPrintable) as refused:
        postal.check_address({"name": "Jo Sample", "address": address})
    assert str(refused.value) == problem
