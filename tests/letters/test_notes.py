"""An officer's note on an event is internal: it never appears in a letter (issue 17 item 15).

The record-event form's Note is for the case file (why an event is recorded late, say).
A decision letter's reasons are the council's legal reasons to the family, given for the
letter itself; a decision letter without them waits for them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from letters import chasers
from letters import service as letter_service
from letters.catalogue import CATALOGUE, CORRECTION
from letters.models import AWAITING, READY, Letter
from letters.samples import CHASE_DAYS, SAMPLES
from tests.letters.test_store import PEOPLE, update
from tests.wiring import council, projections
from workflow import service

Clock = Callable[[], datetime]
NOTE = "Recorded late: I was off sick on Friday."
REASONS = "The school can meet Sam's needs from its own resources."


def _record_sample_with_notes(session: Session, clock: Clock, letter_type: str, ref: str) -> None:
    """Record the sample history of `letter_type`, every event carrying the note."""
    update(session, clock, ref, **PEOPLE)
    history, _ = SAMPLES[letter_type]
    for raw in history:
        service.record_event(
            projections=projections(),
            session=session,
            case_ref=ref,
            event={**{k: v for k, v in raw.items() if k != "note"}, "note": NOTE},
            actor="t",
            clock=clock,
        )


def test_no_letter_of_any_type_prints_an_event_note(session: Session, clock: Clock) -> None:
    for n, letter_type in enumerate(SAMPLES, start=1):
        _record_sample_with_notes(session, clock, letter_type, f"NOTE{n}")
    for on in sorted(CHASE_DAYS.values()):
        chasers.queue_advice_chasers(session=session, as_of=on, clock=clock, council=council())
    session.commit()

    letters: list[Letter] = []
    for n in range(1, len(SAMPLES) + 1):
        letters += letter_service.list_letters(session=session, case_ref=f"NOTE{n}")
    for letter in letters:
        if letter.status == AWAITING:
            # Complete every waiting letter with the details the council gives for it.
            assert letter.id is not None
            sample_details = SAMPLES.get(letter.type, ([], {}))[1]
            details = {name: sample_details.get(name, REASONS) for name in letter.missing or []}
            letter = letter_service.complete_letter(
                session=session,
                letter_id=letter.id,
                details=details,
                actor="t",
                clock=clock,
                council=council(),
            )
        assert letter.status == READY, (letter.type, letter.missing)
        for text in (letter.html or "", letter.text or "", json.dumps(letter.context)):
            assert "off sick" not in text, letter.type
    # Every type was rendered, but the correction letter: an officer makes it for a withdrawn
    # letter, and it carries no event's words (tests/letters/test_correction_letter.py).
    assert {letter.type for letter in letters} == set(CATALOGUE) - {CORRECTION}


def test_a_decision_letter_waits_for_its_reasons_whatever_the_note_says(
    session: Session, clock: Clock
) -> None:
    for n, letter_type in enumerate(SAMPLES, start=1):
        if "reasons" not in CATALOGUE[letter_type].letter_fields:
            continue
        ref = f"WAIT{n}"
        _record_sample_with_notes(session, clock, letter_type, ref)
        (letter,) = [
            x
            for x in letter_service.list_letters(session=session, case_ref=ref)
            if x.type == letter_type
        ]
        assert (letter.status, letter.missing) == (AWAITING, ["reasons"]), letter_type
        assert letter.id is not None
        done = letter_service.complete_letter(
            session=session,
            letter_id=letter.id,
            details={"reasons": REASONS},
            actor="t",
            clock=clock,
            council=council(),
        )
        assert done.status == READY
        assert REASONS in (done.text or "") and NOTE not in (done.text or "")
