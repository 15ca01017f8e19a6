"""A letter is dated the day it is made; the dates it gives the family that the law counts
from the notice (the appeal-by date, HESC r.20(1)(c); the representations date, reg 13(1)(a)
and 22(2)(c)) count from the letter's date when that is later, never earlier than the
clock's own date."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from letters.facts import count_from_letter_date

D = date.fromisoformat
CASES: list[tuple[str, str, dict[str, Any], str, dict[str, Any], str | None]] = [
    # (why, letter type, facts, letter date, the facts it gives, counted from before)
    (
        "made the day of the decision: the clock's date",
        "decision_not_to_assess",
        {"decision_date": "2026-03-03", "appeal_by": "2026-05-05"},
        "2026-03-03",
        {"appeal_by": "2026-05-05"},
        None,
    ),
    (
        "made 9 days later: 2 months from the letter",
        "decision_not_to_assess",
        {"decision_date": "2026-03-03", "appeal_by": "2026-05-05"},
        "2026-03-12",
        {"appeal_by": "2026-05-12"},
        "2026-03-03",
    ),
    (
        "2 months from the letter falls in August: 1 September (r.12)",
        "decision_not_to_issue",
        {"decision_date": "2026-06-01", "appeal_by": "2026-08-03"},
        "2026-06-15",
        {"appeal_by": "2026-09-01"},
        "2026-06-01",
    ),
    (
        "the clock's date is later (a certificate): it stands",
        "final_plan_cover",
        {"issued_on": "2026-03-03", "appeal_by": "2026-09-30"},
        "2026-03-12",
        {"appeal_by": "2026-09-30"},
        "2026-03-03",
    ),
    (
        "a draft plan served on the event's day: 15 days beginning with the letter's",
        "draft_plan_cover",
        {
            "issued_on": "2026-03-03",
            "served_on": "2026-03-03",
            "representations_close": "2026-03-17",
        },
        "2026-03-10",
        {"representations_close": "2026-03-24"},
        "2026-03-03",
    ),
    (
        "proposed amendments served after the letter: the served date stands",
        "proposed_amendments",
        {
            "notice_date": "2026-03-03",
            "served_on": "2026-03-16",
            "representations_close": "2026-03-30",
        },
        "2026-03-10",
        {"representations_close": "2026-03-30"},
        None,
    ),
    (
        "a refusal to re-assess made 9 days later: 2 months from the letter (s.51(2)(d))",
        "decision_not_to_reassess",
        {"decision_date": "2026-03-03", "appeal_by": "2026-05-05"},
        "2026-03-12",
        {"appeal_by": "2026-05-12"},
        "2026-03-03",
    ),
    (
        "a cease notice made 5 days later: 2 months from the letter, Sat 16 May -> Mon 18",
        "cease_notice",
        {"decision_date": "2026-03-11", "appeal_by": "2026-05-11"},
        "2026-03-16",
        {"appeal_by": "2026-05-18"},
        "2026-03-11",
    ),
    (
        "a plan ceased: its appeal runs from the earlier decision notice, unchanged",
        "plan_ceased",
        {"ceased_on": "2026-03-03", "appeal_by": "2026-04-20"},
        "2026-03-20",
        {"appeal_by": "2026-04-20"},
        None,
    ),
    (
        "a review that amends gives no appeal date: nothing to count",
        "review_decision",
        {"decision_date": "2026-03-03", "appeal_by": None},
        "2026-03-20",
        {"appeal_by": None},
        None,
    ),
]


@pytest.mark.parametrize(
    ("why", "letter_type", "facts", "dated", "gives", "counted_from"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_family_dates_count_from_the_letters_date(
    why: str,
    letter_type: str,
    facts: dict[str, Any],
    dated: str,
    gives: dict[str, Any],
    counted_from: str | None,
) -> None:
    counted = count_from_letter_date(letter_type, facts, D(dated))
    assert {k: counted.facts[k] for k in gives} == gives
    assert counted.counted_from == (D(counted_from) if counted_from else None)
    for name, value in facts.items():  # never earlier than the clock's date
        if name in ("appeal_by", "representations_close") and value:
            assert counted.facts[name] >= value
