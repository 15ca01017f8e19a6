"""The child's and family's details page: who may change them, checks, conflicts, letters."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from letters import service as letter_service
from letters import store as letter_store
from letters.models import AWAITING, READY
from tests.web.conftest import OFFICER_NAME, TEAM, Browser, People
from tests.wiring import projections
from workflow import service
from workflow.db import new_session
from workflow.models import Case

Make = Callable[[str | None], Browser]
Clock = Callable[[], datetime]
VERSION = re.compile(r'name="version" value="(\d+)"')

FILLED = {
    "child_name": "Sam Sample",
    "date_of_birth-day": "14",
    "date_of_birth-month": "3",
    "date_of_birth-year": "2015",
    "setting": "Oakfield Primary School",
    "parent_name": "Jo Sample",
    "parent_address": "12 Example Road\nExampletown\nEX1 2AB",
    "parent_email": "jo@example.com",
    "young_person_address": "",
    "young_person_email": "",
    "communication": "post",
    "large_print": "no",
    "parent_copy": "yes",
}


def people_of(session: Session, ref: str) -> dict[str, object]:
    case = session.exec(select(Case).where(Case.reference == ref)).one()
    session.refresh(case)
    people = letter_store.people_of(session, case)
    session.commit()
    return people


def open_form(client: Browser, ref: str) -> tuple[str, str]:
    html = client.page(f"/cases/{ref}/details")
    found = VERSION.search(html)
    assert found
    return html, found.group(1)


def test_officer_saves_the_details_and_sees_them_on_the_case(
    browser: Make, people: People, open_case: str, session: Session
) -> None:
    officer = browser(people.officer)
    html, version = open_form(officer, open_case)
    assert "Child and family details" in html
    response = officer.submit(
        f"/cases/{open_case}/details", {**FILLED, "version": version}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/cases/{open_case}?details=1&letters_made=")
    page = officer.page(response.headers["location"])
    assert "Details updated" in page
    assert "Sam Sample" in page and "Oakfield Primary School" in page
    assert "2015" not in page  # the date of birth is shown only on the details form
    stored = people_of(session, open_case)
    assert stored["date_of_birth"] == date(2015, 3, 14)
    assert stored["parent_address"] == "12 Example Road\nExampletown\nEX1 2AB"
    assert stored["large_print"] is False and stored["parent_copy"] is True
    form, _ = open_form(officer, open_case)
    assert 'name="date_of_birth-year" type="text" inputmode="numeric" value="2015"' in form
    assert 'id="parent_copy" name="parent_copy" type="radio" value="yes" checked' in form


def test_an_empty_field_clears_what_was_stored(
    browser: Make, people: People, open_case: str, session: Session
) -> None:
    manager = browser(people.manager)
    _, version = open_form(manager, open_case)
    manager.submit(f"/cases/{open_case}/details", {**FILLED, "version": version})
    _, version = open_form(manager, open_case)
    cleared = {**FILLED, "setting": "", "date_of_birth-day": "", "date_of_birth-month": ""}
    cleared["date_of_birth-year"] = ""
    response = manager.submit(
        f"/cases/{open_case}/details", {**cleared, "version": version}, follow_redirects=False
    )
    assert response.status_code == 303
    stored = people_of(session, open_case)
    assert stored["setting"] is None and stored["date_of_birth"] is None
    assert stored["child_name"] == "Sam Sample"


def test_a_radio_answer_can_be_taken_back_with_not_known(
    browser: Make, people: People, open_case: str, session: Session
) -> None:
    officer = browser(people.officer)
    form, version = open_form(officer, open_case)
    # Nothing recorded yet: each question shows "Not known" chosen.
    for name in ("communication", "large_print", "parent_copy"):
        assert f'id="{name}-3" name="{name}" type="radio" value="" checked' in form
    officer.submit(f"/cases/{open_case}/details", {**FILLED, "version": version})
    assert people_of(session, open_case)["parent_copy"] is True
    _, version = open_form(officer, open_case)
    taken_back = {**FILLED, "communication": "", "parent_copy": "", "version": version}
    response = officer.submit(f"/cases/{open_case}/details", taken_back, follow_redirects=False)
    assert response.status_code == 303
    stored = people_of(session, open_case)
    assert stored["communication"] is None and stored["parent_copy"] is None
    assert stored["large_print"] is False
    form, _ = open_form(officer, open_case)
    assert 'id="parent_copy-3" name="parent_copy" type="radio" value="" checked' in form
    assert 'id="large_print-2" name="large_print" type="radio" value="no" checked' in form


def test_another_teams_officer_gets_not_found(
    browser: Make, people: People, open_case: str
) -> None:
    other = browser(people.other_officer)
    assert other.get(f"/cases/{open_case}/details").status_code == 404
    other.page("/")  # a CSRF token of their own
    response = other.submit(f"/cases/{open_case}/details", {**FILLED, "version": "2"})
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["viewer", "admin"])
def test_viewer_and_admin_are_refused(
    browser: Make, people: People, open_case: str, role: str
) -> None:
    client = browser(getattr(people, role))
    assert client.get(f"/cases/{open_case}/details").status_code == 403
    client.csrf = "x"
    assert client.submit(f"/cases/{open_case}/details", FILLED).status_code == 403


def test_mistakes_are_listed_and_linked_to_their_fields_and_nothing_is_saved(
    browser: Make, people: People, open_case: str, session: Session
) -> None:
    officer = browser(people.officer)
    _, version = open_form(officer, open_case)
    bad = {
        **FILLED,
        "child_name": "x" * 201,
        "date_of_birth-month": "",
        "parent_email": "not-an-email",
        "communication": "pigeon",
        "version": version,
    }
    response = officer.submit(f"/cases/{open_case}/details", bad)
    assert response.status_code == 400
    html = response.text
    assert "<title>Error: " in html
    for anchor, message in (
        ("child_name", "The child&#39;s name must be 200 characters or fewer"),
        ("date_of_birth-month", "Date of birth must include a month"),
        ("parent_email", "Enter the parent&#39;s email address in the correct format"),
        ("communication", "Select post or email for how letters are sent"),
    ):
        assert f'<a href="#{anchor}">{message}' in html, anchor
        assert f'id="{anchor}"' in html
    assert 'value="not-an-email"' in html  # what was typed is shown again
    assert people_of(session, open_case)["child_name"] is None


def test_a_date_of_birth_in_the_future_is_refused(
    browser: Make, people: People, open_case: str
) -> None:
    officer = browser(people.officer)
    _, version = open_form(officer, open_case)
    future = {**FILLED, "date_of_birth-year": "2027", "version": version}
    response = officer.submit(f"/cases/{open_case}/details", future)
    assert response.status_code == 400
    assert "Date of birth must be today or in the past" in response.text


def test_a_stale_form_saves_nothing_and_says_so(
    browser: Make, people: People, open_case: str, session: Session, clock: Clock
) -> None:
    officer = browser(people.officer)
    _, version = open_form(officer, open_case)
    service.update_case(
        projections=projections(),
        session=session,
        case_ref=open_case,
        details={"setting": "Changed meanwhile"},
        actor="someone else",
        clock=clock,
    )
    response = officer.submit(f"/cases/{open_case}/details", {**FILLED, "version": version})
    assert response.status_code == 409
    assert "Someone else changed this case" in response.text
    stored = people_of(session, open_case)
    assert stored["setting"] == "Changed meanwhile" and stored["child_name"] is None


def test_a_form_without_its_csrf_token_is_refused(
    browser: Make, people: People, open_case: str, session: Session
) -> None:
    officer = browser(people.officer)
    _, version = open_form(officer, open_case)
    response = officer.post(f"/cases/{open_case}/details", data={**FILLED, "version": version})
    assert response.status_code == 403
    assert people_of(session, open_case)["child_name"] is None


def test_a_letter_waiting_for_the_details_becomes_ready(
    browser: Make, people: People, session: Session, clock: Clock
) -> None:
    ref = "WEB-WAITING"
    service.record_event(
        projections=projections(),
        session=session,
        case_ref=ref,
        event={"type": "request_received", "date": "2026-10-01", "source": "parent"},
        actor="test",
        clock=clock,
        case_fields={"team": TEAM, "officer": OFFICER_NAME},
    )
    letters = letter_service.list_letters(session=session, case_ref=ref)
    assert letters and all(letter.status == AWAITING for letter in letters)
    officer = browser(people.officer)
    assert "Awaiting details" in officer.page(f"/cases/{ref}")
    _, version = open_form(officer, ref)
    response = officer.submit(f"/cases/{ref}/details", {**FILLED, "version": version})
    assert response.status_code == 200  # followed to the case page
    assert "Details updated" in response.text
    session.expire_all()  # the letters were read before the app changed them
    letters = letter_service.list_letters(session=session, case_ref=ref)
    assert [letter.status for letter in letters] == [READY] * len(letters)
    assert "Awaiting details" not in response.text


@pytest.mark.parametrize("with_details", [False, True], ids=["waiting", "ready"])
def test_case_page_tells_two_advice_requests_apart(
    browser: Make,
    people: People,
    open_case: str,
    session: Session,
    clock: Clock,
    with_details: bool,
) -> None:
    if with_details:  # a ready letter keeps the advice in its context, a waiting one in facts
        details = {"child_name": "Sam Sample", "date_of_birth": "2015-03-14"}
        service.update_case(
            projections=projections(),
            session=session,
            case_ref=open_case,
            details=details,
            actor="test",
            clock=clock,
        )
    for ref in ("EP-1", "EP-2"):
        service.record_event(
            projections=projections(),
            session=session,
            case_ref=open_case,
            event={
                "type": "advice_requested",
                "date": "2026-10-06",
                "advice": "psychological",
                "ref": ref,
            },
            actor="test",
            clock=clock,
        )
    advice_letters = [
        letter.status
        for letter in letter_service.list_letters(session=session, case_ref=open_case)
        if letter.type == "request_for_advice"
    ]
    assert advice_letters == [READY if with_details else AWAITING] * 2
    html = browser(people.manager).page(f"/cases/{open_case}")
    assert "Psychological advice (EP-1)" in html and "Psychological advice (EP-2)" in html
    assert "Advice: psychological advice" not in html
    assert "About psychological advice, EP-1" in html
    assert "About psychological advice, EP-2" in html
    assert f'href="/cases/{open_case}/details">Change details' in html


@pytest.mark.parametrize("role", ["officer", "manager"])
def test_home_page_links_to_recording_a_new_request(
    browser: Make, people: People, role: str
) -> None:
    html = browser(getattr(people, role)).page("/")
    assert '<a href="/cases/new" role="button"' in html
    assert "Record a new request</a>" in html


def test_control_characters_are_refused_field_by_field_and_nothing_is_saved(
    browser: Make, people: People, open_case: str, session: Session
) -> None:
    """Issue 17: NUL in the details form was a 500 on PostgreSQL that logged the SQL
    parameters (the child's name, the address)."""
    officer = browser(people.officer)
    _, version = open_form(officer, open_case)
    bad = {
        **FILLED,
        "child_name": "Sam\x00Sample",
        "parent_name": "Jo\rSample",
        "parent_address": "12 Example Road\x00\nExampletown",
        "date_of_birth-day": "١٤",  # an Arabic-Indic 14
        "version": version,
    }
    response = officer.submit(f"/cases/{open_case}/details", bad)
    assert response.status_code == 400
    for anchor, message in (
        ("child_name", "The child&#39;s name must not contain control characters"),
        ("parent_name", "The parent&#39;s name must not contain control characters"),
        ("parent_address", "The parent&#39;s address must not contain control characters"),
        ("date_of_birth-day", "Date of birth must be a real date"),
    ):
        assert f'<a href="#{anchor}">{message}' in response.text, anchor
    assert people_of(session, open_case)["child_name"] is None
    # An address keeps its lines (a browser sends them with CRLF).
    good = {**FILLED, "parent_address": "12 Example Road\r\nExampletown", "version": version}
    saved = officer.submit(f"/cases/{open_case}/details", good, follow_redirects=False)
    assert saved.status_code == 303, saved.text[:800]
    assert people_of(session, open_case)["parent_address"] == "12 Example Road\nExampletown"


def test_a_stale_form_is_refused_without_waiting_for_the_writer_holding_the_case(
    browser: Make, people: People, open_case: str, engine: Engine, session: Session, clock: Clock
) -> None:
    officer = browser(people.officer)
    _, version = open_form(officer, open_case)
    service.update_case(
        projections=projections(),
        session=session,
        case_ref=open_case,
        details={"setting": "Changed meanwhile"},
        actor="someone else",
        clock=clock,
    )
    with new_session(engine) as writer:
        writer.exec(select(Case).where(Case.reference == open_case).with_for_update()).one()
        answered = ThreadPoolExecutor(1).submit(
            officer.submit, f"/cases/{open_case}/details", {**FILLED, "version": version}
        )
        response = answered.result(timeout=10)  # the writer holds on for 30 s otherwise
        writer.rollback()
    assert response.status_code == 409
    assert "Someone else changed this case" in response.text
