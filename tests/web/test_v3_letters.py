"""The letters of spec v3's new duties, made when their events are recorded in the browser
and through the API (issue 20): a refusal to re-assess and a cease notice with the reasons
given with the decision, a decision to re-assess, a proposal to cease and a review meeting
notice. SQLite and PostgreSQL; today is 20 November 2026 (the tests' clock)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from sqlmodel import Session

from letters import service as letter_service
from letters.models import READY
from tests.web.conftest import OFFICER_NAME, TEAM, Browser, Client, People
from tests.wiring import projections
from workflow import service

Make = Callable[[str | None], Browser]
VERSION = re.compile(r'name="version" value="(\d+)"')
OPENED = re.compile(r'name="opened" value="([^"]+)"')
REASONS = "The plan still meets Sam's needs, as the review in June set out."


@pytest.fixture
def plan_case(session: Session, clock: Callable[[], datetime], people: People) -> str:
    """A plan in force (transferred in), with the people's details."""
    ref = "WEBV3"
    service.record_event(
        projections=projections(),
        session=session,
        case_ref=ref,
        event={"type": "plan_transferred_in", "date": "2026-03-02", "last_reviewed": "2025-12-01"},
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


def letter_text(session: Session, ref: str, letter_type: str) -> str:
    session.expire_all()
    found = [
        x
        for x in letter_service.list_letters(session=session, case_ref=ref)
        if x.type == letter_type
    ]
    assert len(found) == 1, [
        x.type for x in letter_service.list_letters(session=session, case_ref=ref)
    ]
    assert found[0].status == READY, (found[0].status, found[0].missing)
    text = found[0].text or ""
    session.rollback()  # end the read: SQLite lets the app's next write begin
    return text


def record_in_browser(officer: Browser, ref: str, fields: dict[str, str]) -> None:
    form = officer.page(f"/cases/{ref}/events/new?type={fields['type']}")
    version = VERSION.search(form).group(1)  # type: ignore[union-attr]
    opened = OPENED.search(form).group(1)  # type: ignore[union-attr]
    answers = {**fields, "version": version, "opened": opened}
    check = officer.submit(f"/cases/{ref}/events/check", answers)
    assert check.status_code == 200, check.text[:1500]
    saved = officer.submit(f"/cases/{ref}/events", answers, follow_redirects=False)
    assert saved.status_code == 303, saved.text[:1500]


def day(name: str, iso: str) -> dict[str, str]:
    y, m, d = iso.split("-")
    return {f"{name}-day": str(int(d)), f"{name}-month": str(int(m)), f"{name}-year": y}


def post(client: Client, ref: str, event: dict[str, Any]) -> None:
    case = client.get(f"/api/cases/{ref}").json()
    sent = {**event, "expected_version": case["case"]["version"]}
    response = client.post(f"/api/cases/{ref}/events", json=sent)
    assert response.status_code == 201, response.text


def test_a_refusal_to_reassess_recorded_in_the_browser_makes_its_letter(
    browser: Make, people: People, plan_case: str, session: Session
) -> None:
    officer = browser(people.officer)
    record_in_browser(
        officer,
        plan_case,
        {"type": "reassessment_requested", **day("date", "2026-11-02"), "source": "parent"},
    )
    form = officer.page(f"/cases/{plan_case}/events/new?type=decision_not_to_reassess")
    assert "Reasons for the decision (sent to the family)" in form
    record_in_browser(
        officer,
        plan_case,
        {
            "type": "decision_not_to_reassess",
            **day("date", "2026-11-16"),
            "letter_reasons": REASONS,
        },
    )
    text = letter_text(session, plan_case, "decision_not_to_reassess")
    assert REASONS in text
    # Dated 20 November 2026, after the decision on 16 November: 2 months from the letter.
    assert "You must appeal by Wednesday 20 January 2027." in text
    assert "you must contact a mediation adviser" in text


def test_a_review_meeting_notice_recorded_in_the_browser_makes_its_letter(
    browser: Make, people: People, plan_case: str, session: Session
) -> None:
    record_in_browser(
        browser(people.officer),
        plan_case,
        {
            "type": "review_meeting_notice_sent",
            **day("date", "2026-11-20"),
            **day("meeting_date", "2026-12-10"),
        },
    )
    text = letter_text(session, plan_case, "review_meeting_notice")
    assert "The review meeting will be on Thursday 10 December 2026." in text
    assert "by Thursday 26 November 2026, 2 weeks before the meeting" in text


def test_the_api_records_a_reassessment_and_a_cease_and_each_makes_its_letter(
    api: Callable[[str | None], Client], people: People, plan_case: str, session: Session
) -> None:
    client = api(people.officer)
    post(client, plan_case, {"type": "reassessment_requested", "date": "2026-09-01"})
    post(client, plan_case, {"type": "decision_to_reassess", "date": "2026-09-14"})  # Mon
    text = letter_text(session, plan_case, "decision_to_reassess")
    assert "by Monday 21 December 2026" in text  # reg 27(2): 14 weeks from the decision
    post(client, plan_case, {"type": "cease_proposed", "date": "2026-11-02"})
    assert "We have not decided yet." in letter_text(session, plan_case, "cease_proposal")
    post(
        client,
        plan_case,
        {
            "type": "cease_notice_sent",
            "date": "2026-11-20",
            "letter_details": {"reasons": REASONS},
        },
    )
    text = letter_text(session, plan_case, "cease_notice")
    assert REASONS in text
    assert "You must appeal by Wednesday 20 January 2027." in text  # Fri 20 Nov + 2 months
    assert "until the time to appeal has passed" in text


def test_a_transfer_out_recorded_in_the_browser_makes_its_letter(
    browser: Make, people: People, plan_case: str, session: Session
) -> None:
    officer = browser(people.officer)
    record_in_browser(
        officer,
        plan_case,
        {"type": "move_reported", **day("date", "2026-11-02"), **day("move_date", "2026-11-16")},
    )
    record_in_browser(
        officer,
        plan_case,
        {"type": "plan_transferred_out", **day("date", "2026-11-16"), "to_la": "Westshire Council"},
    )
    text = letter_text(session, plan_case, "transfer_out_notice")
    # Reg 15(4): the new council writes within 6 weeks of the transfer (Mon 16 Nov + 42).
    assert "By Monday 28 December 2026 Westshire Council must write to you" in text
    case = officer.page(f"/cases/{plan_case}")
    assert "Plan transferred out to another council" in case


def test_the_api_records_a_transfer_out_and_it_makes_its_letter(
    api: Callable[[str | None], Client], people: People, plan_case: str, session: Session
) -> None:
    client = api(people.officer)
    post(
        client,
        plan_case,
        {"type": "move_reported", "date": "2026-11-02", "move_date": "2026-12-14"},
    )
    post(client, plan_case, {"type": "plan_transferred_out", "date": "2026-11-20"})
    text = letter_text(session, plan_case, "transfer_out_notice")
    assert "to the council for the area you have moved to" in text
    assert "By Friday 1 January 2027 the council for the area you have moved to must write" in text
    assert client.get(f"/api/cases/{plan_case}").json()["case"]["state"] == "transferred_out"


def test_a_cease_notice_recorded_in_the_browser_makes_its_letter(
    browser: Make, people: People, plan_case: str, session: Session
) -> None:
    officer = browser(people.officer)
    record_in_browser(officer, plan_case, {"type": "cease_proposed", **day("date", "2026-10-19")})
    record_in_browser(
        officer,
        plan_case,
        {"type": "cease_notice_sent", **day("date", "2026-11-20"), "letter_reasons": REASONS},
    )
    text = letter_text(session, plan_case, "cease_notice")
    assert REASONS in text
    assert "You must appeal by Wednesday 20 January 2027." in text  # Fri 20 Nov + 2 months


def test_the_api_records_a_review_meeting_notice_and_it_makes_its_letter(
    api: Callable[[str | None], Client], people: People, plan_case: str, session: Session
) -> None:
    post(
        api(people.officer),
        plan_case,
        {"type": "review_meeting_notice_sent", "date": "2026-11-20", "meeting_date": "2026-12-10"},
    )
    text = letter_text(session, plan_case, "review_meeting_notice")
    assert "The review meeting will be on Thursday 10 December 2026." in text
    assert "by Thursday 26 November 2026, 2 weeks before the meeting" in text
