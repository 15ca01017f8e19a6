"""Issue 17: the event import under hostile lines (hypothesis).

Whatever a line holds (control characters, NUL, huge strings, other scripts' digits,
the wrong JSON types, look-alike references, not JSON at all), the import either
takes the whole file or refuses it with a `WorkflowError` that names the line, and
nothing is half-imported: the row counts do not move. On SQLite and PostgreSQL (NUL
in a parameter is a fault on PostgreSQL, which is what this found).
"""

from __future__ import annotations

import itertools
import json
import unicodedata
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from tests.workflow.factories import import_all
from workflow.errors import WorkflowError
from workflow.models import Case, CasePeople, StoredDeadline, StoredEvent

RUNS = itertools.count()
GOOD = {"type": "request_received", "date": "2026-10-01", "source": "parent"}
KEYS = [
    "case",
    "type",
    "date",
    "source",
    "note",
    "actor",
    "team",
    "officer",
    "date_of_birth",
    "people",
    "advice",
    "ref",
    "extra",
]
PEOPLE_KEYS = ["child_name", "parent_address", "parent_email", "date_of_birth", "large_print"]

controls = st.characters(codec="utf-8", categories=["Cc"]) | st.sampled_from(
    ["\x00", "\r", "\n", "\r\n", "\x85", "\u2028", "\x1b[2J"]
)
hostile_text = st.one_of(
    st.builds(lambda a, c, b: a + c + b, st.text(max_size=10), controls, st.text(max_size=10)),
    st.sampled_from(
        [
            "٢٠٢٦-١٠-٠١",  # Arabic-Indic digits
            "２０２６-１０-０１",  # full-width digits
            "𝟐𝟎𝟐𝟔-𝟏𝟎-𝟎𝟏",  # mathematical digits
            "EH\u0421001",  # a Cyrillic Es
            "ＥＨＣ００１",  # full-width letters
            "x" * 100_000,
            "\x00" * 1000,
            "",
            " ",
        ]
    ),
    st.text(max_size=40),
)
json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    hostile_text,
)
hostile_value = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)


TEXT_KEYS = ["case", "note", "actor", "team", "officer", "ref", "source", "date"]
LINES = ("note", "parent_address", "young_person_address")  # text kept in lines


@st.composite
def hostile_line(draw: st.DrawFn) -> str:
    mode = draw(st.integers(0, 9))
    if mode == 0:  # not JSON at all, or not an object
        return draw(st.sampled_from(["{", "[1, 2]", '"text"', "null", "{\x00}"]))
    line: dict[str, Any] = {"case": f"FUZZ{draw(st.integers(0, 10**9))}", **GOOD}
    if mode <= 5:  # one text field made hostile, the rest of the line good
        if draw(st.booleans()):
            line[draw(st.sampled_from(TEXT_KEYS))] = draw(hostile_text)
        else:
            line["people"] = {draw(st.sampled_from(PEOPLE_KEYS)): draw(hostile_text)}
        return json.dumps(line)
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(KEYS))
        if key == "people" and draw(st.booleans()):
            value: Any = {draw(st.sampled_from(PEOPLE_KEYS)): draw(hostile_value)}
        else:
            value = draw(hostile_value)
        line[key] = value
    return json.dumps(line)


def forbidden(value: Any, key: str | None = None) -> bool:
    """Whether a control character is anywhere in the line (a newline only where text is
    kept in lines): such a line must never be imported."""
    if isinstance(value, dict):
        return any(forbidden(k) or forbidden(v, k) for k, v in value.items())
    if isinstance(value, list):
        return any(forbidden(v) for v in value)
    if not isinstance(value, str):
        return False
    if key in LINES:
        value = value.replace("\r\n", "").replace("\n", "")
    return any(unicodedata.category(c) == "Cc" or c in "\u2028\u2029" for c in value)


def counts(session: Session) -> tuple[int, ...]:
    found = tuple(
        session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        for table in (Case, StoredEvent, StoredDeadline, CasePeople)
    )
    session.commit()
    return found


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(line=hostile_line(), position=st.integers(0, 2))
@example(line=json.dumps({"case": "NUL1", **GOOD, "note": "a\x00b"}), position=1)
@example(line=json.dumps({"case": "CRLF1", **GOOD, "officer": "J\r\nSmith"}), position=0)
def test_a_hostile_line_imports_nothing_and_is_named(
    session: Session, clock: Callable[[], datetime], line: str, position: int
) -> None:
    run = next(RUNS)  # fresh references: an earlier example may have imported its lines
    lines = [json.dumps({"case": f"GOOD{run}-{i}", **GOOD}) for i in range(2)]
    lines.insert(position, line)
    before = counts(session)
    try:
        import_all(session=session, lines=lines, clock=clock)
    except WorkflowError as err:
        assert str(err).startswith(f"Line {position + 1}"), str(err)[:300]
        assert counts(session) == before
    else:  # taken whole: the line was valid after all
        assert not forbidden(json.loads(line)), f"a control character was imported: {line!r}"
        assert counts(session)[0] == before[0] + 3
