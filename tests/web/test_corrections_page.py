"""The corrections report (issue 18 item 6): the service read, `/corrections` and its CSV
(managers only), and `ehc corrections`; on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from cli.app import app as cli
from scheduler.corrections_report import ReportFilters, corrections_report, render_csv
from scheduler.scorecard.compute import compute_scorecard
from scheduler.scorecard.months import Month
from scheduler.scorecard.publications import publish
from tests.web.conftest import Browser, People
from tests.wiring import projections
from workflow import service
from workflow.law.deadlines import Settings
from workflow.models import Case, CasePeople

Clock = Callable[[], datetime]
FORMULA = '=HYPERLINK("http://x","y")'
CHILD = "Amelia Quartermaine"


def _record(
    session: Session, clock: Clock, ref: str, team: str, events: list[tuple[str, str]]
) -> None:
    for kind, on in events:
        event = {"type": kind, "date": on}
        if kind == "request_received":
            event["source"] = "parent"
        service.record_event(
            projections=projections(),
            session=session,
            case_ref=ref,
            event=event,
            actor="test",
            clock=clock,
            case_fields={"team": team, "officer": f"{team} officer 1"},
        )


@pytest.fixture
def corrected(session: Session, clock: Clock, people: People) -> None:
    """Two decided cases; February 2024 published; then one decision corrected late (North)
    and one voided (South, with a reason that looks like a formula)."""
    _record(
        session,
        clock,
        "CR1",
        "North",
        [("request_received", "2024-01-08"), ("decision_to_assess", "2024-02-12")],
    )
    _record(
        session,
        clock,
        "CR2",
        "South",
        [("request_received", "2024-01-15"), ("decision_to_assess", "2024-02-20")],
    )
    for case in session.exec(select(Case)).all():
        case.date_of_birth = date(2015, 3, 14)
        session.add(CasePeople(case_id=case.id, child_name=CHILD, updated_at=clock()))
    session.commit()
    card = compute_scorecard(
        session, first=Month(2024, 2), last=Month(2024, 2), settings=Settings()
    )
    publish(
        session,
        card,
        month=Month(2024, 2),
        as_of=date(2024, 3, 1),
        at=datetime(2024, 3, 1, tzinfo=UTC),
        by="job",
    )
    session.commit()
    service.correct_event(
        session=session, case_ref="CR1", sequence=2, date="2024-02-28",
        reason="Decision letter dated 28 February", actor="manager.m", clock=clock,
        projections=projections(),
    )  # fmt: skip
    service.void_event(
        session=session, case_ref="CR2", sequence=2, reason=FORMULA,
        actor="manager.m", clock=clock, projections=projections(),
    )  # fmt: skip


def test_the_report_says_what_each_correction_changed(session: Session, corrected: None) -> None:
    rows = corrections_report(session, settings=Settings())
    assert [r.effect.case_ref for r in rows] == ["CR2", "CR1"]  # newest first
    late = rows[1]
    assert (late.effect.team, late.effect.officer, late.effect.corrected_date) == (
        "North",
        "North officer 1",
        date(2024, 2, 28),
    )
    [breach] = late.breaches
    assert (breach.deadline, breach.late_before, breach.late_after) == (
        "decision to assess",
        None,
        9,
    )
    revised = {(f.indicator, f.month) for f in late.revised}
    assert ("decisions_within_6_weeks", "2024-02") in revised
    void = rows[0]
    assert void.effect.replaced_by is None and void.deadlines  # the decision's deadline reopened


def test_the_report_filters(session: Session, corrected: None) -> None:
    def refs(**kw: object) -> list[str]:
        rows = corrections_report(session, settings=Settings(), filters=ReportFilters(**kw))  # type: ignore[arg-type]
        return [r.effect.case_ref for r in rows]

    assert refs(team="North") == ["CR1"]
    assert refs(officer="South officer 1") == ["CR2"]
    assert refs(made_from=date(2026, 11, 20), made_to=date(2026, 11, 20)) == ["CR2", "CR1"]
    assert refs(made_from=date(2026, 11, 21)) == []
    assert refs(made_to=date(2026, 11, 19)) == []


def test_the_csv_is_neutralised_and_anonymous(session: Session, corrected: None) -> None:
    text = render_csv(corrections_report(session, settings=Settings()))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["reason"] == "'" + FORMULA
    assert "published 100.0% (2 of 2), now 0.0% (0 of 1)" in rows[1]["revised_figures"]
    for needle in ("Amelia", "Quartermaine", "2015-03-14"):
        assert needle not in text


def test_managers_see_the_page_and_its_csv(
    browser: Callable[[str | None], Browser], people: People, corrected: None
) -> None:
    client = browser(people.manager)
    html = client.page("/corrections?team=North")
    assert "CR1" in html and "CR2" not in html
    assert "Decision letter dated 28 February" in html and "Breach changed" in html
    assert "Published figures revised" in html
    assert 'href="/corrections"' in client.page("/")  # in the manager's navigation
    response = client.get("/corrections.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "'" + FORMULA.replace('"', '""') in response.text
    for needle in ("Amelia", "Quartermaine", "2015-03-14", "14 March 2015"):
        assert needle not in html and needle not in response.text


def test_a_bad_date_is_a_clear_error(
    browser: Callable[[str | None], Browser], people: People
) -> None:
    response = browser(people.manager).get("/corrections?from-day=31&from-month=2&from-year=2026")
    assert response.status_code == 400
    assert "Made from must be a real date" in response.text


@pytest.mark.parametrize("role", ["officer", "viewer", "admin"])
def test_only_managers_see_the_report(
    browser: Callable[[str | None], Browser], people: People, corrected: None, role: str
) -> None:
    client = browser(getattr(people, role))
    for url in ("/corrections", "/corrections.csv"):
        response = client.get(url)
        assert response.status_code == 403, (role, url)
        assert "CR1" not in response.text
    assert 'href="/corrections"' not in client.get("/").text


def test_signed_out_is_sent_to_sign_in(browser: Callable[[str | None], Browser]) -> None:
    response = browser(None).get("/corrections", follow_redirects=False)
    assert response.status_code in (302, 303) and "/sign-in" in response.headers["location"]


def test_the_command(db_url: str, corrected: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EHC_DATABASE_URL", db_url)
    runner = CliRunner()
    result = runner.invoke(cli, ["corrections", "--team", "North", "--json"])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.output)["corrections"]
    assert (row["case"], row["kind"], row["corrected_to"]["date"]) == (
        "CR1",
        "correction",
        "2024-02-28",
    )
    assert row["revised_figures"][0]["indicator"] == "decisions_within_6_weeks"
    result = runner.invoke(cli, ["corrections", "--csv", "--from", "2026-11-21"])
    assert result.exit_code == 0 and result.output.count("\n") == 1  # the header only
    result = runner.invoke(cli, ["corrections", "--from", "2026-11-21", "--to", "2026-11-01"])
    assert result.exit_code == 2 and "must not be before" in result.output
    text = runner.invoke(cli, ["corrections"]).output
    assert "CR1" in text and "CR2" in text and "Quartermaine" not in text
