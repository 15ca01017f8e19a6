"""Issue 17: text with control characters, references and dates are checked once, in
`workflow`, before the database, whichever edge they came through (items 2, 5, 9, 13).

NUL in a parameter is a fault on PostgreSQL (a 500 that logged the SQL parameters);
CR/LF in an officer's name stopped the notification sweep. Each must be a `WorkflowError`
naming the field, with nothing written, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from tests.conftest import TODAY
from tests.wiring import projections
from tests.workflow.factories import ev, import_all
from workflow import service
from workflow.case_writes import check_reference
from workflow.caseload import find_cases
from workflow.errors import InvalidEvent, InvalidInput, WorkflowError
from workflow.law.events import parse_date, parse_event
from workflow.models import Case, CasePeople, StoredEvent

Clock = Callable[[], datetime]
REQUEST = ev("request_received", "2026-10-01", source="parent")
# One of each kind: NUL, the line breaks that split a log line or a mail header, C0 and C1.
HOSTILE = ["A\x00B", "North\r\nBcc: x@example.com", "A\rB", "A\nB", "A\tB", "A\x1bB", "A\x85B"]


def counts(session: Session) -> tuple[int, int, int]:
    found = tuple(
        session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        for table in (Case, StoredEvent, CasePeople)
    )
    session.commit()
    return found  # type: ignore[return-value]


def record(session: Session, clock: Clock, ref: str = "C1", **kw: Any) -> service.Recorded:
    return service.record_event(
        projections=projections(),
        session=session,
        case_ref=ref,
        event=kw.pop("event", REQUEST),
        actor="test",
        clock=clock,
        **kw,
    )


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("name", ["team", "officer"])
def test_a_case_field_with_a_control_character_is_refused_naming_it(
    session: Session, clock: Clock, name: str, text: str
) -> None:
    with pytest.raises(InvalidInput, match=f"{name.capitalize()} must not contain control") as e:
        record(session, clock, case_fields={"team": "North", name: text})
    assert e.value.field == name
    assert counts(session) == (0, 0, 0)


@pytest.mark.parametrize("text", HOSTILE)
def test_an_events_text_with_a_control_character_is_refused_naming_the_field(
    session: Session, clock: Clock, text: str
) -> None:
    advice = ev("advice_requested", "2026-10-06", advice="health")
    for event, name in (
        (REQUEST | {"actor": text}, "actor"),
        (advice | {"ref": text}, "ref"),
    ):
        with pytest.raises(InvalidEvent, match=f"{name} must not contain control") as e:
            record(session, clock, event=event)
        assert e.value.field == name
    assert counts(session) == (0, 0, 0)


@pytest.mark.parametrize("text", ["A\x00B", "A\rB", "A\tB", "A\x1bB", "A\x9bB", "A\u2028B"])
def test_a_note_may_have_lines_but_no_other_control_character(
    session: Session, clock: Clock, text: str
) -> None:
    with pytest.raises(InvalidEvent, match="note must not contain control") as e:
        record(session, clock, event=REQUEST | {"note": text})
    assert e.value.field == "note"
    assert counts(session) == (0, 0, 0)
    # A browser sends a textarea's lines with CRLF: stored with LF.
    stored = record(session, clock, event=REQUEST | {"note": "Line one\r\nLine two\nthree"})
    assert stored.event.note == "Line one\nLine two\nthree"


@pytest.mark.parametrize(
    "name, text",
    [
        ("child_name", "Sam\x00Sample"),
        ("parent_name", "Jo\nSample"),
        ("setting", "Oak\rfield"),
        ("parent_email", "jo\x00@example.com"),
        ("parent_address", "12 Example Road\x00, Exampletown"),
        ("parent_address", "12 Example Road\rExampletown"),
        ("communication", "post\x00"),
    ],
)
def test_peoples_details_with_a_control_character_are_refused_naming_the_field(
    session: Session, clock: Clock, name: str, text: str
) -> None:
    with pytest.raises(InvalidInput, match=f"{name} must not contain control") as e:
        service.update_case(
            projections=projections(),
            session=session,
            case_ref="C1",
            details={name: text},
            actor="test",
            clock=clock,
        )
    assert e.value.field == name
    assert counts(session) == (0, 0, 0)


def test_an_address_keeps_its_lines(session: Session, clock: Clock) -> None:
    service.update_case(
        projections=projections(),
        session=session,
        case_ref="C1",
        details={"parent_address": "12 Example Road\r\nExampletown\nEX1 2AB"},
        actor="test",
        clock=clock,
    )
    row = session.exec(select(CasePeople)).one()
    assert row.parent_address == "12 Example Road\nExampletown\nEX1 2AB"


@pytest.mark.parametrize(
    "line, field",
    [
        ({"case": "C1", **REQUEST, "note": "a\x00b"}, "note"),
        ({"case": "C1", **REQUEST, "officer": "J\nSmith"}, "officer"),
        ({"case": "C1", **REQUEST, "people": {"child_name": "S\x00m"}}, "child_name"),
        ({"case": "C\x001", **REQUEST}, "reference"),
    ],
)
def test_an_import_line_with_a_control_character_imports_nothing(
    session: Session, clock: Clock, line: dict[str, Any], field: str
) -> None:
    good = json.dumps({"case": "C0", **REQUEST})
    with pytest.raises(WorkflowError, match=r"Line 2\b.*must not contain control") as e:
        import_all(session=session, lines=[good, json.dumps(line)], clock=clock)
    assert e.value.field == field
    assert counts(session) == (0, 0, 0)


@pytest.mark.parametrize("name", ["team", "officer", "search"])
def test_a_search_with_a_control_character_is_refused_before_the_database(
    session: Session, name: str
) -> None:
    with pytest.raises(InvalidInput, match="must not contain control") as e:
        find_cases(session, as_of=TODAY, **{name: "DEMO\x00"})
    assert e.value.field == {"search": "q"}.get(name, name)


# -- one reference syntax (item 13) ------------------------------------------------


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("EHC001", "EHC001"),
        ("  EHC/2026/0153 ", "EHC/2026/0153"),
        ("a-b_c.d", "a-b_c.d"),
        ("ＥＨＣ００１", "EHC001"),  # full-width: NFKC makes it ASCII
        ("EHC／2026", "EHC/2026"),  # full-width solidus
    ],
)
def test_a_reference_is_normalised(typed: str, stored: str) -> None:
    assert check_reference(typed) == stored


@pytest.mark.parametrize(
    "typed, message",
    [
        ("", "Enter the case reference"),
        ("EHC\u0421001", "'\u0421', U+0421, is not one of them"),  # Cyrillic Es, like C
        ("\u0415HC001", "'\u0415', U+0415, is not one of them"),  # Cyrillic Ie, like E
        ("EHC\u03bf01", "U+03BF"),  # Greek omicron, like o
        ("EHC#1", "'#', U+0023"),
        ("EHC 1", "' ', U+0020"),
        ("EHC//1", "slashes between parts"),
        ("/EHC1", "slashes between parts"),
        ("EHC1/", "slashes between parts"),
        ("EHC/../1", "slashes between parts"),
        ("EHC\x001", "Case reference must not contain control characters"),
        ("X" * 65, "64 characters or fewer"),
        ("EHC1/details", "cannot end with /details"),
        ("EHC1/letters/3", "cannot end with /3"),
    ],
)
def test_a_reference_outside_the_syntax_is_refused_with_a_clear_message(
    typed: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as e:
        check_reference(typed)
    assert message in str(e.value)
    assert e.value.field == "reference"


def test_a_look_alike_reference_cannot_open_a_second_case(session: Session, clock: Clock) -> None:
    record(session, clock, ref="EHC001")
    with pytest.raises(InvalidInput, match="U\\+0421"):
        record(session, clock, ref="EH\u0421001")
    # The full-width spelling is the same case, not a new one.
    with pytest.raises(WorkflowError):
        record(session, clock, ref="ＥＨＣ００１", expected_version=0)
    assert counts(session)[0] == 1


# -- one date parser (item 9) -------------------------------------------------------

# The same day written in other scripts' digits: str.isdigit() and int() take them all.
UNICODE_DIGITS = [
    "٢٠٢٦-١٠-٠١",  # Arabic-Indic
    "۲۰۲۶-۱۰-۰۱",  # Extended Arabic-Indic (Persian)
    "２０２６-１０-０１",  # full-width
    "𝟐𝟎𝟐𝟔-𝟏𝟎-𝟎𝟏",  # mathematical bold
    "२०२६-१०-०१",  # Devanagari
]


@pytest.mark.parametrize("text", UNICODE_DIGITS)
def test_dates_take_ascii_digits_only(text: str) -> None:
    with pytest.raises(ValueError, match="is not a real date"):
        parse_date(text)
    with pytest.raises(InvalidEvent, match="date .*is not a real date") as e:
        parse_event({"type": "request_received", "date": text, "source": "parent"})
    assert e.value.field == "date"
    assert parse_date("2026-10-01") == date(2026, 10, 1)


@pytest.mark.parametrize("text", UNICODE_DIGITS)
def test_a_date_of_birth_takes_ascii_digits_only(session: Session, clock: Clock, text: str) -> None:
    with pytest.raises(InvalidInput, match="date_of_birth"):
        record(session, clock, case_fields={"team": "North", "date_of_birth": text})
    with pytest.raises(InvalidInput, match="date_of_birth"):
        service.update_case(
            projections=projections(),
            session=session,
            case_ref="C1",
            details={"date_of_birth": text},
            actor="test",
            clock=clock,
        )
    assert counts(session) == (0, 0, 0)


@pytest.mark.parametrize("year", ["٢٠٢٧", "２０２７", "𝟐𝟎𝟐𝟕"])
def test_a_year_takes_ascii_digits_only(year: str) -> None:
    raw = {"type": "phase_transfer_scheduled", "date": "2026-10-01", "to": "school"}
    with pytest.raises(InvalidEvent, match="transfer_year must be a year") as e:
        parse_event(raw | {"transfer_year": year})
    assert e.value.field == "transfer_year"
    assert parse_event(raw | {"transfer_year": "2027"}).get("transfer_year") == 2027
