"""Letters through GOV.UK Notify, as people see them: the case page says each letter's
dispatch (delivered, not delivered and why), the managers' dashboard lists failures, and
the admin page says how letters and alerts are sent; with and without a Notify key."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

import bootstrap
from scheduler import dispatch, jobs
from scheduler.gov_notify import NotifyClient, NotifySettings
from tests.notify_server import FakeNotify
from tests.web.conftest import OFFICER_NAME, TEAM, Browser, People
from tests.wiring import configured
from web.app import create_app
from web.context import WebContext
from workflow import accounts, service
from workflow.config import Config
from workflow.db import new_session

Clock = Callable[[], datetime]
FAMILY = {
    "child_name": "Sam Secretname",
    "date_of_birth": "2015-03-14",
    "parent_name": "Jo Secretname",
    "parent_address": "12 Example Road, Exampletown, EX1 2AB",
}


@pytest.fixture
def notify() -> Iterator[FakeNotify]:
    server = FakeNotify().with_engine_templates().start()
    yield server
    server.stop()


@pytest.fixture
def config(notify: FakeNotify) -> Config:
    return configured(**notify.config_values())


@pytest.fixture
def notify_app(engine: Engine, clock: Clock, config: Config) -> FastAPI:
    return create_app(
        WebContext(
            engine=engine,
            projections=bootstrap.projections(config),
            clock=clock,
            delivery=bootstrap.delivery_mode(config),
        )
    )


@pytest.fixture
def browse(notify_app: FastAPI) -> Iterator[Callable[[str], Browser]]:
    from tests.web.conftest import sign_in

    made: list[Browser] = []

    def make(email: str) -> Browser:
        client = Browser(notify_app, base_url="http://testserver")
        client.__enter__()
        made.append(client)
        return sign_in(client, email)

    yield make
    for client in made:
        client.__exit__(None, None, None)


def record(session: Session, clock: Clock, config: Config, ref: str, **people: str) -> None:
    projections = bootstrap.projections(config)
    service.update_case(
        session=session,
        case_ref=ref,
        details={**FAMILY, **people},
        actor="test",
        clock=clock,
        projections=projections,
    )
    for event in (
        {"type": "request_received", "date": "2026-11-02", "source": "parent"},
        {"type": "decision_to_assess", "date": "2026-11-09"},
    ):
        service.record_event(
            session=session,
            case_ref=ref,
            event=event,
            actor="test",
            clock=clock,
            projections=projections,
            case_fields={"team": TEAM, "officer": OFFICER_NAME},
        )


def run_job(session: Session, config: Config, clock: Clock) -> None:
    settings = NotifySettings.from_config(config)
    assert settings is not None
    notify = NotifyClient(settings)
    dispatch.send_letters(
        session=session, notify=notify, settings=settings, clock=clock, runner="t"
    )
    dispatch.check_statuses(session=session, notify=notify, clock=clock, every=timedelta(0))


def test_with_a_notify_key_a_recorded_decisions_letter_shows_delivered_on_the_case_page(
    session: Session,
    clock: Clock,
    config: Config,
    notify: FakeNotify,
    people: People,
    browse: Callable[[str], Browser],
) -> None:
    record(session, clock, config, "WEB-N1")
    officer = browse(people.officer)
    page = officer.page("/cases/WEB-N1")
    assert page.count("To be sent by post through GOV.UK Notify") == 2

    run_job(session, config, clock)
    page = officer.page("/cases/WEB-N1")
    assert page.count("Sent by post through GOV.UK Notify") == 2
    assert "(Notify: pending virus check)" in page

    for letter in notify.sent("letter"):
        notify.set_status(letter["id"], "received")
    run_job(session, config, clock)
    page = officer.page("/cases/WEB-N1")
    assert page.count('<strong class="govuk-tag govuk-tag--green">Delivered</strong>') == 2
    assert "with the postal service since 20 November 2026 at 12:00pm" in page


def test_a_letter_that_failed_shows_on_its_case_page_and_the_managers_dashboard(
    session: Session,
    clock: Clock,
    config: Config,
    notify: FakeNotify,
    people: People,
    browse: Callable[[str], Browser],
) -> None:
    record(session, clock, config, "WEB-N2", communication="email", parent_email="jo@example.com")
    run_job(session, config, clock)
    first, _second = notify.sent("email")
    notify.set_status(first["id"], "permanent-failure")
    run_job(session, config, clock)

    page = browse(people.officer).page("/cases/WEB-N2")
    assert page.count("Not delivered") == 1
    assert "By email: Notify: the email address does not exist or the provider refused it" in page
    dashboard = browse(people.manager).page("/")
    assert "1 letter did not reach the family" in dashboard
    assert 'href="/cases/WEB-N2#dispatch-1"' in dashboard
    assert "Case WEB-N2: We have received" in dashboard


def test_the_admin_page_says_letters_go_through_notify(
    session: Session,
    clock: Clock,
    config: Config,
    people: People,
    browse: Callable[[str], Browser],
) -> None:
    record(session, clock, config, "WEB-N3")
    page = browse(people.admin).page("/delivery")
    assert "Sent to families through GOV.UK Notify" in page
    assert "by first class post" in page
    assert "Emailed through GOV.UK Notify" in page
    assert "every 5 minutes" in page
    assert "Queued" in page


def test_without_a_key_the_admin_page_says_letters_are_downloaded(
    app: FastAPI, people: People, browser: Callable[[str | None], Browser]
) -> None:
    page = browser(people.admin).page("/delivery")
    assert "Downloaded and sent by hand: no GOV.UK Notify API key is set" in page
    assert "Written to the log: no email is configured" in page
    assert browser(people.admin).page("/users").count('href="/delivery"') == 1
    assert browser(people.manager).get("/delivery").status_code == 403


def test_without_a_key_the_case_page_and_dashboard_are_as_before(
    open_case: str, people: People, browser: Callable[[str | None], Browser]
) -> None:
    page = browser(people.officer).page(f"/cases/{open_case}")
    assert "GOV.UK Notify" not in page and "app-dispatch" not in page
    assert "did not reach the family" not in browser(people.manager).page("/")


def test_a_decision_recorded_through_the_api_reaches_the_family_by_the_scheduler_job(
    session: Session,
    engine: Engine,
    db_url: str,
    clock: Clock,
    notify: FakeNotify,
    people: People,
    notify_app: FastAPI,
    browse: Callable[[str], Browser],
) -> None:
    """The issue's "done when", through the real entry points: the officer records the
    decision (API), the scheduler's job sends its letter with the configuration it loads,
    Notify delivers it, the next run reads that, and the case page says so."""
    config = configured(**notify.config_values(), database_url=db_url)
    projections = bootstrap.projections(config)
    service.update_case(
        session=session,
        case_ref="WEB-N4",
        details={**FAMILY, "communication": "email", "parent_email": "jo@example.com"},
        actor="test",
        clock=clock,
        projections=projections,
    )
    service.record_event(
        session=session,
        case_ref="WEB-N4",
        event={"type": "request_received", "date": "2026-11-02", "source": "parent"},
        actor="test",
        clock=clock,
        projections=projections,
        case_fields={"team": TEAM, "officer": OFFICER_NAME},
    )
    with new_session(engine) as s:
        token = accounts.issue_token(session=s, email=people.officer, actor="test", clock=clock)
    with TestClient(notify_app, headers={"Authorization": f"Bearer {token}"}) as client:
        response = client.post(
            "/api/cases/WEB-N4/events",
            json={"type": "decision_to_assess", "date": "2026-11-09", "expected_version": 2},
        )
        assert response.status_code == 201, response.text

    later = clock() + timedelta(minutes=10)
    sent = jobs.dispatch_from_config(config, clock=lambda: later)
    assert sent is not None and sent[0].sent == 2
    decision = next(n for n in notify.sent("email") if n["reference"] == "ehc-letter-2")
    assert decision["email_address"] == "jo@example.com"
    notify.set_status(decision["id"], "delivered")
    checked = jobs.dispatch_from_config(config, clock=lambda: later + timedelta(minutes=10))
    assert checked is not None and checked[1].delivered == 1

    page = browse(people.officer).page("/cases/WEB-N4")
    row = page[page.index('id="dispatch-2"') :]
    assert row.index("Delivered") < row.index("</span>")
    assert "Sent by email through GOV.UK Notify, delivered 20 November 2026 at 12:20pm" in row


def test_a_failed_letter_is_sent_again_from_its_case_page_once_its_email_is_fixed(
    session: Session,
    clock: Clock,
    config: Config,
    notify: FakeNotify,
    people: People,
    browse: Callable[[str], Browser],
) -> None:
    record(session, clock, config, "WEB-N5", communication="email", parent_email="jo@exmaple.com")
    run_job(session, config, clock)
    first, _second = notify.sent("email")
    notify.set_status(first["id"], "permanent-failure")
    run_job(session, config, clock)

    officer = browse(people.officer)
    page = officer.page("/cases/WEB-N5")
    action = 'action="/cases/WEB-N5/letters/1/send-again"'
    assert page.count("/send-again") == 1 and action in page  # the failed letter only
    assert "Once the cause is fixed (for example the family's email address" in page
    dashboard = browse(people.manager).page("/")
    assert 'href="/cases/WEB-N5#dispatch-1"' in dashboard
    assert "send each again from its case page" in dashboard
    admin_page = browse(people.admin).page("/delivery")
    assert "1 letter did not reach the family" in admin_page
    assert "Case WEB-N5: We have received" in admin_page
    assert "letter 1): Notify: the email address does not exist" in admin_page

    # Signed in and allowed, but without the form's token: refused.
    assert officer.post("/cases/WEB-N5/letters/1/send-again", data={}).status_code == 403
    south = browse(people.other_officer)
    south.page("/")
    assert south.submit("/cases/WEB-N5/letters/1/send-again", {}).status_code == 404
    for email in (people.viewer, people.admin):
        other = browse(email)
        other.page("/")
        assert other.submit("/cases/WEB-N5/letters/1/send-again", {}).status_code == 403
    assert officer.submit("/cases/WEB-N5/letters/9/send-again", {}).status_code == 404

    service.update_case(
        session=session,
        case_ref="WEB-N5",
        details={"parent_email": "jo@example.com"},
        actor="test",
        clock=clock,
        projections=bootstrap.projections(config),
    )
    response = officer.submit("/cases/WEB-N5/letters/1/send-again", {}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/cases/WEB-N5?sent_again=1#dispatch-1"
    page = officer.page(response.headers["location"])
    assert "Letter 1 queued to be sent again" in page
    assert "The scheduler sends it through GOV.UK Notify at its next run." in page
    assert "/send-again" not in page and "Not delivered" not in page
    row = page[page.index('id="dispatch-1"') :]
    assert row.index("To be sent by email through GOV.UK Notify") < row.index("</span>")

    again = officer.submit("/cases/WEB-N5/letters/1/send-again", {})
    assert again.status_code == 400
    assert "This letter is queued through GOV.UK Notify, not failed" in again.text
    assert 'href="#dispatch-1"' in again.text

    run_job(session, config, clock)
    resent = notify.sent("email")[-1]
    assert (resent["email_address"], resent["reference"]) == (
        "jo@example.com",
        "ehc-letter-1-again-2",
    )
    assert "Sent by email through GOV.UK Notify" in officer.page("/cases/WEB-N5")


def test_a_manager_sends_again_and_a_letter_with_nowhere_to_go_is_refused_in_words(
    session: Session,
    clock: Clock,
    config: Config,
    notify: FakeNotify,
    people: People,
    browse: Callable[[str], Browser],
) -> None:
    record(session, clock, config, "WEB-N6")
    run_job(session, config, clock)
    first, _second = notify.sent("letter")
    notify.set_status(first["id"], "validation-failed")
    run_job(session, config, clock)
    service.update_case(
        session=session,
        case_ref="WEB-N6",
        details={"parent_address": None},
        actor="test",
        clock=clock,
        projections=bootstrap.projections(config),
    )
    manager = browse(people.manager)
    manager.page("/cases/WEB-N6")
    refused = manager.submit("/cases/WEB-N6/letters/1/send-again", {})
    assert refused.status_code == 400
    assert (
        "This letter has no email address or postal address to send it to. Add one on the "
        "case&#39;s details page first" in refused.text
    )
    service.update_case(
        session=session,
        case_ref="WEB-N6",
        details={"parent_address": FAMILY["parent_address"]},
        actor="test",
        clock=clock,
        projections=bootstrap.projections(config),
    )
    sent = manager.submit("/cases/WEB-N6/letters/1/send-again", {}, follow_redirects=False)
    assert sent.status_code == 303


def test_a_letter_whose_status_notify_no_longer_holds_says_so_on_its_case_page(
    session: Session,
    clock: Clock,
    config: Config,
    notify: FakeNotify,
    people: People,
    browse: Callable[[str], Browser],
) -> None:
    record(session, clock, config, "WEB-N7")
    run_job(session, config, clock)
    first, _second = notify.sent("letter")
    notify.forget(first["id"])
    run_job(session, config, clock)
    page = browse(people.officer).page("/cases/WEB-N7")
    row = page[page.index('id="dispatch-1"') :]
    assert row.index("GOV.UK Notify no longer holds its delivery status") < row.index("</span>")
    assert page.count("no longer holds") == 1
