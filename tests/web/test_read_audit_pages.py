"""The read audit on the web (issue 23 item 5): the case page, the child and family
details, letter downloads, the breach queue's CSV and the API record who looked (the
breach queue's page, which shows no personal data, does not); managers see "Who has
looked at this case", officers do not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI
from sqlmodel import Session, select

from letters import service as letter_service
from tests.web.conftest import Browser, Client, People
from tests.web.test_cases import PEOPLE, requested_case
from web.read_audit import recorder
from workflow.models import Case
from workflow.read_audit import CaseRead

Make = Callable[[str | None], Browser]
Clock = Callable[[], datetime]


def _reads(app: FastAPI, session: Session, ref: str) -> list[tuple[str, str, str, str]]:
    assert recorder(app).flush()
    case = session.exec(select(Case).where(Case.reference == ref)).one()
    rows = session.exec(select(CaseRead).where(CaseRead.case_id == case.id).order_by(CaseRead.id))
    return [(r.reader, r.role, r.what, r.how) for r in rows]


def test_pages_and_letters_record_who_looked(
    app: FastAPI, browser: Make, people: People, session: Session, clock: Clock
) -> None:
    ref = requested_case(session, clock)
    letter = letter_service.list_letters(session=session, case_ref=ref)[0]
    officer = browser(people.officer)
    officer.page(f"/cases/{ref}")
    officer.page(f"/cases/{ref}/details")
    assert officer.get(f"/cases/{ref}/letters/{letter.id}.pdf").status_code == 200
    # Refused and not-found reads show nothing, so record nothing.
    assert browser(people.other_officer).get(f"/cases/{ref}").status_code == 404
    assert _reads(app, session, ref) == [
        (people.officer, "officer", "case page", "web"),
        (people.officer, "officer", "child and family details", "web"),
        (people.officer, "officer", f"letter {letter.id} (PDF)", "web"),
    ]
    row = session.exec(select(CaseRead)).first()
    assert row is not None and row.read_at == clock()


def test_managers_see_who_has_looked_and_officers_do_not(
    app: FastAPI, browser: Make, people: People, session: Session, clock: Clock
) -> None:
    ref = requested_case(session, clock)
    browser(people.officer).page(f"/cases/{ref}")
    manager = browser(people.manager)
    case_page = manager.page(f"/cases/{ref}")
    assert f'href="/cases/{ref}/reads">Who has looked at this case' in case_page
    recorder(app).flush()
    page = manager.page(f"/cases/{ref}/reads")
    assert "Who has looked at this case" in page
    assert people.officer in page and people.manager in page and "Case page" in page
    assert "2 looks" in page
    officer = browser(people.officer)
    assert "Who has looked at this case" not in officer.page(f"/cases/{ref}")
    assert officer.get(f"/cases/{ref}/reads").status_code == 403
    assert browser(people.manager).get("/cases/NOPE9/reads").status_code == 404


def test_the_breach_queue_csv_records_each_case_it_lists(
    app: FastAPI, browser: Make, people: People, session: Session, clock: Clock
) -> None:
    ref = requested_case(session, clock)  # a request of 1 October: its decision is pending
    csv = browser(people.manager).get("/breaches.csv")
    assert csv.status_code == 200 and ref in csv.text
    assert (people.manager, "manager", "breach queue (CSV)", "web") in _reads(app, session, ref)


def test_the_breach_queue_page_shows_no_personal_data_so_records_no_read(
    app: FastAPI, browser: Make, people: People, session: Session, clock: Clock
) -> None:
    ref = requested_case(session, clock)
    page = browser(people.manager).page("/breaches")
    assert f">{ref}</a>" in page
    # References, deadlines, dates, teams and officers only: were the child's name or date
    # of birth to appear, the page would need auditing like its CSV (web/pages/breaches.py).
    for shown in (PEOPLE["child_name"], "Sample", "2015", "14 March"):
        assert shown not in page, shown
    assert _reads(app, session, ref) == []


def test_the_api_records_reads_of_a_case(
    app: FastAPI, api: Client, people: People, session: Session, clock: Clock
) -> None:
    ref = requested_case(session, clock)
    client = api(people.officer)
    assert client.get(f"/api/cases/{ref}").status_code == 200
    assert client.get(f"/api/cases/{ref}/events").status_code == 200
    assert client.get(f"/api/cases/{ref}/deadlines").status_code == 200  # no personal data
    assert _reads(app, session, ref) == [
        (people.officer, "officer", "case (API)", "api"),
        (people.officer, "officer", "case events (API)", "api"),
    ]
