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


# -- the reasons given when the decision is recorded -------------------------------------


@pytest.fixture
def requested_case(session: Session, clock: Callable[[], datetime]) -> str:
    ref = "WEB778"
    service.record_event(
        projections=projections(),
        session=session,
        case_ref=ref,
        event={"type": "request_received", "date": "2026-09-01", "source": "parent"},
        actor="test",
        clock=clock,
        case_fields={"team": TEAM, "officer": OFFICER_NAME},
    )
    service.update_case(
        projections=projections(),
        session=session,
        case_ref=ref,
        details={
            "child_name": "Sam Sample",
            "date_of_birth": "2015-03-14",
            "parent_name": "Jo Sample",
            "parent_address": "12 Example Road, Exampletown, EX1 2AB",
        },
        actor="test",
        clock=clock,
    )
    return ref


DECISION = {
    "type": "decision_not_to_assess",
    "date-day": "5",
    "date-month": "10",
    "date-year": "2026",
    "note": "Recorded late: I was off sick on Friday.",
}


def test_reasons_given_with_the_decision_make_its_letter_and_the_note_stays_internal(
    browser: Make, people: People, requested_case: str, session: Session
) -> None:
    ref = requested_case
    officer = browser(people.officer)
    form = officer.page(f"/cases/{ref}/events/new?type=decision_not_to_assess")
    assert "Reasons for the decision (sent to the family)" in form
    assert "The note stays in the case file; it is never sent" in form
    version = VERSION.search(form).group(1)  # type: ignore[union-attr]
    opened = re.search(r'name="opened" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    answers = {**DECISION, "version": version, "opened": opened, "letter_reasons": REASONS}
    check = officer.submit(f"/cases/{ref}/events/check", answers)
    assert check.status_code == 200, check.text[:1500]
    assert "SENCo set out" in check.text
    assert 'name="letter_reasons"' in check.text  # posted on to the save
    saved = officer.submit(f"/cases/{ref}/events", answers, follow_redirects=False)
    assert saved.status_code == 303, saved.text[:1500]
    letter = _letters(session, ref)["decision_not_to_assess"]
    assert letter.status == READY  # type: ignore[attr-defined]
    html = letter_service.get_letter(session=session, letter_id=letter.id).html  # type: ignore[attr-defined]
    assert html is not None and "SENCo set out" in html and "off sick" not in html
    # Made on 20 November for a decision of 5 October: dated the day it is made, and the
    # appeal date is 2 months from that (HESC r.20), not from the decision.
    assert letter.letter_date.isoformat() == "2026-11-20"  # type: ignore[attr-defined]
    assert "Wednesday 20 January 2027" in html and "December 2026" not in html
    page = officer.page(saved.headers["location"]).replace("&#39;", "'")
    assert (
        "This letter is dated 20 November 2026, 46 days after the decision on 5 October "
        "2026: the appeal date in it is counted from the letter's date." in page
    )


def test_without_reasons_the_letter_waits_and_the_form_for_other_events_has_none(
    browser: Make, people: People, requested_case: str, session: Session
) -> None:
    ref = requested_case
    officer = browser(people.officer)
    assert "Reasons for the decision" not in officer.page(
        f"/cases/{ref}/events/new?type=decision_to_assess"
    )
    form = officer.page(f"/cases/{ref}/events/new?type=decision_not_to_assess")
    version = VERSION.search(form).group(1)  # type: ignore[union-attr]
    saved = officer.submit(
        f"/cases/{ref}/events", {**DECISION, "version": version}, follow_redirects=False
    )
    assert saved.status_code == 303
    letter = _letters(session, ref)["decision_not_to_assess"]
    assert letter.status == AWAITING and letter.missing == ["reasons"]  # type: ignore[attr-defined]
    page = officer.page(f"/cases/{ref}").replace("&#39;", "'")
    assert "Needs: the reasons for the decision" in page and "Complete this letter" in page


def test_api_records_the_reasons_with_the_decision(
    api: Callable[[str | None], object], people: People, requested_case: str, session: Session
) -> None:
    client = api(people.officer)
    sent = {
        "type": "decision_not_to_assess",
        "date": "2026-10-05",
        "note": "Internal only",
        "expected_version": 2,
        "letter_details": {"reasons": REASONS},
    }
    response = client.post(f"/api/cases/{requested_case}/events", json=sent)  # type: ignore[attr-defined]
    assert response.status_code == 201, response.text
    letter = _letters(session, requested_case)["decision_not_to_assess"]
    assert letter.status == READY  # type: ignore[attr-defined]
    html = letter_service.get_letter(session=session, letter_id=letter.id).html  # type: ignore[attr-defined]
    assert html is not None and "SENCo" in html and "Internal only" not in html
    bad = {**sent, "expected_version": 3, "letter_details": {"reason": "typo"}}
    assert client.post(f"/api/cases/{requested_case}/events", json=bad).status_code == 422  # type: ignore[attr-defined]


# -- the waiting-letters page ------------------------------------------------------------


def test_waiting_letters_page_lists_the_teams_waiting_letters(
    browser: Make, people: People, refused_case: str, south_case: str
) -> None:
    officer = browser(people.officer)
    assert 'href="/letters/waiting"' in officer.page("/")
    mine = officer.page("/letters/waiting").replace("&#39;", "'")
    assert "Letters waiting for details" in mine
    assert refused_case in mine and south_case not in mine  # own team only
    assert "2 letters</strong> waiting on 1 case" in mine
    assert "the reasons for the decision" in mine
    assert f"/cases/{refused_case}/letters/" in mine and "/complete" in mine
    manager = browser(people.manager)
    every = manager.page("/letters/waiting")
    assert refused_case in every and south_case in every
    south = manager.page("/letters/waiting?team=South")
    assert south_case in south and refused_case not in south
    assert browser(people.viewer).get("/letters/waiting").status_code == 403


# -- letters in the case timeline --------------------------------------------------------


def test_letters_are_in_the_timeline_with_their_status_and_downloads(
    browser: Make, people: People, refused_case: str, session: Session
) -> None:
    ref = refused_case
    letters = _letters(session, ref)
    officer = browser(people.officer)
    page = officer.page(f"/cases/{ref}")
    timeline = page.split('id="timeline"', 1)[1].split('id="corrections"', 1)[0]
    assert 'class="moj-timeline"' in timeline
    refusal = letters["decision_not_to_assess"]
    # Newest first: the refusal's letter (waiting), its event, then the acknowledgement.
    order = [
        timeline.index("Letter: We have decided not to carry out"),
        timeline.index("Decision not to assess"),
        timeline.index("Letter: We have received the request"),
        timeline.index("Request for an assessment received"),
    ]
    assert order == sorted(order), order
    assert f"/cases/{ref}/letters/{refusal.id}/complete" in timeline  # type: ignore[attr-defined]
    assert "Awaiting details" in timeline and ".pdf" not in timeline
    form = officer.page(f"/cases/{ref}/letters/{refusal.id}/complete")  # type: ignore[attr-defined]
    version = VERSION.search(form).group(1)  # type: ignore[union-attr]
    made = officer.submit(
        f"/cases/{ref}/letters/{refusal.id}/make",  # type: ignore[attr-defined]
        {**PEOPLE, "reasons": REASONS, "version": version},
        follow_redirects=False,
    )
    assert made.status_code == 303
    timeline = officer.page(f"/cases/{ref}").split('id="timeline"', 1)[1]
    assert f"/cases/{ref}/letters/{refusal.id}.pdf" in timeline  # type: ignore[attr-defined]
    assert "Dated <time" in timeline and "Ready" in timeline
    pdf = officer.get(f"/cases/{ref}/letters/{refusal.id}.pdf")  # type: ignore[attr-defined]
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_api_refuses_reasons_for_an_event_whose_letter_gives_none(
    api: Callable[[str | None], object], people: People, requested_case: str, session: Session
) -> None:
    client = api(people.officer)
    sent = {
        "type": "decision_to_assess",
        "date": "2026-10-05",
        "expected_version": 2,
        "letter_details": {"reasons": REASONS},
    }
    response = client.post(f"/api/cases/{requested_case}/events", json=sent)  # type: ignore[attr-defined]
    assert response.status_code in (400, 422), response.text
    assert "makes no letter that takes it" in response.text
    assert "decision_to_assess" not in _letters(session, requested_case)
