"""Rendering: HTML (A4 print stylesheet), PDF (WeasyPrint) and plain text (email body).

Templates are Jinja2 with `StrictUndefined` and autoescaping: a template that
asks for anything its typed context lacks fails loudly rather than printing a
blank. The HTML is self-contained (its stylesheet inlined), so the same context
always renders byte-for-byte the same HTML.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from datetime import date
from functools import lru_cache
from html.parser import HTMLParser

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from letters.catalogue import LetterSpec
from letters.contexts import LetterContext
from workflow.law.calendar import govuk_date

ADVICE_NAMES = {
    "parent": "the views of the parent or young person",
    "educational": "educational advice",
    "health": "medical advice",
    "psychological": "psychological advice",
    "social_care": "social care advice",
    "adulthood": "advice on preparing for adulthood",
    "other": "advice",
}
SOURCES = {
    "parent": "a parent or carer",
    "young_person": "the young person",
    "school": "the school, college or nursery",
    "health": "a health professional",
    "social_care": "social care",
    "other": "someone else",
}
CEASE_REASONS = {
    "max_age": "the young person has reached the age of 25",
    "needs_met": "the special educational provision in the plan is no longer needed",
    "higher_education": "the young person has started higher education",
    "employment": "the young person has started paid employment",
    "moved_la": "the plan has moved to another council",
    "disengaged": "the young person has left education or training",
    "left_england": "the child or young person has left England",
    "deceased": "the child or young person has died",
    "other": "of the reasons we have given you",
}


def weekday_date(value: date) -> str:
    """Monday 22 July 2024: for dates the reader has to act by."""
    return f"{value:%A} {govuk_date(value)}"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("letters", "templates"),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["govuk_date"] = govuk_date
    env.filters["weekday_date"] = weekday_date
    env.globals.update(advice_names=ADVICE_NAMES, sources=SOURCES, cease_reasons=CEASE_REASONS)
    return env


def render_html(spec: LetterSpec, context: LetterContext) -> str:
    if not isinstance(context, spec.context):
        raise TypeError(f"{spec.type} needs a {spec.context.__name__}")
    css = environment().get_template("letter.css").render()
    return environment().get_template(spec.template).render(letter=context, spec=spec, css=css)


_render_ids = threading.local()


def _stable_id(obj: object) -> int:
    """The number of `obj` in this rendering (1, 2, ...), in the order first asked for."""
    seen: dict[int, int] = _render_ids.seen
    return seen.setdefault(id(obj), len(seen) + 1)


def _stable_tag_ids() -> None:
    """WeasyPrint's PDF/UA tagging names a table header cell by the Python id() of its box
    (`weasyprint.pdf.tags`), which differs from run to run: the same HTML gave a different
    PDF each time. Its module's `id` is pointed at a per-rendering counter instead (a
    module global shadows the builtin), so the same HTML gives the same PDF again."""
    from weasyprint.pdf import tags

    tags.id = _stable_id
    _render_ids.seen = {}


def render_pdf(html: str) -> bytes:
    # Imported here: WeasyPrint loads native libraries and is slow to import.
    from weasyprint import HTML

    _stable_tag_ids()

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    # fontTools stamps each embedded font subset with the time it was made, unless
    # SOURCE_DATE_EPOCH (the reproducible-builds convention) fixes it: without this the
    # same stored HTML gave a different PDF in each second.
    os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
    # Tagged (PDF/UA-1): a structure tree, the document's language (the HTML's `lang`)
    # and its title (the HTML's <title>), so a screen reader can read the letter.
    pdf = HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
    assert pdf is not None
    return bytes(pdf)


def sha256(data: str | bytes) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


# -- plain text for email ------------------------------------------------------------


class _Text(HTMLParser):
    """HTML to plain text: headings underlined, list items dashed, links spelled out."""

    BLOCKS = {"p", "h1", "h2", "h3", "ul", "div", "address", "tr", "dt", "section"}
    VOID = {"br", "img", "meta", "link", "hr", "input", "col"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.heading: str | None = None
        self.href: str | None = None
        self.link_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if self.skip:
            self.skip += tag not in self.VOID
            return
        if tag in ("style", "head", "script") or "no-text" in (attr.get("class") or ""):
            self.skip = 1
            return
        if tag == "br":
            self.out.append("\n")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in self.BLOCKS:
            self.out.append("\n\n")
            if tag in ("h1", "h2", "h3"):
                self.heading = tag
                self.out.append("\x00")
        elif tag == "td":
            self.out.append(": ")
        elif tag == "a":
            self.href = attr.get("href")
            self.link_text = ""

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            self.skip -= 1
            return
        if tag == "a" and self.href:
            target = self.href.removeprefix("mailto:").removeprefix("tel:")
            if target not in self.link_text:
                self.out.append(f" ({target})")
            self.href = None
        if tag in ("h1", "h2", "h3") and self.heading:
            start = len(self.out) - 1 - self.out[::-1].index("\x00")
            title = "".join(self.out[start + 1 :]).strip()
            rule = "=" if tag == "h1" else "-"
            self.out[start:] = [title, "\n", rule * len(title)]
            self.heading = None

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        text = re.sub(r"\s+", " ", data)
        if self.href is not None:
            self.link_text += text
        self.out.append(text)


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = "".join(parser.out)
    lines = [line.strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
