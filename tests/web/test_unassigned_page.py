"""The unassigned queue: managers only; cases with no officer or a deactivated one,
moved many at once (CSRF; a case changed meanwhile is reported and nothing moves);
the dashboard counts them and deactivating an officer says how many they hold."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from sqlmodel import Session, select

from tests.web.conftest import Browser, People
from tests.wiring import projections
from workflow import accounts
from workflow.models import Case
from workflow.service import record_event


def _open(session: Session, clock: Callable[[], datetime], ref: str, **fields: str) -> None:
    record_event(
        projections=projections(), session=session, case_ref=ref, actor="test", clock=clock,
        event={"type": "request_received", "date": "2026-10-01", "source": "parent"},
        case_fields={"team": "North", **fields},
    )  # fmt: skip


@pytest.fixture
def leaver(people: People, session: Session, clock: Callable[[], datetime]) -> str:
    """Two cases of an officer who then left, and one with no officer."""
    accounts.add_user(
        session=session, email="leaver@council.example", name="Lee Leaver", role="officer",
        team="North", password="a long enough password", actor="test", clock=clock,
    )  # fmt: skip
    _open(session, clock, "UN1", officer="Lee Leaver")
    _open(session, clock, "UN2", officer="Lee Leaver")
    _open(session, clock, "UN3")
    return "leaver@council.example"


def _values(html: str) -> dict[str, str]:
    """Each listed case's checkbox value ("version:reference"), by reference."""
    found = {}
    for part in html.split('name="cases" type="checkbox" value="')[1:]:
        value = part.split('"')[0]
        found[value.split(":", 1)[1]] = value
    return found


def _officers(session: Session) -> dict[str, str | None]:
    session.expire_all()
    rows = {c.reference: c.officer for c in session.exec(select(Case))}
    session.commit()
    return rows


def test_deactivating_an_officer_says_how_many_cases_they_hold(
    browser: Callable[[str | None], Browser], people: People, leaver: str
) -> None:
    admin = browser(people.admin)
    html = admin.page(f"/users/{leaver}/edit")
    assert "They hold 2 open cases" in html
    version = html.split('name="version" value="')[1].split('"')[0]
    response = admin.submit(
        f"/users/{leaver}/edit",
        {"version": version, "name": "Lee Leaver", "role": "officer", "team": "North",
         "active": "no"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "they hold 2 open cases" in response.text
    assert 'href="/cases/unassigned"' in response.text


def test_a_manager_moves_two_cases_at_once(
    browser: Callable[[str | None], Browser],
    people: People,
    leaver: str,
    session: Session,
    clock: Callable[[], datetime],
) -> None:
    accounts.update_user(session=session, email=leaver, active=False, actor="t", clock=clock)
    manager = browser(people.manager)
    home = manager.page("/")
    assert "3</span> open cases with no officer" in home
    html = manager.page("/cases/unassigned")
    assert "Lee Leaver" in html and "Left" in html
    listed = _values(html)
    assert sorted(listed) == ["UN1", "UN2", "UN3"]
    response = manager.submit(
        "/cases/unassigned",
        {"cases": [listed["UN1"], listed["UN3"]], "to_officer": "officer@council.example"},  # type: ignore[dict-item]
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:2000]
    assert response.headers["location"] == "/cases/unassigned?moved=2"
    assert "2 cases moved" in manager.page("/cases/unassigned?moved=2")
    assert _officers(session) == {
        "UN1": "North officer 1",
        "UN2": "Lee Leaver",
        "UN3": "North officer 1",
    }


def test_a_case_changed_meanwhile_is_reported_and_nothing_moves(
    browser: Callable[[str | None], Browser],
    people: People,
    leaver: str,
    session: Session,
    clock: Callable[[], datetime],
) -> None:
    accounts.update_user(session=session, email=leaver, active=False, actor="t", clock=clock)
    manager = browser(people.manager)
    listed = _values(manager.page("/cases/unassigned"))
    record_event(  # someone records on UN2 after the list was read
        projections=projections(), session=session, case_ref="UN2", actor="test", clock=clock,
        event={"type": "decision_to_assess", "date": "2026-10-20"},
    )  # fmt: skip
    response = manager.submit(
        "/cases/unassigned",
        {"cases": [listed["UN1"], listed["UN2"]], "to_officer": "officer@council.example"},  # type: ignore[dict-item]
    )
    assert response.status_code == 409
    assert "Case UN2 was changed by someone else" in response.text
    assert _officers(session)["UN1"] == "Lee Leaver"


def test_choosing_nothing_is_explained(
    browser: Callable[[str | None], Browser], people: People, leaver: str
) -> None:
    manager = browser(people.manager)
    manager.page("/cases/unassigned")
    response = manager.submit("/cases/unassigned", {"to_officer": ""})
    assert response.status_code == 400
    assert "Select the cases to move" in response.text
    assert "Select the officer to move the cases to" in response.text


def test_only_managers_open_the_queue(
    browser: Callable[[str | None], Browser], people: People
) -> None:
    for email in (people.officer, people.viewer, people.admin):
        client = browser(email)
        assert client.get("/cases/unassigned").status_code == 403
    manager = browser(people.manager)
    manager.page("/cases/unassigned")
    assert manager.post("/cases/unassigned", data={"to_officer": "x"}).status_code == 403  # no CSRF


def test_a_manager_moves_cases_from_the_breach_queue_filtered_in_any_spelling(
    browser: Callable[[str | None], Browser], people: People, leaver: str, session: Session
) -> None:
    manager = browser(people.manager)
    assert 'name="cases"' not in manager.page("/breaches?team=north+&show=overdue")
    html = manager.page("/breaches?team=north+&show=overdue&select=1")
    listed = _values(html)
    assert sorted(listed) == ["UN1", "UN2", "UN3"]  # "north " is North
    back = "team=north+&show=overdue&select=1"
    response = manager.submit(
        "/breaches/reassign",
        {"cases": [listed["UN1"], listed["UN2"]], "to_officer": "officer@council.example",  # type: ignore[dict-item]
         "back": back},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303, response.text[:2000]
    assert response.headers["location"] == f"/breaches?{back}&moved=2"
    assert "2 cases moved" in manager.page(response.headers["location"])
    assert _officers(session) == {
        "UN1": "North officer 1",
        "UN2": "North officer 1",
        "UN3": None,
    }
    # A stale version: reported on the same view of the queue, nothing moved.
    response = manager.submit(
        "/breaches/reassign",
        {"cases": [listed["UN3"], listed["UN1"]], "to_officer": "leaver@council.example",  # type: ignore[dict-item]
         "back": back},
    )  # fmt: skip
    assert response.status_code == 409
    assert "Case UN1 was changed by someone else" in response.text
    assert _officers(session)["UN3"] is None


def test_officers_see_no_move_form_on_the_breach_queue(
    browser: Callable[[str | None], Browser], people: People, leaver: str
) -> None:
    officer = browser(people.officer)
    html = officer.page("/breaches?show=overdue&select=1")
    assert "UN1" in html and 'name="cases"' not in html
    officer.page("/breaches")
    assert officer.submit("/breaches/reassign", {"to_officer": "x"}).status_code == 403
