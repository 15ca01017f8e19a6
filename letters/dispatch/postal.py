"""The PDF of a letter sent by post through GOV.UK Notify, and its check before sending.

Notify prints a "precompiled" letter as it is, so the PDF must follow its letter
specification (the rules its `notifications-template-preview` checks on upload):

- every page A4 portrait (210 x 297 mm);
- nothing printed within 15 mm of the left and right edges or 5 mm of the top and bottom;
- on the first page, between 30 mm and 95 mm from the top, only the recipient's address,
  inside the envelope window (24.6-120 mm from the left, 39.5-66.3 mm from the top), and
  the sender's details, in the column 125-195 mm from the left; the letter's body starts
  95 mm from the top;
- an address of 3 to 7 lines, the last a UK postcode; at most 10 pages, under 2 MB.

The letter's stored HTML is its record and stays as it is: the postal PDF is that HTML
with one more stylesheet (`POSTAL_CSS`) that moves the council's details into the right
column and the address into the window, and leaves the body's first page from 95 mm.
`postal_pdf` lays it out with WeasyPrint, measures every line of text on the laid-out
pages against the rules above, and only then writes the PDF; a letter that breaks a rule
raises `NotPrintable` saying which, and is not sent. Text only: the letters' rules and
borders (letter.css) sit inside the body's blocks, so they keep to the body's area too;
Notify's own check, pixel by pixel, is the last word.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

A4 = (210.0, 297.0)  # mm, portrait
PAGE_TOLERANCE_MM = 2.0  # Notify's own tolerance on the page size
MARGIN_SIDE_MM = 15.0
MARGIN_TOP_BOTTOM_MM = 5.0
BODY_TOP_MM = 95.0
LOGO_BOTTOM_MM = 30.0
ADDRESS_WINDOW = (24.6, 39.5, 120.0, 66.3)  # left, top, right, bottom in mm
SENDER_COLUMN = (125.0, MARGIN_TOP_BOTTOM_MM, A4[0] - MARGIN_SIDE_MM, BODY_TOP_MM)
MAX_PAGES = 10
MAX_BYTES = 2 * 1024 * 1024
ADDRESS_LINES = (3, 7)  # with the name
# A UK postcode, as Notify reads the last line of an address (spaces optional).
POSTCODE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})$", re.IGNORECASE)
MM_PER_PX = 25.4 / 96  # WeasyPrint lays out in CSS pixels
SLACK_MM = 0.5  # glyphs' side bearings: Notify allows 1 mm

# Added to the letter's own stylesheet for post only, as a user stylesheet (WeasyPrint's
# `stylesheets`), so each rule is `!important` to win over the letter's own. The page
# area starts 20 mm from the left (letter.css), so `left` is 20 mm less than the
# distance from the paper's edge; `top` is measured up from the first page's body,
# which starts at BODY_TOP_MM.
POSTAL_CSS = """
@page :first { margin-top: 95mm !important; }
.letterhead {
  position: absolute !important; float: none !important; left: 105mm !important;
  top: -90mm !important; width: 70mm !important; height: 88mm !important;
  overflow: hidden !important; font-size: 9pt !important; line-height: 1.3 !important;
}
.recipient {
  position: absolute !important; left: 4.6mm !important; top: -55.5mm !important;
  width: 95mm !important; height: 26.8mm !important; margin: 0 !important;
  min-height: 0 !important; overflow: hidden !important; font-size: 8.5pt !important;
  line-height: 3.7mm !important;
}
"""


class NotPrintable(ValueError):
    """The letter cannot go as a precompiled letter: the message says which rule it breaks
    (never the address itself)."""


@dataclass(frozen=True)
class Box:
    """One laid-out line of text on a page, in mm from the paper's top-left corner."""

    page: int  # 1-based
    left: float
    top: float
    right: float
    bottom: float
    in_recipient: bool
    in_letterhead: bool


def check_address(to: Mapping[str, Any]) -> None:
    """The address Notify reads from the window: 3 to 7 lines with the name, the last a UK
    postcode. `to` is the letter's stored addressee (its context's `to`)."""
    lines = [str(to.get("name") or "").strip()]
    lines += [x.strip() for x in str(to.get("address") or "").splitlines() if x.strip()]
    low, high = ADDRESS_LINES
    if len(lines) < low or len(lines) > high:
        raise NotPrintable(
            f"the address has {len(lines)} lines with the name: Notify needs {low} to {high}"
        )
    if not POSTCODE.match(lines[-1].strip()):
        raise NotPrintable("the last line of the address is not a UK postcode")


def _text_boxes(document: Any) -> Iterator[Box]:
    """Every line of text the layout put on each page, with the block it belongs to."""
    from weasyprint.formatting_structure import boxes

    def walk(box: Any, page: int, recipient: bool, letterhead: bool) -> Iterator[Box]:
        classes = (
            set((box.element.get("class") or "").split()) if box.element is not None else set()
        )
        recipient = recipient or "recipient" in classes
        letterhead = letterhead or "letterhead" in classes
        if isinstance(box, boxes.TextBox) and box.text.strip():
            left = box.position_x * MM_PER_PX
            top = box.position_y * MM_PER_PX
            yield Box(
                page,
                left,
                top,
                left + box.width * MM_PER_PX,
                top + box.height * MM_PER_PX,
                recipient,
                letterhead,
            )
        for child in getattr(box, "children", ()):
            yield from walk(child, page, recipient, letterhead)

    for number, page in enumerate(document.pages, start=1):
        yield from walk(page._page_box, number, False, False)


def _inside(box: Box, area: tuple[float, float, float, float]) -> bool:
    left, top, right, bottom = area
    return (
        box.left >= left - SLACK_MM
        and box.top >= top - SLACK_MM
        and box.right <= right + SLACK_MM
        and box.bottom <= bottom + SLACK_MM
    )


def check_layout(document: Any) -> None:
    """Measure a laid-out letter (a WeasyPrint `Document`) against Notify's rules."""
    pages = document.pages
    if len(pages) > MAX_PAGES:
        raise NotPrintable(f"it has {len(pages)} pages: Notify prints at most {MAX_PAGES}")
    for number, page in enumerate(pages, start=1):
        width, height = page.width * MM_PER_PX, page.height * MM_PER_PX
        if abs(width - A4[0]) > PAGE_TOLERANCE_MM or abs(height - A4[1]) > PAGE_TOLERANCE_MM:
            raise NotPrintable(
                f"page {number} is {width:.0f} x {height:.0f} mm, not A4 portrait (210 x 297 mm)"
            )
    printable = (
        MARGIN_SIDE_MM,
        MARGIN_TOP_BOTTOM_MM,
        A4[0] - MARGIN_SIDE_MM,
        A4[1] - MARGIN_TOP_BOTTOM_MM,
    )
    logo = (MARGIN_SIDE_MM, MARGIN_TOP_BOTTOM_MM, SENDER_COLUMN[0], LOGO_BOTTOM_MM)
    body = (MARGIN_SIDE_MM, BODY_TOP_MM, A4[0] - MARGIN_SIDE_MM, A4[1] - MARGIN_TOP_BOTTOM_MM)
    address_lines = 0
    for box in _text_boxes(document):
        if not _inside(box, printable):
            raise NotPrintable(f"page {box.page} has text in the margin Notify keeps clear")
        if box.page > 1:
            continue
        if box.in_recipient:
            if not _inside(box, ADDRESS_WINDOW):
                raise NotPrintable("the address is not inside the envelope window")
            address_lines += 1
        elif not any(_inside(box, area) for area in (SENDER_COLUMN, logo, body)):
            raise NotPrintable(
                "page 1 has text outside the address window, the sender's column and the body"
            )
    if address_lines == 0:
        raise NotPrintable("the address window is empty")


def postal_pdf(html: str, to: Mapping[str, Any]) -> bytes:
    """The letter's PDF laid out for Notify's printers, checked; `NotPrintable` if not."""
    # Imported here: WeasyPrint loads native libraries and is slow to import.
    from weasyprint import CSS, HTML

    from letters.render import _stable_tag_ids

    check_address(to)
    _stable_tag_ids()  # as letters.render: the same HTML gives the same PDF, in any thread
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    os.environ.setdefault("SOURCE_DATE_EPOCH", "0")  # as letters.render: no time stamps
    document = HTML(string=html).render(stylesheets=[CSS(string=POSTAL_CSS)])
    check_layout(document)
    pdf = document.write_pdf(pdf_variant="pdf/ua-1")
    assert pdf is not None
    if len(pdf) > MAX_BYTES:
        raise NotPrintable(f"its PDF is {len(pdf) // 1024} KB: Notify takes at most 2 MB")
    return bytes(pdf)
