"""The scorecard page and its XLSX: managers and viewers, the figures of
`compute_scorecard`, the bytes `ehc kpi --format xlsx` writes, no personal data."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import datetime

import pytest
from markupsafe import escape
from openpyxl import load_workbook
from sqlmodel import Session
from typer.testing import CliRunner

from cli.app import app as cli
from scheduler.scorecard.compute import compute_scorecard
from scheduler.scorecard.formats import html_rows
from scheduler.scorecard.months import Month
from tests.web.conftest import Browser, People
from tests.wiring import projections
from workflow.law.deadlines import Settings
from workflow.service import record_event

CHILD = "Zebedee Quill"


@pytest.fixture
def decided(session: Session, clock: Callable[[], datetime]) -> list[str]:
    """Requests decided in time and late, in two teams, with the child's name recorded."""
    refs = []
    for n, (requested, decided_on, team) in enumerate(
        [
            ("2026-03-02", "2026-04-06", "North"),  # 5 weeks: in time
            ("2026-03-09", "2026-05-11", "North"),  # 9 weeks: late
            ("2026-04-01", "2026-05-06", "South"),  # 5 weeks: in time
        ]
    ):
        ref = f"SC00{n}"
        record_event(
            projections=projections(),
            session=session,
            case_ref=ref,
            event={"type": "request_received", "date": requested, "source": "parent"},
            actor="test",
            clock=clock,
            case_fields={"team": team, "officer": f"{team} officer 1", "child_name": CHILD},
        )
        record_event(
            projections=projections(),
            session=session,
            case_ref=ref,
            event={"type": "decision_to_assess", "date": decided_on},
            actor="test",
            clock=clock,
        )
        refs.append(ref)
    return refs


def _cells(html: str) -> list[str]:
    return re.findall(r'govuk-table__cell--numeric">([^<]*)<', html)


@pytest.mark.parametrize("role", ["manager", "viewer"])
def test_the_scorecard_shows_compute_scorecards_figures_for_the_last_twelve_months(
    browser: Callable[[str | None], Browser],
    people: People,
    decided: list[str],
    session: Session,
    role: str,
) -> None:
    html = browser(getattr(people, role)).page("/scorecard")
    card = compute_scorecard(
        session, first=Month(2025, 11), last=Month(2026, 10), settings=Settings()
    )
    assert "Nov-25 to Oct-26" in html
    cells = _cells(html)
    for row in html_rows(card):
        assert escape(row["indicator"].name) in html
        assert escape(row["indicator"].definition) in html
        assert " ".join(row["cells"]) in " ".join(cells)
        assert 'class="app-chart"' in html
    dta = next(r for r in html_rows(card) if r["indicator"].id.startswith("decision"))
    assert {"100.0%", "50.0%"} <= set(dta["cells"])  # April in time; May one of two


def test_no_case_reference_or_child_name_and_no_inline_style_or_script(
    browser: Callable[[str | None], Browser], people: People, decided: list[str]
) -> None:
    html = browser(people.viewer).page("/scorecard?from=2026-01&to=2026-10")
    for ref in decided:
        assert ref not in html
    assert CHILD not in html and "officer 1" not in html
    assert "style=" not in html and "<style" not in html
    assert re.findall(r"<script[^>]*>", html) == ['<script type="module" src="/static/init.js">']


def test_a_team_filter_counts_only_that_teams_cases(
    browser: Callable[[str | None], Browser], people: People, decided: list[str], session: Session
) -> None:
    html = browser(people.manager).page("/scorecard?from=2026-04&to=2026-05&team=South")
    card = compute_scorecard(
        session, first=Month(2026, 4), last=Month(2026, 5), settings=Settings(), team="South"
    )
    assert "team South" in html
    for row in html_rows(card):
        assert " ".join(row["cells"]) in " ".join(_cells(html))


def test_the_xlsx_is_the_commands_workbook_and_opens(
    browser: Callable[[str | None], Browser],
    people: People,
    decided: list[str],
    db_url: str,
    tmp_path,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    response = browser(people.viewer).get("/scorecard.xlsx?from=2026-03&to=2026-06")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == (
        'attachment; filename="scorecard-2026-03-to-2026-06.xlsx"'
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "Scorecard"
    monkeypatch.setenv("EHC_DATABASE_URL", db_url)
    out = tmp_path / "card.xlsx"
    done = CliRunner().invoke(
        cli,
        ["kpi", "--from", "2026-03", "--to", "2026-06", "--format", "xlsx", "--output", str(out)],
    )
    assert done.exit_code == 0, done.output
    assert response.content == out.read_bytes()


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ("from=2026-1", "from", "‘From’ must be a month in the form YYYY-MM"),
        ("from=2026-05&to=2026-04", "to", "must not be before ‘From’ (2026-05)"),
        ("from=2026-05&to=2026-11", "to", "2026-11 has not ended yet"),
        ("from=2026-05&to=June", "to", "‘To’ must be a month in the form YYYY-MM"),
    ],
)
def test_bad_months_are_shown_as_an_error_summary(
    browser: Callable[[str | None], Browser], people: People, params: str, field: str, message: str
) -> None:
    client = browser(people.manager)
    for url in (f"/scorecard?{params}", f"/scorecard.xlsx?{params}"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "<title>Error: Scorecard" in response.text
        assert f'href="#{field}">' in response.text and message in response.text


@pytest.mark.parametrize("role", ["officer", "admin"])
def test_officers_and_admins_cannot_see_the_scorecard(
    browser: Callable[[str | None], Browser], people: People, role: str
) -> None:
    client = browser(getattr(people, role))
    assert client.get("/scorecard").status_code == 403
    assert client.get("/scorecard.xlsx").status_code == 403
