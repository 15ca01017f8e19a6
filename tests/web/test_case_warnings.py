"""Spec v3 section 5a warnings wherever a case is shown: a plan ceased while the family
could still appeal the decision to cease it (CFA s.45) is flagged on the case page in
plain English, and `GET /api/cases/{ref}` and `ehc case show --json` carry the structured
warning (`law_warnings`) exactly as `ehc deadlines --json` prints its `warnings`, beside
the sentences (`warnings`). SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from cli.app import app as cli
from tests.web.conftest import OFFICER_NAME, TEAM, Browser, Client, People
from tests.wiring import projections
from workflow.service import record_event

Make = Callable[[str | None], Browser]

REF = "CEASE01"
# Today is 20 November 2026 (the tests' clock).
EVENTS: list[dict[str, Any]] = [
    {"type": "plan_transferred_in", "date": "2026-03-02", "last_reviewed": "2025-12-01"},
    {"type": "cease_proposed", "date": "2026-08-03"},
    # Mon 7 Sep 2026 + 2 months: Sat 7 Nov, rolled once to Mon 9 Nov (HESC r.12).
    {"type": "cease_notice_sent", "date": "2026-09-07"},
    {"type": "plan_ceased", "date": "2026-10-01", "reason": "needs_met"},
]
WARNING = {
    "kind": "ceased_during_appeal_period",
    "date": "2026-10-01",
    "notice": "2026-09-07",
    "closes": "2026-11-09",
}
SENTENCE = (
    "The plan was ceased on 1 October 2026, while the family could still appeal the "
    "decision to cease it sent on 7 September 2026 (until 9 November 2026)."
)


@pytest.fixture
def ceased_case(session: Session, clock: Callable[[], datetime], people: People) -> str:
    for i, event in enumerate(EVENTS):
        record_event(
            projections=projections(),
            session=session,
            case_ref=REF,
            event=event,
            actor="test",
            clock=clock,
            case_fields={"team": TEAM, "officer": OFFICER_NAME} if i == 0 else None,
        )
    return REF


def deadlines_json(tmp_path: Path) -> dict[str, Any]:
    """What `ehc deadlines --json` prints for the same events."""
    path = tmp_path / "case.json"
    path.write_text(json.dumps({"case": REF, "events": EVENTS}), encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["deadlines", "--events", str(path), "--as-of", "2026-11-20", "--json"]
    )
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = json.loads(result.output)
    return doc


def test_the_api_gives_the_warning_structured_and_in_words(
    api: Client, people: People, ceased_case: str, tmp_path: Path
) -> None:
    case = api(people.officer).get(f"/api/cases/{ceased_case}").json()
    assert case["law_warnings"] == [WARNING]
    assert case["law_warnings"] == deadlines_json(tmp_path)["warnings"]
    assert len(case["warnings"]) == 1 and case["warnings"][0].startswith(SENTENCE)
    # Before the plan ceased there was nothing to warn about.
    before = api(people.officer).get(f"/api/cases/{ceased_case}", params={"as_of": "2026-09-30"})
    assert before.status_code == 200
    assert before.json()["law_warnings"] == [] and before.json()["warnings"] == []


def test_a_case_with_nothing_to_warn_about_has_empty_lists(
    api: Client, people: People, open_case: str
) -> None:
    case = api(people.officer).get(f"/api/cases/{open_case}").json()
    assert case["law_warnings"] == [] and case["warnings"] == []


def test_the_openapi_document_describes_the_warnings(api: Client, people: People) -> None:
    schemas = api(people.officer).get("/openapi.json").json()["components"]["schemas"]
    assert {"warnings", "law_warnings"} <= set(schemas["CaseDetail"]["required"])
    assert set(schemas["WarningOut"]["properties"]) == {"kind", "date", "notice", "closes"}


def test_case_show_json_has_the_structured_warning(
    db_url: str,
    ceased_case: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EHC_DATABASE_URL", db_url)
    result = CliRunner().invoke(
        cli, ["case", "show", ceased_case, "--json", "--as-of", "2026-11-20"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["law_warnings"] == [WARNING] == deadlines_json(tmp_path)["warnings"]
    assert len(doc["warnings"]) == 1 and doc["warnings"][0].startswith(SENTENCE)
    text = CliRunner().invoke(cli, ["case", "show", ceased_case, "--as-of", "2026-11-20"])
    assert text.exit_code == 0, text.output
    assert f"Warning: {SENTENCE}" in text.output


def test_the_case_page_shows_the_warning_in_plain_english(
    browser: Make, people: People, ceased_case: str
) -> None:
    html = browser(people.officer).page(f"/cases/{ceased_case}")
    assert html.count('class="govuk-warning-text"') >= 1
    block = html[html.index('class="govuk-warning-text"') :]
    block = block[: block.index("</div>")]
    assert '<span class="govuk-visually-hidden">Warning</span>' in block
    assert SENTENCE in block
    assert "The plan must be kept until that time has passed or an appeal is decided" in block
    assert "ceased_during_appeal_period" not in html  # no internal names on screen
