"""Letters made with their events, stored immutably, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import logging
import re
import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from sqlalchemy import Engine
from sqlmodel import Session, select

from letters import chasers
from letters import service as letter_service
from letters.models import READY, Letter
from letters.render import sha256
from letters.store import rerender
from tests.council import council_for_lines
from tests.wiring import council, projections
from tests.workflow.factories import ev, import_all, record_all
from workflow import service
from workflow.errors import InvalidInput

Clock = Callable[[], datetime]

PEOPLE = {
    "child_name": "Sam Sample",
    "date_of_birth": "2015-03-14",
    "setting": "Oakfield Primary School",
    "parent_name": "Jo Sample",
    "parent_address": "12 Example Road, Exampletown, EX1 2AB",
}
ASSESSMENT_START = [ev("request_received", "2024-01-08", source="parent")]
ASSESSMENT_TO_FINAL = [
    ev("request_received", "2024-01-08", source="parent"),
    ev("decision_to_assess", "2024-02-12"),
    ev("draft_plan_issued", "2024-04-22"),
    ev("final_plan_issued", "2024-05-20"),
]


def update(session: Session, clock: Clock, ref: str = "L1", **details: Any) -> None:
    service.update_case(
        projections=projections(),
        session=session,
        case_ref=ref,
        details=details,
        actor="t",
        clock=clock,
    )


def letters_of(session: Session, ref: str = "L1") -> list[Letter]:
    return letter_service.list_letters(session=session, case_ref=ref)


def pdf_of(session: Session, letter_id: int) -> bytes:
    return letter_service.letter_pdf(session=session, letter_id=letter_id)


def pdf_text(pdf: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text)


def test_missing_details_wait_named_and_are_rendered_once_filled(
    session: Session, clock: Clock
) -> None:
    record_all(session=session, case_ref="L1", events=ASSESSMENT_START, clock=clock)
    (letter,) = letters_of(session)
    assert letter.status == "awaiting_details"
    assert letter.missing == ["child_name", "date_of_birth"]
    assert letter.html is None and letter.pdf is None and letter.text is None

    # Some details: still waiting, naming only what is still missing; never half-filled.
    update(session, clock, child_name="Sam Sample", date_of_birth="2015-03-14", parent_name="Jo")
    (letter,) = letters_of(session)
    assert letter.status == "awaiting_details"
    assert letter.missing == ["parent_address"]
    assert letter.html is None and letter.pdf is None

    update(session, clock, parent_address="12 Example Road, Exampletown, EX1 2AB")
    (letter,) = letters_of(session)
    assert letter.status == READY and letter.missing is None
    assert letter.letter_date == date(2026, 11, 20)  # the injected clock's day
    assert letter.html is not None and letter.text is not None
    assert "12 Example Road<br>" in letter.html and "Dear Jo," in letter.text
    assert letter.html_sha256 == sha256(letter.html)
    assert letter.id is not None and pdf_of(session, letter.id).startswith(b"%PDF")


def test_request_to_final_plan_leaves_four_letters_whose_pdfs_hold_the_dates(
    session: Session, clock: Clock
) -> None:
    update(session, clock, **PEOPLE)  # details first: the case opens before its first event
    record_all(session=session, case_ref="L1", events=ASSESSMENT_TO_FINAL, clock=clock)
    letters = letters_of(session)
    assert [(x.type, x.recipient, x.status) for x in letters] == [
        ("acknowledgement_of_request", "parent", READY),
        ("decision_to_assess", "parent", READY),
        ("draft_plan_cover", "parent", READY),
        ("final_plan_cover", "parent", READY),
    ]
    texts = [pdf_text(pdf_of(session, x.id or 0)) for x in letters]
    assert "Monday 19 February 2024" in texts[0]  # decision due: 6 weeks from 8 Jan
    assert "27 May 2024" in texts[0]  # final plan: 20 weeks
    assert "Monday 27 May 2024" in texts[1]
    # Made (dated) on 20 November 2026, long after the 2024 events: the dates the law
    # counts from the notice count from the letter's date, not the event's (issue 19):
    # representations 15 days beginning with it (not 6 May 2024), the appeal 2 months
    # from it (HESC r.20; not 22 July 2024).
    assert "Friday 4 December 2026" in texts[2] and "6 May 2024" not in texts[2]
    assert "You must appeal by Wednesday 20 January 2027" in texts[3]
    for text in texts:
        assert "Sam Sample" in text and "23 November 2026" not in text
        assert "20 November 2026" in text  # the letter's date, from the clock


def test_the_pdf_is_rendered_from_the_stored_html_outside_the_transaction(
    session: Session, clock: Clock
) -> None:
    record_all(session=session, case_ref="L1", events=ASSESSMENT_START, clock=clock)
    (waiting,) = letters_of(session)
    assert waiting.id is not None
    with pytest.raises(InvalidInput, match=f"Letter {waiting.id} is awaiting details"):
        pdf_of(session, waiting.id)
    with pytest.raises(letter_service.LetterNotFound, match="There is no letter 999"):
        pdf_of(session, 999)

    update(session, clock, **PEOPLE)
    (letter,) = letters_of(session)
    assert letter.status == READY and letter.id is not None
    assert letter.pdf is None and letter.pdf_sha256 is None  # not made in the transaction
    first = pdf_of(session, letter.id)
    assert not session.in_transaction()  # rendered with no lock held
    assert pdf_of(session, letter.id) == first  # the same stored HTML, the same PDF
    assert "Monday 19 February 2024" in pdf_text(first)
    assert letter_service.letter_json(letter)["html_sha256"] == sha256(letter.html or "")


def test_ready_letters_cannot_be_changed_or_deleted(
    session: Session, engine: Engine, clock: Clock
) -> None:
    update(session, clock, **PEOPLE)
    record_all(session=session, case_ref="L1", events=ASSESSMENT_START, clock=clock)
    with pytest.raises(sa.exc.DatabaseError, match="immutable"):
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE letters SET html = 'forged'"))
    with pytest.raises(sa.exc.DatabaseError, match="immutable"):
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE letters SET status = 'awaiting_details'"))
    with pytest.raises(sa.exc.DatabaseError, match="immutable"):
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM letters"))
    (letter,) = letters_of(session)
    assert letter.html is not None and "forged" not in letter.html


def test_a_console_cannot_replace_a_ready_letter(
    session: Session, engine: Engine, clock: Clock
) -> None:
    # SQLite's REPLACE deletes without firing delete triggers; a console has foreign keys off.
    update(session, clock, **PEOPLE)
    record_all(session=session, case_ref="L1", events=ASSESSMENT_START, clock=clock)
    columns = [c.name for c in Letter.__table__.columns]  # type: ignore[attr-defined]
    forged = ", ".join("'forged'" if c == "html" else c for c in columns)
    insert = f"INSERT INTO letters ({', '.join(columns)}) SELECT {forged} FROM letters"
    if engine.dialect.name == "sqlite":
        conn = sqlite3.connect(str(engine.url.database), isolation_level=None)
        try:
            with pytest.raises(sqlite3.IntegrityError, match="immutable"):
                conn.execute(insert.replace("INSERT", "INSERT OR REPLACE", 1))
        finally:
            conn.close()
    else:
        with pytest.raises(sa.exc.DatabaseError, match="immutable"):
            with engine.begin() as conn:
                conn.execute(sa.text(f"{insert} ON CONFLICT (id) DO UPDATE SET html = 'forged'"))
    (letter,) = letters_of(session)
    assert letter.status == READY
    assert letter.html is not None and "forged" not in letter.html


def test_a_waiting_letter_may_only_become_ready(session: Session, engine: Engine, clock) -> None:
    record_all(session=session, case_ref="L1", events=ASSESSMENT_START, clock=clock)
    with pytest.raises(sa.exc.DatabaseError, match="immutable"):
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE letters SET status = 'sent'"))
    with pytest.raises(sa.exc.DatabaseError, match="immutable"):
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE letters SET type = 'final_plan_cover'"))


def test_rerendering_a_stored_letter_reproduces_its_html(session: Session, clock: Clock) -> None:
    update(session, clock, **PEOPLE)
    record_all(session=session, case_ref="L1", events=ASSESSMENT_TO_FINAL, clock=clock)
    session.expire_all()
    for letter in session.exec(select(Letter)):
        assert letter.html is not None
        assert rerender(letter) == letter.html
        assert sha256(rerender(letter)) == letter.html_sha256


def test_a_young_person_gets_their_letter_and_the_parent_a_copy_if_agreed(
    session: Session, clock: Clock
) -> None:
    # 16 on 1 Jan 2026, so a young person from 31 Aug 2026; the clock says 20 Nov 2026.
    details = {**PEOPLE, "date_of_birth": "2010-01-01", "young_person_address": "Flat 2, Town"}
    update(session, clock, **details, parent_copy="true", ref="Y1")
    update(session, clock, **details, parent_copy="false", ref="Y2")
    for ref in ("Y1", "Y2"):
        record_all(session=session, case_ref=ref, events=ASSESSMENT_START, clock=clock)
    with_copy = letters_of(session, "Y1")
    assert [(x.recipient, x.is_copy, x.status) for x in with_copy] == [
        ("young_person", False, READY),
        ("parent", True, READY),
    ]
    assert "Dear Sam Sample," in (with_copy[0].text or "")
    assert "This is a copy of a letter we sent to Sam Sample" in (with_copy[1].text or "")
    assert "Jo Sample" in (with_copy[1].html or "")
    assert [(x.recipient, x.is_copy) for x in letters_of(session, "Y2")] == [
        ("young_person", False)
    ]


def test_reasons_are_a_detail_of_the_letter(session: Session, clock: Clock) -> None:
    update(session, clock, **PEOPLE)
    events = [*ASSESSMENT_START, ev("decision_not_to_assess", "2024-02-12")]
    record_all(session=session, case_ref="L1", events=events, clock=clock)
    waiting = letters_of(session)[-1]
    assert waiting.status == "awaiting_details" and waiting.missing == ["reasons"]
    assert waiting.id is not None
    done = letter_service.complete_letter(
        session=session,
        letter_id=waiting.id,
        details={"reasons": "The school can meet Sam's needs."},
        actor="t",
        clock=clock,
        council=council(),
    )
    assert done.status == READY
    assert "The school can meet Sam's needs." in (done.text or "")
    # Dated 20 November 2026 (the clock's day): the appeal runs 2 months from the letter.
    assert "You must appeal by Wednesday 20 January 2027" in (done.text or "")


def test_the_v3_duties_make_their_letters_with_the_clocks_dates(
    session: Session, clock: Clock
) -> None:
    # Spec v3 items 9, 10 and 12: a re-assessment refused, then one decided; a review
    # meeting noticed; a cease proposed and decided. Dated 20 November 2026 (the clock).
    update(session, clock, **PEOPLE)
    events = [
        *ASSESSMENT_TO_FINAL,
        ev("reassessment_requested", "2026-09-01", source="parent"),
        ev("decision_not_to_reassess", "2026-09-14"),
        ev("reassessment_requested", "2026-10-01", source="school"),
        ev("decision_to_reassess", "2026-10-12"),  # Mon
        ev("review_meeting_notice_sent", "2026-11-02", meeting_date="2026-12-03"),  # Thu
        ev("cease_proposed", "2026-11-16"),
    ]
    record_all(session=session, case_ref="L1", events=events, clock=clock)
    cease_decided = service.record_event(
        projections=projections(),
        session=session,
        case_ref="L1",
        event=ev("cease_notice_sent", "2026-11-20"),
        actor="t",
        clock=clock,
        letter_details={"reasons": "Sam's needs are now met without the plan."},
    )
    assert cease_decided.case.state == "plan_in_force"
    made = {x.type: x for x in letters_of(session)}
    refusal = made["decision_not_to_reassess"]
    assert (refusal.status, refusal.missing) == ("awaiting_details", ["reasons"])
    assert refusal.id is not None
    done = letter_service.complete_letter(
        session=session,
        letter_id=refusal.id,
        details={"reasons": "The plan still meets Sam's needs."},
        actor="t",
        clock=clock,
        council=council(),
    )
    # Made 20 November 2026, after the decision on 14 September: 2 months from the letter.
    assert "You must appeal by Wednesday 20 January 2027" in (done.text or "")
    assert "The plan still meets Sam's needs." in (done.text or "")
    reassess = made["decision_to_reassess"]
    assert reassess.status == READY
    assert "by Monday 18 January 2027" in (reassess.text or "")  # 12 Oct + 98 days
    notice = made["review_meeting_notice"]
    assert notice.status == READY
    assert "Thursday 3 December 2026" in (notice.text or "")
    assert "by Thursday 19 November 2026, 2 weeks before the meeting" in (notice.text or "")
    assert made["cease_proposal"].status == READY
    cease = made["cease_notice"]
    assert cease.status == READY
    assert "Sam's needs are now met without the plan." in (cease.text or "")
    assert "You must appeal by Wednesday 20 January 2027" in (cease.text or "")


def test_the_event_note_never_gives_the_reasons(session: Session, clock: Clock) -> None:
    # The note is internal (issue 17): the letter waits for reasons given for it.
    update(session, clock, **PEOPLE)
    note = "Recorded late: I was off sick on Friday."
    events = [*ASSESSMENT_START, ev("decision_not_to_assess", "2024-02-12", note=note)]
    record_all(session=session, case_ref="L1", events=events, clock=clock)
    waiting = letters_of(session)[-1]
    assert (waiting.status, waiting.missing) == ("awaiting_details", ["reasons"])
    assert note not in json.dumps(waiting.context)


def test_import_makes_letters_only_when_asked(session: Session, clock: Clock) -> None:
    def lines(ref: str) -> list[str]:
        return [
            f'{{"case": "{ref}", "type": "request_received", "date": "2024-01-08", '
            '"source": "parent"}',
            f'{{"case": "{ref}", "type": "decision_to_assess", "date": "2024-02-12"}}',
        ]

    import_all(session=session, lines=lines("I1"), clock=clock, actor="t")
    assert letters_of(session, "I1") == []
    update(session, clock, **PEOPLE, ref="I2")
    service.import_events(
        projections=projections(),
        session=session,
        lines=council_for_lines(session, clock, lines("I2")),
        actor="t",
        clock=clock,
        project_events=True,
    )
    assert [(x.type, x.status) for x in letters_of(session, "I2")] == [
        ("acknowledgement_of_request", READY),
        ("decision_to_assess", READY),
    ]


def test_advice_chasers_are_queued_once_and_not_committed(session: Session, clock) -> None:
    update(session, clock, **PEOPLE)
    events = [
        ev("request_received", "2026-08-24", source="parent"),
        ev("decision_to_assess", "2026-09-28"),
        ev("advice_requested", "2026-10-01", advice="psychological"),  # due Thu 12 Nov 2026
    ]
    record_all(session=session, case_ref="L1", events=events, clock=clock)

    def queue(on: date) -> list[Letter]:
        return chasers.queue_advice_chasers(
            session=session, as_of=on, clock=clock, council=council()
        )

    assert queue(date(2026, 11, 4)) == []  # Wed: 6 working days before
    (reminder,) = queue(date(2026, 11, 5))  # Thu: 5 working days before
    assert reminder.type == "advice_reminder" and reminder.recipient == "adviser"
    assert "Please send your advice by Thursday 12 November 2026." in (reminder.text or "")
    assert queue(date(2026, 11, 6)) == []  # once per deadline
    (overdue,) = queue(date(2026, 11, 13))
    assert overdue.type == "advice_overdue"
    assert "It was due on Thursday 12 November 2026, 1 day ago." in (overdue.text or "")
    assert queue(date(2026, 11, 16)) == []
    session.rollback()  # the caller owns the transaction: nothing was committed
    assert [x.type for x in letters_of(session)] == [
        "acknowledgement_of_request",
        "decision_to_assess",
        "request_for_advice",
    ]


def test_no_names_or_dates_of_birth_in_the_logs(
    session: Session, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        update(session, clock, **PEOPLE)
        record_all(session=session, case_ref="L1", events=ASSESSMENT_START, clock=clock)
    assert "Sam" not in caplog.text and "2015-03-14" not in caplog.text


def test_bad_details_are_refused_naming_the_field(session: Session, clock: Clock) -> None:
    from workflow.errors import InvalidInput

    with pytest.raises(InvalidInput, match="parent_email in the correct format"):
        update(session, clock, parent_email="not-an-email")
    with pytest.raises(InvalidInput, match="select post or email"):
        update(session, clock, communication="pigeon")
    with pytest.raises(InvalidInput, match="date_of_birth must be today or in the past"):
        update(session, clock, date_of_birth="2027-01-01")


def test_letter_date_comes_from_the_clock(session: Session) -> None:
    def later() -> datetime:
        return datetime(2026, 11, 23, 23, 30, tzinfo=UTC)  # 23:30 UTC is still the 23rd in winter

    update(session, later, **PEOPLE)
    record_all(session=session, case_ref="L1", events=ASSESSMENT_START, clock=later)
    (letter,) = letters_of(session)
    assert letter.letter_date == date(2026, 11, 23)
