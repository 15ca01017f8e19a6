"""Completing a waiting letter in the browser: every missing detail at once, a preview,
then the letter (and every other letter waiting for the same details) is made."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import pytest
from sqlmodel import Session

from letters import service as letter_service
from letters.models import AWAITING, READY
from tests.web.conftest import OFFICER_NAME, TEAM, Browser, People
from tests.wiring import projections
from workflow import service

Make = Callable[[str | None], Browser]
VERSION = re.compile(r'name="version" value="(\d+)"')
REASONS = "The school can meet Sam's needs from its own resources, as its SENCo set out."
PEOPLE = {
    "child_name": "Sam Sample",
    "date_of_birth-day": "14",
    "date_of_birth-month": "3",
    "date_of_birth-year": "2015",
    "parent_name": "Jo Sample",
    "parent_address": "12 Example Road\nExampletown\nEX1 2AB",
    "young_person_address": "",
}


@pytest.fixture
def refused_case(session: Session, clock: Callable[[], datetime]) -> str:
    """A case whose request was refused: two letters wait (the acknowledgement for the
    people details; the refusal for them and its reasons)."""
    ref = "WEB777"
    for event in (
        {"type": "request_received", "date": "2026-09-01", "source": "parent"},
        {"type": "decision_not_to_assess", "date": "2026-10-05", "note": "Internal: panel"},
    ):
        service.record_event(
            projections=projections(),
            session=session,
            case_ref=ref,
            event=event,
            actor="test",
            clock=clock,
            case_fields={"team": TEAM, "officer": OFFICER_NAME},
        )
    return ref


def _letters(session: Session, ref: str) -> dict[str, object]:
    session.expire_all()
    return {x.type: x for x in letter_service.list_letters(session=session, case_ref=ref)}


def test_officer_completes_a_waiting_letter_with_every_detail_at_once(
    browser: Make, people: People, refused_case: str, session: Session
) -> None:
    ref = refused_case
    letters = _letters(session, ref)
    refusal = letters["decision_not_to_assess"]
    assert refusal.status == AWAITING  # type: ignore[attr-defined]
    officer = browser(people.officer)
    case_page = officer.page(f"/cases/{ref}")
    link = f"/cases/{ref}/letters/{refusal.id}/complete"  # type: ignore[attr-defined]
    assert f'href="{link}"' in case_page and "Complete this letter" in case_page
    assert "Needs: the child&#39;s name" in case_page or "Needs: the child's name" in case_page

    form = officer.page(link)
    # Everything at once: the reasons, the child, and both possible addressees.
    for field in (
        "reasons",
        "child_name",
        "date_of_birth-day",
        "parent_name",
        "parent_address",
        "young_person_address",
    ):
        assert f'name="{field}"' in form, field
    assert "This is sent to the family" in form
    version = VERSION.search(form).group(1)  # type: ignore[union-attr]

    empty = officer.submit(f"/cases/{ref}/letters/{refusal.id}/check", {"version": version})  # type: ignore[attr-defined]
    assert empty.status_code == 400
    for message in ("Enter the reasons for the decision", "Enter the child"):
        assert message in empty.text.replace("&#39;", "'"), message

    answers = {**PEOPLE, "reasons": REASONS, "version": version}
    check = officer.submit(f"/cases/{ref}/letters/{refusal.id}/check", answers)  # type: ignore[attr-defined]
    assert check.status_code == 200, check.text[:2000]
    assert "Check the letter before it is made" in check.text
    assert "Sam&#39;s needs" in check.text or "Sam's needs" in check.text
    assert "Jo Sample" in check.text and "Internal: panel" not in check.text
    assert _letters(session, ref)["decision_not_to_assess"].status == AWAITING  # type: ignore[attr-defined]

    made = officer.submit(
        f"/cases/{ref}/letters/{refusal.id}/make",
        answers,
        follow_redirects=False,  # type: ignore[attr-defined]
    )
    assert made.status_code == 303, made.text[:1000]
    letters = _letters(session, ref)
    assert {k: v.status for k, v in letters.items()} == {  # type: ignore[attr-defined]
        "acknowledgement_of_request": READY,
        "decision_not_to_assess": READY,
    }
    html = letter_service.get_letter(session=session, letter_id=refusal.id).html  # type: ignore[attr-defined]
    assert html is not None and "SENCo" in html and "Internal: panel" not in html
    page = officer.page(made.headers["location"])
    text = page.replace("&#39;", "'")
    assert "Letters made:" in text
    assert "We have received the request" in text and "decided not to carry out" in text
    assert "No letter is waiting for details." in text


def test_a_stale_form_saves_nothing(
    browser: Make,
    people: People,
    refused_case: str,
    session: Session,
    clock: Callable[[], datetime],
) -> None:
    ref = refused_case
    refusal = _letters(session, ref)["decision_not_to_assess"]
    officer = browser(people.officer)
    form = officer.page(f"/cases/{ref}/letters/{refusal.id}/complete")  # type: ignore[attr-defined]
    version = VERSION.search(form).group(1)  # type: ignore[union-attr]
    service.update_case(
        projections=projections(),
        session=session,
        case_ref=ref,
        details={"setting": "Oakfield"},
        actor="test",
        clock=clock,
    )
    answers = {**PEOPLE, "reasons": REASONS, "version": version}
    response = officer.submit(f"/cases/{ref}/letters/{refusal.id}/make", answers)  # type: ignore[attr-defined]
    assert response.status_code == 409
    assert _letters(session, ref)["decision_not_to_assess"].status == AWAITING  # type: ignore[attr-defined]


def test_details_page_banner_says_which_letters_still_wait(
    browser: Make, people: People, refused_case: str, session: Session
) -> None:
    """People details alone make the acknowledgement; the refusal still waits for its
    reasons, and the banner says so rather than that every letter was made."""
    ref = refused_case
    officer = browser(people.officer)
    form = officer.page(f"/cases/{ref}/details")
    version = VERSION.search(form).group(1)  # type: ignore[union-attr]
    data = {**PEOPLE, "communication": "post", "version": version}
    response = officer.submit(f"/cases/{ref}/details", data)
    assert response.status_code == 200
    text = response.text.replace("&#39;", "'")
    assert "Letters made: “We have received the request" in text
    assert (
        "Still waiting: “We have decided not to carry out an EHC needs assessment” "
        "needs the reasons for the decision." in text
    )
    assert "made with them" not in text
