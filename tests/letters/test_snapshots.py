"""Snapshots of every template's HTML, so any change of wording or layout is seen in review.

The renders are compared byte for byte with tests/letters/snapshots/. After an
intended change, regenerate them with

    UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/letters/test_snapshots.py

and review the diff (and bump the letter's `version` in the catalogue).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from letters.catalogue import CATALOGUE
from letters.render import html_to_text, render_html
from letters.samples import sample_context
from tests.wiring import council

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"
COUNCIL = council()
YOUNG_PERSON = {"child_name": "Alex Sample", "young_person_address": "Flat 2\nExampletown"}

VARIANTS: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    (letter_type, letter_type, {}, {}) for letter_type in CATALOGUE
] + [
    ("final_plan_cover.large_print", "final_plan_cover", {"large_print": True}, {}),
    ("decision_to_assess.young_person", "decision_to_assess", YOUNG_PERSON, {}),
    ("review_decision.amend", "review_decision", {}, {"outcome": "amend", "appeal_by": None}),
    (
        "review_decision.cease",
        "review_decision",
        {},
        {"outcome": "cease", "annual_review_due": None},
    ),
    ("transfer_in_notice.will_assess", "transfer_in_notice", {}, {"will_assess": True}),
]


# Every letter inlines the same stylesheet: it is compared once, in its own snapshot,
# and each letter's snapshot holds a marker in its place (so wording changes show up
# in review without 40 copies of the CSS).
STYLE = re.compile(r"<style>\n(.*?)</style>", re.S)
STYLE_MARKER = "<style>(letter.css.snapshot)</style>"


def without_stylesheet(html: str) -> tuple[str, str]:
    found = STYLE.search(html)
    assert found, "a letter must inline its stylesheet (PDF rendering needs it)"
    return html[: found.start()] + STYLE_MARKER + html[found.end() :], found.group(1)


def check(name: str, rendered: str) -> None:
    path = SNAPSHOTS / name
    if UPDATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
        return
    assert path.exists(), f"no snapshot {name}: run with UPDATE_SNAPSHOTS=1 and review it"
    assert rendered == path.read_text(encoding="utf-8"), (
        f"{name} has drifted from its snapshot; if intended, regenerate with UPDATE_SNAPSHOTS=1"
    )


@pytest.mark.parametrize(
    "name, letter_type, people, overrides", VARIANTS, ids=[v[0] for v in VARIANTS]
)
def test_snapshot(
    name: str, letter_type: str, people: dict[str, Any], overrides: dict[str, Any]
) -> None:
    ctx = sample_context(letter_type, council=COUNCIL, people=people, overrides=overrides)
    html = render_html(CATALOGUE[letter_type], ctx)
    body, stylesheet = without_stylesheet(html)
    check(f"{name}.html", body)
    check("letter.css.snapshot", stylesheet)
    check(f"{name}.txt", html_to_text(html))


def test_every_letter_type_has_a_snapshot() -> None:
    names = {p.name.split(".")[0] for p in SNAPSHOTS.glob("*.html")}
    assert set(CATALOGUE) <= names
