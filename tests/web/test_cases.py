"""The case page, recording an event, opening a case, moving a case and letter downloads."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from letters import service as letter_service
from tests.web.conftest import OFFICER_NAME, TEAM, Browser, People
from tests.wiring import projections
from workflow import service
from workflow.db import new_session
from workflow.law.machine import accepts
from workflow.models import Case, StoredEvent

Make = Callable[[str | None], Browser]
Clock = Callable[[], datetime]

PEOPLE = {
    "child_name": "Sam Sample",
    "date_of_birth": "2015-03-14",
    "setting": "Oakfield Primary School",
    "parent_name": "Jo Sample",
    "parent_address": "12 Example Road, Exampletown, EX1 2AB",
}
VERSION = re.compile(r'name="version" value="(\d+)"')
RADIO = re.compile(r'name="type" type="radio" value="([a-z_]+)"')


def requested_case(session: Session, clock: Clock, ref: str = "WEB002", team: str = TEAM) -> str:
    """A case with a request only, and the family's details, so its letters are made."""
    service.update_case(
        projections=projections(),
        session=session,
        case_ref=ref,
        details=PEOPLE,
        actor="test",
        clock=clock,
    )
    service.record_event(
        projections=projections(),
        session=session,
        case_ref=ref,
        event={"type": "request_received", "date": "2026-10-01", "source": "parent"},
        actor="test",
        clock=clock,
        case_fields={"team": team, "officer": OFFICER_NAME},
    )
    return ref


def version_of(session: Session, ref: str) -> int:
    case = session.exec(select(Case).where(Case.reference == ref)).one()
    session.refresh(case)
    session.commit()
    return case.version


def events_of(session: Session, ref: str) -> list[StoredEvent]:
    case = session.exec(select(Case).where(Case.reference == ref)).one()
    rows = list(session.exec(select(StoredEvent).where(StoredEvent.case_id == case.id)))
    session.commit()
    return rows


def form_page(client: Browser, ref: str, event_type: str) -> str:
    html = client.page(f"/cases/{ref}/events/new?type={event_type}")
    found = VERSION.search(html)
    assert found
    return found.group(1)


def date_parts(day: str, month: str, year: str, name: str = "date") -> dict[str, str]:
    return {f"{name}-day": day, f"{name}-month": month, f"{name}-year": year}


# -- who sees a case --------------------------------------------------------------------


def test_officer_sees_their_team_case_with_summary_deadlines_and_timeline(
    browser: Make, people: People, open_case: str
) -> None:
    html = browser(people.officer).page(f"/cases/{open_case}")
    assert f'<h1 class="govuk-heading-l">{open_case}</h1>' in html
    for text in ("Assessing", TEAM, OFFICER_NAME, "Statutory deadlines as of 20 November 2026"):
        assert text in html
    # Deadlines with their status: the decision to assess was met; the plan is pending.
    assert "Decision to assess" in html and ">Met</strong>" in html
    assert "Final plan" in html and ">Pending</strong>" in html
    assert "19 January 2027" in html  # 20 weeks from 1 September 2026
    # Timeline: newest first, who recorded it, marked as recorded after the day.
    timeline = html[html.index('id="timeline"') :]
    assert timeline.index("5 October 2026") < timeline.index("1 September 2026")
    assert "Recorded by test on 20 November 2026" in html
    assert "Recorded later" in html
    assert "Date of birth" not in html


def test_an_officer_of_another_team_gets_not_found_like_a_missing_case(
    browser: Make, people: People, open_case: str
) -> None:
    client = browser(people.other_officer)
    other = client.get(f"/cases/{open_case}")
    missing = client.get("/cases/NOPE404")
    assert other.status_code == missing.status_code == 404
    assert open_case not in other.text
    assert client.get(f"/cases/{open_case}/events/new").status_code == 404


def test_a_manager_sees_every_team_case(browser: Make, people: People, open_case: str) -> None:
    html = browser(people.manager).page(f"/cases/{open_case}")
    assert "Move this case" in html


@pytest.mark.parametrize("role", ["viewer", "admin"])
def test_viewers_and_admins_cannot_open_cases(
    browser: Make, people: People, open_case: str, role: str
) -> None:
    client = browser(getattr(people, role))
    for url in (f"/cases/{open_case}", f"/cases/{open_case}/events/new", "/cases/new"):
        assert client.get(url).status_code == 403, url


def test_signed_out_people_are_sent_to_sign_in(browser: Make, open_case: str) -> None:
    response = browser(None).get(f"/cases/{open_case}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/sign-in?next=/cases/{open_case}"


# -- recording an event -----------------------------------------------------------------


def test_the_first_step_offers_exactly_the_events_the_state_accepts(
    browser: Make, people: People, open_case: str
) -> None:
    html = browser(people.officer).page(f"/cases/{open_case}/events/new")
    offered = RADIO.findall(html)
    assert sorted(offered) == sorted(accepts("assessing")) and len(set(offered)) == len(offered)
    assert "Advice requested" in html


def test_an_event_the_state_does_not_take_is_not_offered(
    browser: Make, people: People, open_case: str
) -> None:
    client = browser(people.officer)
    response = client.get(f"/cases/{open_case}/events/new?type=final_plan_issued")
    assert response.status_code == 400
    assert 'href="#type">Select the event to record' in response.text


def test_recording_a_decision_to_assess_shows_its_deadlines_and_letter(
    browser: Make, people: People, session: Session, clock: Clock
) -> None:
    ref = requested_case(session, clock)
    client = browser(people.officer)
    before = client.page(f"/cases/{ref}")
    assert "We will carry out an EHC needs assessment" not in before
    assert "We have received the request" in before  # the acknowledgement
    version = form_page(client, ref, "decision_to_assess")
    assert "You can record an event that happened earlier" in client.page(
        f"/cases/{ref}/events/new?type=decision_to_assess"
    )
    response = client.submit(
        f"/cases/{ref}/events",
        {
            "type": "decision_to_assess",
            "version": version,
            **date_parts("2", "11", "2026"),
            "note": "Panel met",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:800]
    html = client.page(response.headers["location"])
    assert "Decision to assess recorded on 2 November 2026" in html
    assert "Assessing" in html
    assert "Final plan" in html  # the 20-week deadline the decision keeps running
    assert "Note: Panel met" in html
    assert "We will carry out an EHC needs assessment" in html  # the letter's row
    recorded = events_of(session, ref)[-1]
    assert recorded.type == "decision_to_assess" and recorded.recorded_by == people.officer
    letters = letter_service.list_letters(session=session, case_ref=ref)
    made = [x for x in letters if x.event_type == "decision_to_assess"]
    assert made and made[0].status == "ready"
    assert f"/cases/{ref}/letters/{made[0].id}.pdf" in html
    assert f"/cases/{ref}/letters/{made[0].id}.html" in html


@pytest.mark.parametrize(
    ("parts", "message", "anchor"),
    [
        (("", "", "2026"), "Date the event happened must include a day and month", "date-day"),
        (("3", "", "2026"), "Date the event happened must include a month", "date-month"),
        (("31", "2", "2026"), "Date the event happened must be a real date", "date-day"),
        (("1", "x", "2026"), "Date the event happened must be a real date", "date-month"),
        (("1", "2", "26"), "Year must include 4 numbers", "date-year"),
        (("21", "11", "2026"), "Date the event happened must be today or in the past", "date-day"),
        (("", "", ""), "Enter the date the event happened", "date-day"),
    ],
)
def test_a_bad_date_is_refused_with_an_error_summary(
    browser: Make,
    people: People,
    session: Session,
    open_case: str,
    parts: tuple[str, str, str],
    message: str,
    anchor: str,
) -> None:
    client = browser(people.officer)
    version = form_page(client, open_case, "mediation_requested")
    response = client.submit(
        f"/cases/{open_case}/events",
        {"type": "mediation_requested", "version": version, **date_parts(*parts)},
    )
    assert response.status_code == 400
    assert "<title>Error: " in response.text
    assert f'href="#{anchor}">{message}' in response.text
    assert "govuk-form-group--error" in response.text
    assert f'name="date-year" type="text" inputmode="numeric" value="{parts[2]}"' in response.text
    assert version_of(session, open_case) == int(version)


def test_a_missing_required_field_is_named_and_linked(
    browser: Make, people: People, session: Session, open_case: str
) -> None:
    client = browser(people.officer)
    version = form_page(client, open_case, "advice_requested")
    assert '<select class="govuk-select" id="advice" name="advice"' in client.page(
        f"/cases/{open_case}/events/new?type=advice_requested"
    )
    response = client.submit(
        f"/cases/{open_case}/events",
        {"type": "advice_requested", "version": version, **date_parts("10", "10", "2026")},
    )
    assert response.status_code == 400
    assert 'href="#advice">Select kind of advice' in response.text
    assert version_of(session, open_case) == int(version)


def test_an_event_the_history_refuses_is_explained(
    browser: Make, people: People, session: Session, open_case: str
) -> None:
    client = browser(people.officer)
    version = form_page(client, open_case, "advice_received")
    response = client.submit(
        f"/cases/{open_case}/events",
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
    assert version_of(session, open_case) == int(version)


def test_a_stale_form_is_refused_with_409_and_nothing_is_saved(
    browser: Make, people: People, session: Session, clock: Clock, open_case: str
) -> None:
    client = browser(people.officer)
    version = form_page(client, open_case, "mediation_requested")
    service.record_event(
        projections=projections(),  # someone else records first
        session=session,
        case_ref=open_case,
        event={"type": "advice_requested", "date": "2026-10-06", "advice": "health"},
        actor="someone.else",
        clock=clock,
    )
    before = len(events_of(session, open_case))
    response = client.submit(
        f"/cases/{open_case}/events",
        {"type": "mediation_requested", "version": version, **date_parts("7", "10", "2026")},
    )
    assert response.status_code == 409
    assert "Someone else changed this case" in response.text
    assert f'href="/cases/{open_case}">Look at the case again' in response.text
    assert len(events_of(session, open_case)) == before


def test_a_stale_form_is_refused_without_waiting_for_the_writer_holding_the_case(
    browser: Make, people: People, session: Session, clock: Clock, open_case: str, engine: Engine
) -> None:
    client = browser(people.officer)
    version = form_page(client, open_case, "mediation_requested")
    service.record_event(
        projections=projections(),  # someone else records first
        session=session,
        case_ref=open_case,
        event={"type": "advice_requested", "date": "2026-10-06", "advice": "health"},
        actor="someone.else",
        clock=clock,
    )
    stale = {"type": "mediation_requested", "version": version, **date_parts("7", "10", "2026")}
    with new_session(engine) as writer:
        writer.exec(select(Case).where(Case.reference == open_case).with_for_update()).one()
        answered = ThreadPoolExecutor(1).submit(client.submit, f"/cases/{open_case}/events", stale)
        response = answered.result(timeout=10)  # the writer holds on for 30 s otherwise
        writer.rollback()
    assert response.status_code == 409
    assert "Someone else changed this case" in response.text


def test_recording_without_the_form_token_is_refused(
    browser: Make, people: People, session: Session, open_case: str
) -> None:
    client = browser(people.officer)
    version = form_page(client, open_case, "mediation_requested")
    response = client.post(
        f"/cases/{open_case}/events",
        data={"type": "mediation_requested", "version": version, **date_parts("7", "10", "2026")},
    )
    assert response.status_code == 403
    assert version_of(session, open_case) == int(version)


def test_an_officer_cannot_record_on_another_team_case(
    browser: Make, people: People, session: Session, open_case: str
) -> None:
    client = browser(people.other_officer)
    client.page("/")
    version = version_of(session, open_case)
    response = client.submit(
        f"/cases/{open_case}/events",
        {"type": "mediation_requested", "version": str(version), **date_parts("7", "10", "2026")},
    )
    assert response.status_code == 404
    assert version_of(session, open_case) == version


# -- opening a case ---------------------------------------------------------------------


def test_an_officer_records_a_request_and_the_case_opens_in_their_team(
    browser: Make, people: People, session: Session
) -> None:
    client = browser(people.officer)
    html = client.page("/cases/new")
    assert 'name="team"' not in html  # the officer's own team, fixed
    response = client.submit(
        "/cases/new",
        {
            "reference": "NEW-001",
            "team": "South",  # ignored: an officer opens cases in their own team
            "officer": OFFICER_NAME,
            "source": "school",
            **date_parts("12", "11", "2026"),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:800]
    assert response.headers["location"] == "/cases/NEW-001?recorded=1"
    page = client.page(response.headers["location"])
    assert "Request for an assessment received recorded on 12 November 2026" in page
    assert "Decision to assess" in page and "Requested" in page
    case = session.exec(select(Case).where(Case.reference == "NEW-001")).one()
    assert (case.team, case.officer, case.state) == (TEAM, OFFICER_NAME, "requested")


def test_a_new_case_form_names_each_problem(browser: Make, people: People, open_case: str) -> None:
    client = browser(people.manager)
    client.page("/cases/new")
    response = client.submit("/cases/new", {"reference": "has space", **date_parts("", "", "")})
    assert response.status_code == 400
    for anchor, message in (
        ("reference", "Case reference must only include letters"),
        ("team", "Select the team"),
        ("date-day", "Enter the date the request was received"),
        ("source", "Select who made the request"),
    ):
        assert f'href="#{anchor}">{message}' in response.text
    taken = client.submit(
        "/cases/new",
        {
            "reference": open_case,
            "team": "East",
            "source": "parent",
            **date_parts("1", "11", "2026"),
        },
    )
    assert taken.status_code == 400
    assert f"There is already a case {open_case}" in taken.text


# -- moving a case ----------------------------------------------------------------------


def test_a_manager_moves_a_case_to_another_team(
    browser: Make, people: People, session: Session, open_case: str
) -> None:
    client = browser(people.manager)
    html = client.page(f"/cases/{open_case}")
    version = VERSION.search(html)
    assert version
    response = client.submit(
        f"/cases/{open_case}/reassign",
        {"team": "South", "officer": "South officer 1", "version": version.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "Case moved to the South team (South officer 1)" in client.page(
        response.headers["location"]
    )
    assert browser(people.officer).get(f"/cases/{open_case}").status_code == 404
    assert browser(people.other_officer).get(f"/cases/{open_case}").status_code == 200


def test_the_move_form_offers_the_council_s_teams_and_officers(
    browser: Make, people: People, open_case: str
) -> None:
    """Chosen from lists, not typed: the case's own team and officer chosen already."""
    html = browser(people.manager).page(f"/cases/{open_case}")
    form = html[html.index(f'action="/cases/{open_case}/reassign"') :]
    form = form[: form.index("</form>")]
    assert '<select class="govuk-select" id="team" name="team"' in form
    assert '<option value="South">South</option>' in form
    assert '<option value="North" selected>North</option>' in form
    assert '<select class="govuk-select" id="officer" name="officer"' in form
    assert "South officer 1 (South)" in form
    assert "<option" in form and "selected" in form.split('id="officer"')[1]


def test_moving_a_case_needs_a_manager_a_team_and_a_fresh_version(
    browser: Make, people: People, session: Session, clock: Clock, open_case: str
) -> None:
    officer = browser(people.officer)
    officer.page(f"/cases/{open_case}")
    version = str(version_of(session, open_case))
    refused = officer.submit(f"/cases/{open_case}/reassign", {"team": "South", "version": version})
    assert refused.status_code == 403

    manager = browser(people.manager)
    manager.page(f"/cases/{open_case}")
    empty = manager.submit(f"/cases/{open_case}/reassign", {"team": "", "version": version})
    assert empty.status_code == 400
    assert 'href="#team">Enter the team the case moves to' in empty.text

    service.record_event(
        projections=projections(),
        session=session,
        case_ref=open_case,
        event={"type": "mediation_requested", "date": "2026-10-06"},
        actor="someone.else",
        clock=clock,
    )
    stale = manager.submit(f"/cases/{open_case}/reassign", {"team": "South", "version": version})
    assert stale.status_code == 409
    assert "Someone else changed this case" in stale.text
    case = session.exec(select(Case).where(Case.reference == open_case)).one()
    session.refresh(case)
    assert case.team == TEAM


# -- letters ----------------------------------------------------------------------------


def test_letters_download_as_html_and_pdf_only_from_their_own_case(
    browser: Make, people: People, session: Session, clock: Clock
) -> None:
    ref = requested_case(session, clock)
    other = requested_case(session, clock, ref="WEB003")
    mine = letter_service.list_letters(session=session, case_ref=ref)[0]
    theirs = letter_service.list_letters(session=session, case_ref=other)[0]
    assert mine.status == "ready"
    client = browser(people.officer)
    html = client.get(f"/cases/{ref}/letters/{mine.id}.html")
    assert html.status_code == 200
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    assert html.headers["content-disposition"].startswith("attachment;")
    assert "default-src 'self'" in html.headers["content-security-policy"]
    assert html.text == letter_service.get_letter(session=session, letter_id=mine.id).html
    pdf = client.get(f"/cases/{ref}/letters/{mine.id}.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    # A letter of another case, through this case's address: not found.
    assert client.get(f"/cases/{ref}/letters/{theirs.id}.html").status_code == 404
    assert client.get(f"/cases/{ref}/letters/{theirs.id}.pdf").status_code == 404
    assert client.get(f"/cases/{ref}/letters/999999.pdf").status_code == 404
    assert client.get(f"/cases/{ref}/letters/abc.pdf").status_code == 404
    assert (
        browser(people.other_officer).get(f"/cases/{ref}/letters/{mine.id}.pdf").status_code == 404
    )


# -- hostile input, one date parser, one reference syntax, no disclosure (issue 17) -------

# The same day in other scripts' digits: the forms took and stored them, the API refused.
UNICODE_DAYS = [
    ("١٢", "١١", "٢٠٢٦"),  # Arabic-Indic
    ("۱۲", "۱۱", "۲۰۲۶"),  # Extended Arabic-Indic
    ("１２", "１１", "２０２６"),  # full-width
    ("𝟏𝟐", "𝟏𝟏", "𝟐𝟎𝟐𝟔"),  # mathematical bold
    ("12", "11", "２０２６"),  # one box is enough
]


@pytest.mark.parametrize("parts", UNICODE_DAYS)
def test_the_forms_take_dates_in_ascii_digits_only_as_the_api_does(
    browser: Make,
    people: People,
    session: Session,
    open_case: str,
    parts: tuple[str, str, str],
) -> None:
    client = browser(people.officer)
    version = form_page(client, open_case, "mediation_requested")
    response = client.submit(
        f"/cases/{open_case}/events",
        {"type": "mediation_requested", "version": version, **date_parts(*parts)},
    )
    assert response.status_code == 400
    assert "Date the event happened must be a real date" in response.text
    assert version_of(session, open_case) == int(version)
    client.page("/cases/new")
    response = client.submit(
        "/cases/new", {"reference": "DIGITS1", "source": "parent", **date_parts(*parts)}
    )
    assert response.status_code == 400
    assert "Date the request was received must be a real date" in response.text
    assert session.exec(select(Case).where(Case.reference == "DIGITS1")).first() is None
    session.commit()


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("officer", "J Smith\r\nBcc: x@example.com", "Officer must not contain control characters"),
        ("officer", "J\x00Smith", "Officer must not contain control characters"),
        ("note", "Late:\x00 sick", "Note must not contain control characters"),
        ("note", "Late:\r sick", "Note must not contain control characters"),
        ("reference", "EHC\x001", "Case reference must not contain control characters"),
        ("reference", "EH\u0421001", "Case reference must only include letters A to Z"),
    ],
)
def test_the_new_case_form_refuses_control_characters_and_look_alikes(
    browser: Make, people: People, session: Session, field: str, value: str, message: str
) -> None:
    client = browser(people.officer)
    client.page("/cases/new")
    form = {"reference": "HOSTILE1", "source": "parent", **date_parts("12", "11", "2026")}
    response = client.submit("/cases/new", form | {field: value})
    assert response.status_code == 400
    assert f'href="#{field}">{message}' in response.text
    assert session.exec(select(Case)).first() is None
    session.commit()


def test_the_event_form_refuses_control_characters_in_its_text(
    browser: Make, people: People, session: Session, open_case: str
) -> None:
    client = browser(people.officer)
    version = form_page(client, open_case, "advice_requested")
    form = {"type": "advice_requested", "version": version, "advice": "health"}
    response = client.submit(
        f"/cases/{open_case}/events",
        form | {"ref": "EP\x001", "note": "ok\r\nfine", **date_parts("10", "10", "2026")},
    )
    assert response.status_code == 400
    assert "Advice reference (optional) must not contain" not in response.text
    assert "must not contain control characters" in response.text
    assert version_of(session, open_case) == int(version)
    # Lines in a note are kept.
    response = client.submit(
        f"/cases/{open_case}/events",
        form | {"note": "ok\r\nfine", **date_parts("10", "10", "2026")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:800]
    assert events_of(session, open_case)[-1].note == "ok\nfine"


def test_a_full_width_reference_opens_the_ascii_case(
    browser: Make, people: People, session: Session
) -> None:
    client = browser(people.officer)
    client.page("/cases/new")
    response = client.submit(
        "/cases/new",
        {"reference": "ＥＨＣ／７", "source": "parent", **date_parts("12", "11", "2026")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:800]
    assert response.headers["location"] == "/cases/EHC/7?recorded=1"
    assert session.exec(select(Case.reference)).all() == ["EHC/7"]
    session.commit()


def test_the_new_case_form_does_not_confirm_another_teams_case(
    browser: Make, people: People, session: Session, clock: Clock, open_case: str
) -> None:
    """It said "There is already a case DEMO00004" for a case the officer cannot open."""
    south = requested_case(session, clock, ref="SOUTH9", team="South")
    client = browser(people.officer)
    client.page("/cases/new")
    form = {"source": "parent", **date_parts("12", "11", "2026")}
    theirs = client.submit("/cases/new", form | {"reference": south})
    assert theirs.status_code == 400
    assert f"You cannot use the reference {south}. Enter a different reference" in theirs.text
    assert "There is already a case" not in theirs.text
    ours = client.submit("/cases/new", form | {"reference": open_case})
    assert f"There is already a case {open_case}" in ours.text
    # A manager, who may open any case, is told it exists.
    manager = browser(people.manager)
    manager.page("/cases/new")
    response = manager.submit("/cases/new", form | {"reference": south, "team": "East"})
    assert f"There is already a case {south}" in response.text


@pytest.mark.parametrize("field", ["team", "officer"])
def test_moving_a_case_refuses_control_characters_naming_the_field(
    browser: Make, people: People, session: Session, open_case: str, field: str
) -> None:
    manager = browser(people.manager)
    manager.page(f"/cases/{open_case}")
    version = str(version_of(session, open_case))
    form = {"team": "South", "officer": "", "version": version, field: "South\r\nBcc: x"}
    refused = manager.submit(f"/cases/{open_case}/reassign", form)
    assert refused.status_code == 400
    label = field.capitalize()
    assert f'href="#{field}">{label} must not contain control characters' in refused.text
    assert version_of(session, open_case) == int(version)


def test_a_search_with_a_control_character_is_refused_not_a_fault(
    browser: Make, people: People, open_case: str
) -> None:
    """NUL in the search was a 500 on PostgreSQL (issue 17 item 5)."""
    client = browser(people.officer)
    response = client.get("/", params={"q": "WEB\x00"})
    assert response.status_code == 422
    assert "Search must not contain control characters" in response.text
    assert client.get(f"/cases/{open_case}%00").status_code == 404


# -- choosing the event -----------------------------------------------------------------


def _sections(html: str) -> list[tuple[str, list[str]]]:
    """The chooser's headings, each with the radio values under it."""
    out: list[tuple[str, list[str]]] = []
    for part in re.split(r"<h[23] class=\"govuk-heading-[ms][^\"]*\">", html)[1:]:
        heading, _, rest = part.partition("</h")
        out.append((heading.strip(), RADIO.findall(rest)))
    return out


def test_the_chooser_offers_the_next_steps_first_then_the_rest_by_stage(
    browser: Make, people: People, open_case: str
) -> None:
    """Assessing, the decision to assess met: the reg 10(1) limit (a draft or a decision
    not to issue) is the open deadline a step meets; the final plan needs a draft first."""
    html = browser(people.officer).page(f"/cases/{open_case}/events/new")
    sections = _sections(html)
    assert sections[0] == (
        "Next steps for this case",
        ["draft_plan_issued", "decision_not_to_issue"],
    )
    assert [heading for heading, _ in sections[1:]] == [
        "Everything else the case can take",
        "Assessment and advice",
        "Mediation and appeal",
        "Ending",
    ]
    assert dict(sections)["Assessment and advice"] == [
        "advice_requested",
        "advice_received",
        "exception_recorded",
    ]
    assert "The draft plan was sent to the family" in html  # a hint under each
    ids = re.findall(r'class="govuk-radios__input" id="([^"]+)"', html)
    assert ids[0] == "type" and len(set(ids)) == len(ids) == len(RADIO.findall(html))
    # Names, never identifiers, on screen.
    shown = re.sub(r"<[^>]+>", " ", html)
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", shown)


def test_a_requested_case_offers_the_decision_first(
    browser: Make, people: People, session: Session, clock: Clock
) -> None:
    ref = requested_case(session, clock)
    html = browser(people.officer).page(f"/cases/{ref}/events/new")
    assert _sections(html)[0] == (
        "Next steps for this case",
        ["decision_to_assess", "decision_not_to_assess"],
    )
    assert "Request and decision" not in html  # both of its events are the next steps
