"""Each role's home (issue 19 items 5 and 6): the officer's work queue (urgency order,
views and counts), the officer's own-team breach queue, the manager's dashboard,
viewers' and admins' homes, and error pages that never link back to themselves."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from sqlmodel import Session

from scheduler.scorecard.compute import compute_scorecard
from scheduler.scorecard.months import Month
from tests.web.conftest import OFFICER_NAME, TEAM, Browser, People
from tests.wiring import projections
from web.pages.home import trend
from workflow.caseload import work_queue
from workflow.law.deadlines import Settings
from workflow.service import record_event

AS_OF = date(2026, 11, 20)  # the test clock's day
QUEUE_LINK = re.compile(r'href="/cases/([A-Z0-9]+)"')


def _record(
    session: Session, clock: Callable[[], datetime], ref: str, *events: dict[str, Any], **case: str
) -> None:
    for n, event in enumerate(events):
        record_event(
            projections=projections(),
            session=session,
            case_ref=ref,
            event=event,
            actor="test",
            clock=clock,
            case_fields=case if n == 0 else None,
        )


def _request(on: str) -> dict[str, str]:
    return {"type": "request_received", "date": on, "source": "parent"}


@pytest.fixture
def caseload(session: Session, clock: Callable[[], datetime], people: People) -> list[str]:
    """The officer's six cases, in the order of urgency, and a South case of another officer."""
    mine = {"team": TEAM, "officer": OFFICER_NAME}
    # Decision to assess due 13 July: 130 days overdue.
    _record(session, clock, "HQ006", _request("2026-06-01"), **mine)
    # Decision due 13 October: 38 days overdue.
    _record(session, clock, "HQ005", _request("2026-09-01"), **mine)
    # Decision due 23 November: in 3 days.
    _record(session, clock, "HQ004", _request("2026-10-12"), **mine)
    # Assessing; educational advice due 25 November (in 5 days): to chase.
    _record(
        session,
        clock,
        "HQ003",
        _request("2026-08-10"),
        {"type": "decision_to_assess", "date": "2026-09-01"},
        {"type": "advice_requested", "date": "2026-10-14", "advice": "educational"},
        **mine,
    )
    # Decision due 14 December: in 24 days.
    _record(session, clock, "HQ002", _request("2026-11-02"), **mine)
    # Withdrawn: nothing open.
    _record(
        session,
        clock,
        "HQ001",
        _request("2026-10-01"),
        {"type": "request_withdrawn", "date": "2026-10-20"},
        **mine,
    )
    _record(
        session, clock, "SQ001", _request("2026-05-01"), team="South", officer="South officer 1"
    )
    return ["HQ006", "HQ005", "HQ004", "HQ003", "HQ002", "HQ001"]


def test_work_queue_is_most_urgent_first(session: Session, caseload: list[str]) -> None:
    queue = work_queue(session, as_of=AS_OF, team=TEAM, officer=OFFICER_NAME)
    assert [r.reference for r in queue.rows] == caseload, queue.rows
    assert [r.days_left for r in queue.rows] == [-130, -38, 3, 5, 24, None]
    assert queue.rows[3].kind == "advice" and queue.rows[3].advice == "educational"
    assert queue.counts == {"all": 6, "overdue": 2, "week": 2, "chase": 1}


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        ("overdue", ["HQ006", "HQ005"]),
        ("week", ["HQ004", "HQ003"]),
        ("chase", ["HQ003"]),
    ],
)
def test_work_queue_views(
    session: Session, caseload: list[str], view: str, expected: list[str]
) -> None:
    queue = work_queue(session, as_of=AS_OF, team=TEAM, officer=OFFICER_NAME, view=view)
    assert [r.reference for r in queue.rows] == expected
    assert queue.counts["all"] == 6


def test_advice_past_its_limit_still_needs_chasing(session: Session, caseload: list[str]) -> None:
    later = date(2026, 12, 1)  # the advice was due 25 November
    queue = work_queue(session, as_of=later, team=TEAM, officer=OFFICER_NAME, view="chase")
    assert [r.reference for r in queue.rows] == ["HQ003"]


def test_officers_home_page_is_the_work_queue(
    browser: Callable[[str | None], Browser], people: People, caseload: list[str]
) -> None:
    client = browser(people.officer)
    html = client.page("/")
    assert "<title>My cases" in html
    assert QUEUE_LINK.findall(html) == caseload
    assert "130 days overdue" in html and "In 3 days" in html and "Chase advice" in html
    assert "Overdue (2)" in html and "Due in the next 7 days (2)" in html
    assert "Advice to chase (1)" in html and "Everything (6)" in html
    assert "SQ001" not in html
    assert 'href="/breaches"' in html  # the team's breach queue, from the nav and the page

    html = client.page("/?view=overdue")
    assert QUEUE_LINK.findall(html) == ["HQ006", "HQ005"]
    assert '<strong aria-current="page">Overdue (2)</strong>' in html
    assert client.get("/?view=soon").status_code == 422


def test_search_and_team_list_still_work_for_officers(
    browser: Callable[[str | None], Browser], people: People, caseload: list[str]
) -> None:
    client = browser(people.officer)
    assert QUEUE_LINK.findall(client.page("/?q=HQ00")) != []
    html = client.page("/?show=team")
    assert sorted(QUEUE_LINK.findall(html)) == sorted(caseload)
    assert "SQ001" not in html


def test_officer_sees_only_their_teams_breach_queue(
    browser: Callable[[str | None], Browser], people: People, caseload: list[str]
) -> None:
    client = browser(people.officer)
    for url in ("/breaches", "/breaches?team=South", "/breaches?team="):
        html = client.page(url)
        assert {"HQ006", "HQ005"} <= set(QUEUE_LINK.findall(html)), url
        assert "SQ001" not in html, url
        assert 'name="team"' not in html  # the team is fixed, not a filter they can change
    # Another team's officer, asked for by name: still only North's cases, so none.
    html = client.page("/breaches?officer=South+officer+1")
    assert QUEUE_LINK.findall(html) == [] and "SQ001" not in html
    csv = client.get("/breaches.csv?team=South")
    assert csv.status_code == 200
    assert "HQ006" in csv.text and "SQ001" not in csv.text
    # The other team's officer sees theirs, not North's.
    south = browser(people.other_officer).page("/breaches")
    assert "SQ001" in south and "HQ006" not in south


def test_manager_home_is_the_dashboard(
    browser: Callable[[str | None], Browser], people: People, caseload: list[str]
) -> None:
    html = browser(people.manager).page("/")
    assert "<title>Dashboard" in html
    by_team = html[html.index('id="by-team"') : html.index('id="by-officer"')]
    north = by_team[by_team.index("North") :].split("</tr>")[0]
    # North's deadlines: two overdue (both in breach); due within the fortnight, HQ004's
    # decision and HQ003's advice and decision not to issue (HQ002's is in 24 days).
    # Open cases: all but the withdrawn one.
    assert re.findall(r"numeric\">(\d+)<", north) == ["2", "2", "3", "5"]
    assert 'href="/breaches?team=North"' in html
    assert 'href="/breaches?team=South"' in html
    assert 'href="/breaches?team=North&amp;officer=North+officer+1"' in html
    assert QUEUE_LINK.findall(html) == []  # counts, not a list of cases


def test_dashboard_chart_has_12_months_and_a_table(
    browser: Callable[[str | None], Browser], people: People, caseload: list[str]
) -> None:
    html = browser(people.manager).page("/")
    svg = html[
        html.index('<svg class="app-chart"') : html.index("</svg>", html.index('app-chart"'))
    ]
    assert 'role="img"' in svg and "<script" not in html.split("</head>")[1].replace(
        '<script type="module" src="/static/init.js"></script>', ""
    )
    assert "Nov-25" in svg and "Oct-26" in svg and "Nov-26" not in svg
    table = html[html.index('id="trend-table"') :]
    rows = re.findall(r'<th scope="row" class="govuk-table__header">(\w{3}-\d\d)</th>', table)
    assert len(rows) == 12
    # HQ003's decision to assess (22 days after the request) is September's one decision.
    september = table[table.index("Sep-26") :].split("</tr>")[0]
    assert re.search(r"100(\.0+)?% \(1 of 1\)", september), september
    assert "Decisions whether to assess made within 6 weeks, Sep-26: 100%" in svg


def test_the_trend_is_the_scorecards_figures(session: Session, caseload: list[str]) -> None:
    chart = trend(session, AS_OF)
    card = compute_scorecard(
        session, first=Month(2025, 11), last=Month(2026, 10), settings=Settings()
    )
    assert chart.months == [m.label() for m in card.months]
    plans, decisions = (figures for _, figures in chart.series)
    assert plans == card.figures["plans_within_20_weeks_incl_exceptions"]
    assert decisions == card.figures["decisions_within_6_weeks"]
    assert any(f.value is not None for f in decisions)  # HQ003's decision, in September
    bars = chart.bars(1)
    september = chart.months.index("Sep-26")
    assert bars[september] is not None and bars[september].label == "100%"
    assert bars[september].height == chart.plot_height  # 100% is the full height
    assert bars[0] is None  # no decision in November 2025: no bar, not a bar of 0


@pytest.mark.parametrize(
    ("role", "home"),
    [("viewer", "/scorecard"), ("admin", "/users")],
)
def test_every_roles_home_is_a_page_they_may_open(
    browser: Callable[[str | None], Browser], people: People, role: str, home: str
) -> None:
    client = browser(getattr(people, role))
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == home
    assert client.get("/").status_code == 200  # the service name's link
    # A page they may not open links home, not back to itself.
    denied = client.get("/breaches")
    assert denied.status_code == 403
    link = re.search(r'href="([^"]+)">Go to the start page', denied.text)
    assert link and link.group(1) == home
    assert client.get(link.group(1)).status_code == 200


@pytest.mark.parametrize("role", ["officer", "manager"])
def test_caseworkers_home_opens_and_their_error_link_too(
    browser: Callable[[str | None], Browser], people: People, role: str
) -> None:
    client = browser(getattr(people, role))
    assert client.get("/").status_code == 200
    denied = client.get("/users")
    assert denied.status_code == 403
    assert 'href="/">Go to the start page' in denied.text
