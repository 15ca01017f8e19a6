"""Over the demo cohort, which holds every duty of spec v3, every letter's statutory dates
agree with `ehc deadlines` for its case: the letter quotes the clock (or, where the
family's time counts from the notice, the letter's own later date), never a sum of its own.

The cases and their events come out through `ehc export events` and go back in through
`ehc deadlines --events`: the same path a council's auditor would take.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from cli.app import app
from letters.catalogue import CATALOGUE
from letters.facts import APPEAL_NOTICES, SERVED_NOTICES
from letters.models import Letter
from workflow.law import timescales as ts
from workflow.law.deadlines import default_working_days
from workflow.models import Case, StoredEvent

COHORT = 300
CASE_KEYS = {"team", "officer", "date_of_birth", "people"}  # an export's case details
# The letters made by events (the sweep's reminders and a correction are not in the demo).
NOT_MADE_BY_EVENTS = {"advice_reminder", "advice_overdue", "correction"}
# A letter's deadline facts and the kinds of deadline in `ehc deadlines` they quote.
DUE_FACTS = {
    "decision_due": {"decision_to_assess"},
    "decision_not_to_issue_due": {"decision_not_to_issue"},
    "advice_due": {"advice"},
    "final_plan_due": {"final_plan"},
    "annual_review_due": {"annual_review"},
    "review_due": {"annual_review"},
    "amended_plan_due": {"amended_plan", "reassessment_final"},
    "reassessment_final_due": {"reassessment_final"},
    "papers_by": {"review_papers"},
}


@pytest.fixture
def loaded(db_url: str, session: Session, monkeypatch: pytest.MonkeyPatch) -> Session:
    monkeypatch.setenv("EHC_DATABASE_URL", db_url)
    result = CliRunner().invoke(app, ["demo", "load", "--cases", str(COHORT)])
    assert result.exit_code == 0, result.output
    return session


def _clock_outputs(tmp_path: Path, as_of: date) -> dict[str, dict[str, Any]]:
    """`ehc deadlines --json` for every case, from `ehc export events`."""
    exported = tmp_path / "events.jsonl"
    runner = CliRunner()
    result = runner.invoke(app, ["export", "events", "--output", str(exported)])
    assert result.exit_code == 0, result.output
    events: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in exported.read_text().splitlines():
        raw = json.loads(line)
        ref = raw.pop("case")
        events[ref].append({k: v for k, v in raw.items() if k not in CASE_KEYS})
    out = {}
    for ref, history in events.items():
        case_file = tmp_path / "case.json"
        case_file.write_text(json.dumps({"case": ref, "events": history}))
        args = ["deadlines", "--events", str(case_file), "--json", "--as-of", as_of.isoformat()]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (ref, result.output)
        out[ref] = json.loads(result.output)
    return out


def _day(value: Any) -> date:
    return date.fromisoformat(str(value))


def test_every_letters_dates_agree_with_ehc_deadlines(loaded: Session, tmp_path: Path) -> None:
    rows = loaded.exec(
        select(Letter, Case.reference, StoredEvent.date)
        .join(Case, Case.id == Letter.case_id)  # type: ignore[arg-type]
        .join(StoredEvent, StoredEvent.id == Letter.event_id)  # type: ignore[arg-type]
    ).all()
    rows = [(letter.model_copy(), ref, on) for letter, ref, on in rows]
    loaded.rollback()  # `ehc export events` audits the export: no read transaction open
    made = {letter.type for letter, _ref, _day in rows}
    # Every letter an event makes is in the demo, the v3 ones included.
    assert made == set(CATALOGUE) - NOT_MADE_BY_EVENTS
    as_of = max(letter.letter_date or on for letter, _ref, on in rows)
    clock = _clock_outputs(tmp_path, as_of)
    working_days = default_working_days()
    checked = 0
    for letter, ref, _event_date in rows:
        # A made letter's context holds its facts at the top; a waiting one under "facts".
        facts, out = letter.context.get("facts", letter.context), clock[ref]
        dues = defaultdict(set)
        for d in out["deadlines"]:
            dues[d["kind"]].add(d["due"])
        for fact, kinds in DUE_FACTS.items():
            if facts.get(fact) is None or letter.type == "acknowledgement_of_request":
                continue  # the acknowledgement's 20 weeks is a forecast, before any decision
            assert facts[fact] in set().union(*(dues[k] for k in kinds)), (ref, letter.type, fact)
            checked += 1
        # A letter waiting for details is not dated yet: its dates are the clock's until
        # it is made, and then count from its date if that is later.
        letter_date = letter.letter_date or date.min
        if letter.type in APPEAL_NOTICES and facts.get("appeal_by"):
            opens = facts[APPEAL_NOTICES[letter.type]]
            closes = [
                w["closes"] for w in out["windows"] if w["kind"] == "appeal" and w["opens"] == opens
            ]
            assert len(closes) == 1, (ref, letter.type)
            # Counted from the letter's date when it is dated later (never less time).
            expected = max(_day(closes[0]), ts.appeal_closes(letter_date, None, working_days))
            assert _day(facts["appeal_by"]) == expected, (ref, letter.type)
            checked += 1
        if letter.type in SERVED_NOTICES:
            served = facts[SERVED_NOTICES[letter.type]]
            kinds = {"representations", "amendment_representations"}
            closes = [
                w["closes"] for w in out["windows"] if w["kind"] in kinds and w["opens"] == served
            ]
            assert len(closes) == 1, (ref, letter.type)
            expected = max(_day(closes[0]), ts.representations_close(letter_date))
            assert _day(facts["representations_close"]) == expected, (ref, letter.type)
            checked += 1
        if letter.type == "plan_ceased" and facts.get("appeal_by"):
            warned = [w for w in out["warnings"] if w["kind"] == "ceased_during_appeal_period"]
            assert facts["appeal_by"] in {w["closes"] for w in warned}, ref
            checked += 1
    assert checked > 1000
