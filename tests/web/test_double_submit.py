"""A form posted twice (a double click, or back and submit again) records the event once
and tells the officer it is already recorded, not that someone else changed the case.

The form carries when it was opened; a post at an older version of the case is a repeat
when the case's effective history holds the same event (type, date, fields, note)
recorded by the same officer since then. Anything else at an older version stays a 409.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pytest import MonkeyPatch
from sqlmodel import Session

from tests.conftest import NOW
from tests.web.conftest import Browser, People
from tests.web.test_cases import (
    Clock,
    Make,
    date_parts,
    events_of,
    requested_case,
    version_of,
)
from tests.web.test_event_check import check, hidden_fields
from tests.wiring import projections
from web.pages import case_events
from workflow import service
from workflow.errors import ConcurrentUpdate

ALREADY = "You have already recorded this event"


def _checked(client: Browser, ref: str, event_type: str, **answers: str) -> dict[str, str]:
    """The hidden answers of the check page of a freshly opened form."""
    form = hidden_fields(client.page(f"/cases/{ref}/events/new?type={event_type}"))
    page = check(client, ref, {**form, **answers})
    assert page.status_code == 200, page.text[:800]
    return hidden_fields(page.text)


def test_saving_the_check_page_twice_records_the_event_once(
    browser: Make, people: People, session: Session, open_case: str
) -> None:
    client = browser(people.officer)
    answers = _checked(
        client, open_case, "advice_requested", advice="health", **date_parts("6", "10", "2026")
    )
    assert answers["opened"]  # carried from the form through the check page
    before = len(events_of(session, open_case))

    first = client.submit(f"/cases/{open_case}/events", answers, follow_redirects=False)
    again = client.submit(f"/cases/{open_case}/events", answers, follow_redirects=False)

    assert first.status_code == 303
    assert again.status_code == 200, again.text[:800]
    assert ALREADY in again.text
    assert "Advice requested on 6 October 2026" in again.text
    assert f'href="/cases/{open_case}">Go to case {open_case}</a>' in again.text
    assert "Someone else changed this case" not in again.text
    assert len(events_of(session, open_case)) == before + 1


def test_a_repeat_of_an_event_that_moved_the_case_on_is_already_recorded(
    browser: Make, people: People, session: Session, clock: Clock
) -> None:
    """The second post names an event the case no longer takes (it took it)."""
    ref = requested_case(session, clock)
    client = browser(people.officer)
    answers = _checked(client, ref, "decision_to_assess", **date_parts("2", "11", "2026"))
    assert client.submit(f"/cases/{ref}/events", answers, follow_redirects=False).status_code == 303
    before = len(events_of(session, ref))

    saved_again = client.submit(f"/cases/{ref}/events", answers, follow_redirects=False)
    checked_again = check(client, ref, answers)  # back to the form, Continue again

    for response in (saved_again, checked_again):
        assert response.status_code == 200, response.text[:800]
        assert ALREADY in response.text
        assert "Decision to assess on 2 November 2026" in response.text
    assert len(events_of(session, ref)) == before


def test_a_different_event_by_the_same_officer_is_still_a_conflict(
    browser: Make, people: People, session: Session, open_case: str
) -> None:
    client = browser(people.officer)
    answers = _checked(
        client, open_case, "advice_requested", advice="health", **date_parts("6", "10", "2026")
    )
    assert (
        client.submit(f"/cases/{open_case}/events", answers, follow_redirects=False).status_code
        == 303
    )
    before = len(events_of(session, open_case))

    for changed in ({"advice": "educational"}, {"date-day": "7"}, {"note": "Chased"}):
        response = client.submit(f"/cases/{open_case}/events", {**answers, **changed})
        assert response.status_code == 409, changed
        assert "Someone else changed this case" in response.text
        assert ALREADY not in response.text
    assert len(events_of(session, open_case)) == before


def test_the_same_event_by_someone_else_is_a_conflict(
    browser: Make, people: People, session: Session, clock: Clock, open_case: str
) -> None:
    client = browser(people.officer)
    answers = _checked(
        client, open_case, "advice_requested", advice="health", **date_parts("6", "10", "2026")
    )
    service.record_event(
        projections=projections(),
        session=session,
        case_ref=open_case,
        event={"type": "advice_requested", "date": "2026-10-06", "advice": "health"},
        actor="someone.else@example.org",
        clock=clock,
    )
    response = client.submit(f"/cases/{open_case}/events", answers, follow_redirects=False)
    assert response.status_code == 409
    assert "Someone else changed this case" in response.text


def test_the_same_event_recorded_before_the_form_was_opened_is_a_conflict(
    browser: Make, people: People, session: Session, open_case: str
) -> None:
    """Recorded by the same officer, but not by this form: it was there before."""
    client = browser(people.officer)
    answers = _checked(
        client, open_case, "advice_requested", advice="health", **date_parts("6", "10", "2026")
    )
    service.record_event(
        projections=projections(),
        session=session,
        case_ref=open_case,
        event={"type": "advice_requested", "date": "2026-10-06", "advice": "health"},
        actor=people.officer,
        clock=lambda: NOW - timedelta(hours=1),
    )
    response = client.submit(f"/cases/{open_case}/events", answers, follow_redirects=False)
    assert response.status_code == 409
    assert ALREADY not in response.text


def test_a_form_without_its_opening_time_is_a_conflict_not_a_guess(
    browser: Make, people: People, session: Session, open_case: str
) -> None:
    client = browser(people.officer)
    answers = _checked(
        client, open_case, "advice_requested", advice="health", **date_parts("6", "10", "2026")
    )
    assert (
        client.submit(f"/cases/{open_case}/events", answers, follow_redirects=False).status_code
        == 303
    )
    for opened in ("", "yesterday", "2026-11-20T12:00:00"):  # none, garbled, no timezone
        response = client.submit(f"/cases/{open_case}/events", {**answers, "opened": opened})
        assert response.status_code == 409, opened
    assert version_of(session, open_case) == int(answers["version"]) + 1


def test_a_post_that_loses_the_race_to_its_own_twin_is_already_recorded(
    browser: Make, people: People, session: Session, open_case: str, monkeypatch: MonkeyPatch
) -> None:
    """Both clicks read the same version; the first saves while the second waits for the
    lock, then the second's save finds the case moved on (the service's ConcurrentUpdate):
    it is told the event is recorded, not that someone else changed the case."""
    client = browser(people.officer)
    answers = _checked(
        client, open_case, "advice_requested", advice="health", **date_parts("6", "10", "2026")
    )
    before = len(events_of(session, open_case))
    real = service.record_event

    def first_click_wins(**kw: Any) -> Any:
        real(**kw)  # the twin, saved first
        raise ConcurrentUpdate(kw["case_ref"])

    monkeypatch.setattr(case_events.service, "record_event", first_click_wins)
    response = client.submit(f"/cases/{open_case}/events", answers, follow_redirects=False)
    assert response.status_code == 200, response.text[:800]
    assert ALREADY in response.text
    assert len(events_of(session, open_case)) == before + 1
