"""Copies taken of letters, and the correction letter for a withdrawn one (issue 18, item 4).

On SQLite and PostgreSQL: each download or print is recorded; a withdrawn letter a copy
was taken of before it was withdrawn may have reached the family, and the officer can
make the correction letter for it, once, through the letters service like any letter.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from sqlalchemy import Engine
from sqlmodel import Session

from letters import service as letter_service
from letters.models import READY, Letter
from tests.letters.test_store import PEOPLE, update
from tests.wiring import council, projections
from tests.workflow.factories import ev, record_all
from workflow import service
from workflow.errors import InvalidInput

Clock = Callable[[], datetime]
HISTORY = [
    ev("request_received", "2024-01-08", source="parent"),
    ev("decision_to_assess", "2024-02-12"),
]


def _letters(session: Session) -> list[Letter]:
    return letter_service.list_letters(session=session, case_ref="L1")


def _take_copy(session: Session, clock: Clock, letter: Letter, how: str = "web") -> None:
    assert letter.id is not None
    letter_service.record_download(
        session=session, letter_id=letter.id, actor="officer.a", how=how, clock=clock
    )


def _correct(session: Session, clock: Clock, date: str | None = None) -> service.Voided:
    """Correct the decision to assess to `date`, or void it."""
    args = {"session": session, "case_ref": "L1", "sequence": 2, "clock": clock}
    args |= {"reason": "Typed the wrong date", "actor": "officer.a", "projections": projections()}
    if date is None:
        return service.void_event(**args)  # type: ignore[arg-type]
    return service.correct_event(date=date, **args)  # type: ignore[arg-type]


def _make(session: Session, clock: Clock, letter_id: int) -> list[Letter]:
    return letter_service.make_correction_letter(
        session=session,
        case_ref="L1",
        letter_id=letter_id,
        actor="officer.a",
        clock=clock,
        council=council(),
    )


def test_copies_are_recorded_and_counted(session: Session, engine: Engine, clock: Clock) -> None:
    update(session, clock, **PEOPLE)
    record_all(session=session, case_ref="L1", events=HISTORY, clock=clock)
    ack, decision = _letters(session)
    _take_copy(session, clock, decision)
    _take_copy(session, clock, decision, how="cli")
    assert letter_service.download_counts(
        session=session, letter_ids=[ack.id or 0, decision.id or 0]
    ) == {decision.id: 2}
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT letter_id, downloaded_by, how FROM letter_downloads ORDER BY id")
        ).all()
    assert [tuple(r) for r in rows] == [
        (decision.id, "officer.a", "web"),
        (decision.id, "officer.a", "cli"),
    ]
    with pytest.raises(ValueError, match="how must be one of"):
        _take_copy(session, clock, decision, how="fax")


def test_a_waiting_letter_has_no_copy_to_take(session: Session, clock: Clock) -> None:
    record_all(session=session, case_ref="L1", events=HISTORY[:1], clock=clock)
    (ack,) = _letters(session)
    with pytest.raises(InvalidInput, match="awaiting_details: it has no copy to take"):
        _take_copy(session, clock, ack)
    with pytest.raises(letter_service.LetterNotFound):
        letter_service.record_download(
            session=session, letter_id=999, actor="a", how="web", clock=clock
        )


def test_a_withdrawn_letter_that_was_downloaded_gets_its_correction_letter(
    session: Session, clock: Clock
) -> None:
    update(session, clock, **PEOPLE)
    record_all(session=session, case_ref="L1", events=HISTORY, clock=clock)
    decision = _letters(session)[1]
    assert decision.id is not None
    _take_copy(session, clock, decision)
    _correct(session, clock, date="2024-02-13")

    (withdrawn,) = letter_service.withdrawn_letters(session=session, case_ref="L1")
    assert withdrawn.may_have_gone_out and len(withdrawn.downloads) == 1
    assert letter_service.needs_correction_letter(withdrawn)
    assert letter_service.correction_letters(session=session, case_ref="L1") == {}

    (made,) = _make(session, clock, decision.id)
    assert (made.type, made.status, made.recipient, made.event_id) == (
        "correction",
        READY,
        "parent",
        None,
    )
    assert letter_service.correction_letters(session=session, case_ref="L1")[decision.id].id == (
        made.id
    )
    text = letter_service.get_letter(session=session, letter_id=made.id or 0).text or ""
    assert "We wrote to you on 20 November 2026" in text  # the withdrawn letter's date
    assert "“We will carry out an EHC needs assessment”" in text
    assert "We are sending you a corrected letter" in text

    # The PDF, read back: what the family will read.
    pdf = letter_service.letter_pdf(session=session, letter_id=made.id or 0)
    read = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "A correction to our letter" in read
    assert "That letter was wrong, and we have withdrawn it." in read
    assert "Dear Jo Sample," in read

    with pytest.raises(InvalidInput, match="already has its correction letter"):
        _make(session, clock, decision.id)


def test_a_voided_event_s_correction_letter_says_it_did_not_happen(
    session: Session, clock: Clock
) -> None:
    update(session, clock, **PEOPLE)
    record_all(session=session, case_ref="L1", events=HISTORY, clock=clock)
    decision = _letters(session)[1]
    _take_copy(session, clock, decision)
    _correct(session, clock)
    (made,) = _make(session, clock, decision.id or 0)
    text = letter_service.get_letter(session=session, letter_id=made.id or 0).text or ""
    assert "What that letter told you about did not happen. Please ignore that letter." in text


def test_no_correction_letter_without_a_copy_taken_before_the_withdrawal(
    session: Session, clock: Clock
) -> None:
    update(session, clock, **PEOPLE)
    record_all(session=session, case_ref="L1", events=HISTORY, clock=clock)
    ack, decision = _letters(session)
    _correct(session, clock)

    def later() -> datetime:
        return clock() + timedelta(minutes=5)

    _take_copy(session, later, decision)  # a copy of the already withdrawn letter
    (withdrawn,) = letter_service.withdrawn_letters(session=session, case_ref="L1")
    assert not withdrawn.may_have_gone_out
    with pytest.raises(InvalidInput, match="needs no correction letter"):
        _make(session, clock, decision.id or 0)
    with pytest.raises(InvalidInput, match="is not a withdrawn letter of this case"):
        _make(session, clock, ack.id or 0)
