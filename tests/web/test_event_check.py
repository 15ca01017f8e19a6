"""Check your answers: the event form posts to a check step that shows the answers and
what the event will do, and saves nothing; its button posts the answers to the save.

The known case (tests.web.test_cases.requested_case): a request received on Thu
1 October 2026. A decision to assess on Mon 2 November meets the reg 5(1) decision, due
Thu 12 November, on time, and starts reg 10(1), 16 weeks from the request (Thu
21 January 2027), and reg 13(2), 20 weeks (Thu 18 February 2027).
"""

from __future__ import annotations

import html
import re

import pytest
from sqlmodel import Session

from letters import service as letter_service
from tests.web.conftest import Browser, People
from tests.web.test_cases import (
    Clock,
    Make,
    date_parts,
    events_of,
    form_page,
    requested_case,
    version_of,
)
from tests.wiring import projections
from workflow import service

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def hidden_fields(page: str) -> dict[str, str]:
    """The answers a check page posts on (and the CSRF token and version)."""
    return {name: html.unescape(value) for name, value in HIDDEN.findall(page)}


def check(client: Browser, ref: str, answers: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.submit(f"/cases/{ref}/events/check", answers)


def decision(version: str, **extra: str) -> dict[str, str]:
    return {
        "type": "decision_to_assess",
        "version": version,
        **date_parts("2", "11", "2026"),
        "note": "Panel met\nwith the school",
        **extra,
    }


def test_the_check_page_shows_the_answers_and_what_the_event_will_do(
    browser: Make, people: People, session: Session, clock: Clock
) -> None:
    ref = requested_case(session, clock)
    client = browser(people.officer)
    version = form_page(client, ref, "decision_to_assess")
    form = client.page(f"/cases/{ref}/events/new?type=decision_to_assess")
    assert f'action="/cases/{ref}/events/check"' in form
    letters_before = len(letter_service.list_letters(session=session, case_ref=ref))

    response = check(client, ref, decision(version))

    assert response.status_code == 200, response.text[:800]
    page = response.text
    assert "<title>Check your answers – case WEB002" in page
    assert '<h1 class="govuk-heading-l">Check your answers before recording the event</h1>' in page
    assert re.search(r"Event</dt>\s*<dd[^>]*>Decision to assess</dd>", page)
    assert re.search(r"Date the event happened</dt>\s*<dd[^>]*>2 November 2026</dd>", page)
    assert "Panel met<br>with the school" in page
    assert "The case will move from requested to <strong>assessing</strong>" in page
    # The deadlines it starts, with their GOV.UK due dates, and the one it meets.
    starts = page.split("Deadlines it starts", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)</th>', starts)
    assert rows == ["Decision not to issue", "Final plan"]
    assert "21 January 2027" in starts and "18 February 2027" in starts
    assert "SEND Regulations 2014 reg 13(2)" in starts and "The council" in starts
    assert "Decision to assess, due 12 November 2026: met on time" in page
    assert "A letter to the parent or carer: “We will carry out an EHC needs assessment”" in page
    assert "It waits for" not in page  # the family's details are in
    # Nothing is saved until the officer confirms.
    assert version_of(session, ref) == int(version)
    assert len(events_of(session, ref)) == 1
    assert len(letter_service.list_letters(session=session, case_ref=ref)) == letters_before

    confirmed = client.submit(f"/cases/{ref}/events", hidden_fields(page), follow_redirects=False)
    assert confirmed.status_code == 303, confirmed.text[:800]
    assert "Decision to assess recorded on 2 November 2026" in client.page(
        confirmed.headers["location"]
    )
    recorded = events_of(session, ref)[-1]
    assert (recorded.type, recorded.note) == ("decision_to_assess", "Panel met\nwith the school")
    assert version_of(session, ref) == int(version) + 1


def test_a_change_button_goes_back_to_the_form_with_the_answers_kept(
    browser: Make, people: People, session: Session, clock: Clock
) -> None:
    ref = requested_case(session, clock)
    client = browser(people.officer)
    version = form_page(client, ref, "decision_to_assess")
    page = check(client, ref, decision(version)).text
    assert f'formaction="/cases/{ref}/events/change#date-day">Change' in page
    assert f'formaction="/cases/{ref}/events/change#note">Change' in page
    assert '<span class="govuk-visually-hidden"> date the event happened</span>' in page

    back = client.submit(f"/cases/{ref}/events/change", hidden_fields(page))

    assert back.status_code == 200, back.text[:800]
    assert "govuk-error-summary" not in back.text
    assert 'name="date-day" type="text" inputmode="numeric" value="2"' in back.text
    assert 'name="date-year" type="text" inputmode="numeric" value="2026"' in back.text
    assert ">Panel met\nwith the school</textarea>" in back.text
    assert f'name="version" value="{version}"' in back.text
    assert f'action="/cases/{ref}/events/check"' in back.text
    # The Event row's Change goes to step 1 with the event chosen.
    assert f'href="/cases/{ref}/events/new?chosen=decision_to_assess">Change' in page
    step_one = client.page(f"/cases/{ref}/events/new?chosen=decision_to_assess")
    assert 'value="decision_to_assess" checked>' in step_one
    assert version_of(session, ref) == int(version)


def test_the_check_page_names_the_adviser_and_the_details_a_letter_waits_for(
    browser: Make, people: People, session: Session, open_case: str
) -> None:
    """Psychological advice asked on Tue 10 November 2026 is due 6 weeks later (reg 8(1))."""
    client = browser(people.officer)
    version = form_page(client, open_case, "advice_requested")
    response = check(
        client,
        open_case,
        {
            "type": "advice_requested",
            "version": version,
            "advice": "psychological",
            **date_parts("10", "11", "2026"),
        },
    )
    assert response.status_code == 200, response.text[:800]
    page = response.text
    assert re.search(r"Kind of advice</dt>\s*<dd[^>]*>Psychological</dd>", page)
    assert re.search(r"Reference</dt>\s*<dd[^>]*>Not given</dd>", page)
    assert "The case stays assessing." in page
    assert "Psychological advice" in page and "22 December 2026" in page
    assert "The adviser" in page
    assert (
        "A letter to the psychological adviser: “Request for advice for an EHC needs assessment”"
        in page
    )
    assert "It waits for: child name, date of birth" in page


def test_the_check_page_shows_the_appeal_window_a_decision_opens(
    browser: Make, people: People, session: Session, clock: Clock
) -> None:
    """HESC r.20(1)(c): 2 months from Mon 2 November 2026 is Sat 2 January 2027, not a
    working day, so the window closes on Mon 4 January."""
    ref = requested_case(session, clock)
    client = browser(people.officer)
    version = form_page(client, ref, "decision_not_to_assess")
    response = check(
        client,
        ref,
        {"type": "decision_not_to_assess", "version": version, **date_parts("2", "11", "2026")},
    )
    assert response.status_code == 200, response.text[:800]
    page = " ".join(response.text.split())
    assert "Appeal to the tribunal: opens on 2 November 2026 and closes on 4 January 2027" in page
    assert "It waits for: reasons" in page  # the officer writes the reasons into the letter
    assert "Deadlines it starts" not in page


def test_a_form_error_returns_to_the_form_as_before(
    browser: Make, people: People, session: Session, open_case: str
) -> None:
    client = browser(people.officer)
    version = form_page(client, open_case, "mediation_requested")
    response = check(
        client,
        open_case,
        {"type": "mediation_requested", "version": version, **date_parts("31", "2", "2026")},
    )
    assert response.status_code == 400
    assert "<title>Error: " in response.text
    assert 'href="#date-day">Date the event happened must be a real date' in response.text
    assert 'name="date-day" type="text" inputmode="numeric" value="31"' in response.text
    assert version_of(session, open_case) == int(version)


def test_an_event_the_law_refuses_returns_to_the_form_with_the_reason(
    browser: Make, people: People, session: Session, open_case: str
) -> None:
    client = browser(people.officer)
    version = form_page(client, open_case, "advice_received")
    response = check(
        client,
        open_case,
        {
            "type": "advice_received",
            "version": version,
            "advice": "health",
            **date_parts("10", "10", "2026"),
        },
    )
    assert response.status_code == 400
    assert "there is no unanswered request for health advice" in response.text
    assert 'href="#event">' in response.text
    assert 'name="advice"' in response.text  # the form, with its fields
    assert version_of(session, open_case) == int(version)


def _someone_else_records(session: Session, clock: Clock, ref: str) -> None:
    service.record_event(
        projections=projections(),
        session=session,
        case_ref=ref,
        event={"type": "advice_requested", "date": "2026-10-06", "advice": "health"},
        actor="someone.else",
        clock=clock,
    )


def test_a_stale_form_at_the_check_step_is_a_conflict(
    browser: Make, people: People, session: Session, clock: Clock, open_case: str
) -> None:
    client = browser(people.officer)
    version = form_page(client, open_case, "mediation_requested")
    _someone_else_records(session, clock, open_case)
    response = check(
        client,
        open_case,
        {"type": "mediation_requested", "version": version, **date_parts("7", "10", "2026")},
    )
    assert response.status_code == 409
    assert "Someone else changed this case" in response.text
    assert f'href="/cases/{open_case}">Look at the case again' in response.text


def test_a_case_changed_while_the_answers_were_checked_is_not_saved(
    browser: Make, people: People, session: Session, clock: Clock, open_case: str
) -> None:
    client = browser(people.officer)
    version = form_page(client, open_case, "mediation_requested")
    page = check(
        client,
        open_case,
        {"type": "mediation_requested", "version": version, **date_parts("7", "10", "2026")},
    ).text
    _someone_else_records(session, clock, open_case)
    stored = len(events_of(session, open_case))
    response = client.submit(f"/cases/{open_case}/events", hidden_fields(page))
    assert response.status_code == 409
    assert "Someone else changed this case" in response.text
    assert len(events_of(session, open_case)) == stored


def test_checking_needs_the_form_token(
    browser: Make, people: People, session: Session, open_case: str
) -> None:
    client = browser(people.officer)
    version = form_page(client, open_case, "mediation_requested")
    answers = {"type": "mediation_requested", "version": version, **date_parts("7", "10", "2026")}
    for step in ("check", "change"):
        response = client.post(f"/cases/{open_case}/events/{step}", data=answers)
        assert response.status_code == 403, step
    assert version_of(session, open_case) == int(version)


@pytest.mark.parametrize(
    ("who", "status"),
    [("manager", 200), ("other_officer", 404), ("viewer", 403), ("admin", 403)],
)
def test_the_check_step_is_for_those_who_record_events(
    browser: Make, people: People, session: Session, open_case: str, who: str, status: int
) -> None:
    client = browser(getattr(people, who))
    client.page("/users" if who == "admin" else "/scorecard" if who == "viewer" else "/")
    answers = {
        "type": "mediation_requested",
        "version": str(version_of(session, open_case)),
        **date_parts("7", "10", "2026"),
    }
    for step in ("check", "change"):
        response = client.submit(f"/cases/{open_case}/events/{step}", answers)
        assert response.status_code == status, (step, response.text[:300])
