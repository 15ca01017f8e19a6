"""The breach queue page and its CSV: managers only, the same items and bytes as
`scheduler.breaches.breach_queue` and `ehc breaches --csv`, sorting, paging, errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from cli.app import app as cli
from scheduler.breach_formats import render_csv
from scheduler.breaches import Filters, breach_queue
from tests.council import add_council
from tests.web.conftest import Browser, People
from tests.wiring import projections
from web.pages import breaches as page
from workflow.service import record_event

AS_OF = date(2026, 11, 20)  # the test clock's day
CASE_LINK = re.compile(r'href="/cases/([A-Z0-9]+)"')


def _open(session: Session, clock: Callable[[], datetime], ref: str, on: str, team: str) -> None:
    record_event(
        projections=projections(),
        session=session,
        case_ref=ref,
        event={"type": "request_received", "date": on, "source": "parent"},
        actor="test",
        clock=clock,
        case_fields={"team": team, "officer": f"{team} officer 1"},
    )


@pytest.fixture
def queue(session: Session, clock: Callable[[], datetime]) -> list[str]:
    """Overdue decisions to assess in two teams, and one due within the fortnight."""
    cases = [
        ("BQ001", "2026-06-01", "North"),
        ("BQ002", "2026-07-01", "South"),
        ("BQ003", "2026-08-03", "North"),
        ("BQ004", "2026-10-19", "South"),  # decision due 30 November: due soon
    ]
    for ref, on, team in cases:
        _open(session, clock, ref, on, team)
    return [ref for ref, _, _ in cases]


def _refs(html: str) -> list[str]:
    return CASE_LINK.findall(html)


def test_the_page_lists_what_breach_queue_gives_overdue_first(
    browser: Callable[[str | None], Browser], people: People, queue: list[str], session: Session
) -> None:
    html = browser(people.manager).page("/breaches")
    expected = breach_queue(session=session, as_of=AS_OF, filters=Filters())
    assert [i.case for i in expected] == ["BQ001", "BQ002", "BQ003", "BQ004"]
    assert _refs(html) == [i.case for i in expected]
    overdue = sum(i.status == "overdue" for i in expected)
    assert f'id="count-overdue">{overdue}<' in html
    assert 'id="count-due-soon">1<' in html
    assert "Due soon" in html


@pytest.mark.parametrize(
    ("params", "filters", "overdue_only"),
    [
        ("team=South", Filters(team="South"), False),
        ("officer=North+officer+1", Filters(officer="North officer 1"), False),
        (
            "kind=decision_to_assess&due_within=0",
            Filters(kind="decision_to_assess", due_within=0),
            False,
        ),
        ("show=overdue&due_within=30", Filters(due_within=30), True),
        ("kind=final_plan", Filters(kind="final_plan"), False),
    ],
)
def test_filters_give_the_same_items_as_breach_queue(
    browser: Callable[[str | None], Browser],
    people: People,
    queue: list[str],
    session: Session,
    params: str,
    filters: Filters,
    overdue_only: bool,
) -> None:
    html = browser(people.manager).page(f"/breaches?{params}")
    items = breach_queue(session=session, as_of=AS_OF, filters=filters)
    if overdue_only:
        items = [i for i in items if i.status == "overdue"]
    assert _refs(html) == [i.case for i in items]


def test_as_of_reads_the_queue_on_another_day(
    browser: Callable[[str | None], Browser], people: People, queue: list[str], session: Session
) -> None:
    html = browser(people.manager).page("/breaches?as_of-day=1&as_of-month=8&as_of-year=2026")
    items = breach_queue(session=session, as_of=date(2026, 8, 1), filters=Filters())
    assert _refs(html) == [i.case for i in items] and "1 August 2026" in html


def test_sorting_by_team_then_reversed(
    browser: Callable[[str | None], Browser], people: People, queue: list[str]
) -> None:
    client = browser(people.manager)
    assert _refs(client.page("/breaches?sort=team")) == ["BQ001", "BQ003", "BQ002", "BQ004"]
    html = client.page("/breaches?sort=team&order=desc")
    assert _refs(html) == ["BQ002", "BQ004", "BQ001", "BQ003"]
    assert 'aria-sort="descending"' in html
    assert _refs(client.page("/breaches?sort=days_late&order=asc")) == [
        "BQ004", "BQ003", "BQ002", "BQ001",
    ]  # fmt: skip


def test_pages_of_a_hundred_while_counts_cover_everything(
    browser: Callable[[str | None], Browser],
    people: People,
    queue: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(page, "PAGE_SIZE", 3)
    client = browser(people.manager)
    first = client.page("/breaches")
    assert _refs(first) == ["BQ001", "BQ002", "BQ003"] and "Page 1 of 2" in first
    assert 'id="count-due-soon">1<' in first
    assert _refs(client.page("/breaches?page=2")) == ["BQ004"]


def test_the_csv_is_the_commands_csv_for_the_same_filters(
    browser: Callable[[str | None], Browser],
    people: People,
    queue: list[str],
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = browser(people.manager)
    response = client.get(
        "/breaches.csv?team=North&due_within=30&as_of-day=20&as_of-month=11&as_of-year=2026"
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == (
        'attachment; filename="breach-queue-2026-11-20.csv"'
    )
    monkeypatch.setenv("EHC_DATABASE_URL", db_url)
    printed = CliRunner().invoke(
        cli, ["breaches", "--csv", "--team", "North", "--due-within", "30", "--as-of", "2026-11-20"]
    )
    assert printed.exit_code == 0, printed.output
    assert response.text == printed.stdout
    assert response.text.count("\n") == 3  # the header and North's two cases


def test_the_overdue_only_csv_leaves_out_what_is_only_due_soon(
    browser: Callable[[str | None], Browser], people: People, queue: list[str], session: Session
) -> None:
    text = browser(people.manager).get("/breaches.csv?show=overdue").text
    items = breach_queue(session=session, as_of=AS_OF, filters=Filters())
    assert text == render_csv([i for i in items if i.status == "overdue"])
    assert "BQ004" not in text


def test_the_csv_download_neutralises_formulas(
    browser: Callable[[str | None], Browser],
    people: People,
    session: Session,
    clock: Callable[[], datetime],
) -> None:
    """Issue 17 item 6: a team or officer a spreadsheet would run is written as text."""
    import csv
    import io

    # An administrator could name a team or an officer so: it is stored as given.
    add_council(session, clock, team_names=["=1+1"], officers={"@SUM(A1:A2)": "=1+1"})
    record_event(
        projections=projections(),
        session=session,
        case_ref="BQ009",
        event={"type": "request_received", "date": "2026-06-01", "source": "parent"},
        actor="test",
        clock=clock,
        case_fields={"team": "=1+1", "officer": "@SUM(A1:A2)"},
    )
    text = browser(people.manager).get("/breaches.csv").text
    [row] = list(csv.DictReader(io.StringIO(text, newline="")))
    assert (row["case"], row["team"], row["officer"]) == ("BQ009", "'=1+1", "'@SUM(A1:A2)")


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ("due_within=soon", "due_within", "Enter the number of days as a whole number"),
        ("due_within=-3", "due_within", "Enter the number of days as a whole number"),
        ("due_within=4000", "due_within", "must be 3,660 or fewer"),
        ("as_of-day=31&as_of-month=2&as_of-year=2026", "as_of", "must be a real date"),
        ("as_of-day=3&as_of-year=2026", "as_of", "must include a month"),
        ("kind=lunch", "kind", "Select a deadline from the list"),
    ],
)
def test_bad_filters_are_shown_as_an_error_summary(
    browser: Callable[[str | None], Browser], people: People, params: str, field: str, message: str
) -> None:
    client = browser(people.manager)
    for url in (f"/breaches?{params}", f"/breaches.csv?{params}"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "<title>Error: Breach queue" in response.text
        assert "govuk-error-summary" in response.text
        assert f'href="#{field}">' in response.text and message in response.text


@pytest.mark.parametrize("role", ["viewer", "admin"])
def test_only_caseworkers_see_the_queue(
    browser: Callable[[str | None], Browser], people: People, queue: list[str], role: str
) -> None:
    client = browser(getattr(people, role))
    for url in ("/breaches", "/breaches.csv"):
        response = client.get(url)
        assert response.status_code == 403, (role, url)
        assert "BQ001" not in response.text


def test_a_change_shows_on_the_next_view_though_the_queue_is_kept(
    browser: Callable[[str | None], Browser],
    people: People,
    queue: list[str],
    session: Session,
    clock: Callable[[], datetime],
) -> None:
    """The page keeps the queue between views (web/queue_cache.py) until a commit."""
    manager = browser(people.manager)
    before = _refs(manager.page("/breaches"))
    assert _refs(manager.page("/breaches")) == before  # a second view: the kept queue
    record_event(
        projections=projections(),
        session=session,
        case_ref="BQ001",
        event={"type": "decision_to_assess", "date": "2026-11-20"},
        actor="test",
        clock=clock,
    )
    after = [i.case for i in breach_queue(session=session, as_of=AS_OF, filters=Filters())]
    assert after != before  # the decision met one deadline and set the plan's
    assert _refs(manager.page("/breaches")) == after
    _open(session, clock, "BQ005", "2026-05-01", "North")  # a new case, most days late
    assert _refs(manager.page("/breaches"))[0] == "BQ005"
