"""`ehc export events` with and without corrections, and importing what it writes
(issue 18), on SQLite and PostgreSQL.

Without corrections the export is the effective history, in the plain format. With
them, every event carries its `sequence` and a voided one its void; importing that
into an empty database gives back the same cases: every event (voided ones too), the
same voids (reasons, who, when, replacements), state and deadlines. A bad line of such
a file imports nothing and is named.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import count, islice
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from letters.models import Letter
from tests.cli.test_cli import run
from tests.council import council_for_lines
from tests.wiring import projections
from tests.workflow.factories import ASSESSMENT, ev, import_all, record_all
from workflow import demo, importing, service
from workflow.corrections import corrections_of
from workflow.db import make_engine, new_session
from workflow.errors import WorkflowError
from workflow.law.events import EVENT_FIELDS
from workflow.models import Case, EventVoid, StoredDeadline, StoredEvent

Clock = Callable[[], datetime]
AS_OF = date(2026, 11, 20)
START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def ticking() -> Clock:
    """A clock a minute later at each reading, so every void has its own time."""
    minutes = count()
    return lambda: START + timedelta(minutes=next(minutes))


def _void(session: Session, clock: Clock, ref: str, sequence: int, reason: str) -> None:
    service.void_event(
        session=session,
        case_ref=ref,
        sequence=sequence,
        reason=reason,
        actor="officer.a@council.example",
        clock=clock,
        projections=projections(),
    )


def _correct(session: Session, clock: Clock, ref: str, sequence: int, **change: Any) -> None:
    service.correct_event(
        session=session,
        case_ref=ref,
        sequence=sequence,
        reason=change.pop("reason", "Typed it wrong"),
        actor="manager.b@council.example",
        clock=clock,
        projections=projections(),
        **change,
    )


def _corrected_cases(session: Session, clock: Clock) -> None:
    """Cases with every kind of correction history, and one without any.

    C1: the decision's date corrected, then the correction corrected (a chain); the
        advice voided. C2: a plain void of its last event. C3: a field corrected, with
        a note. C4: nothing corrected.
    """
    record_all(session=session, case_ref="C1", events=ASSESSMENT[:3], clock=clock)
    _correct(session, clock, "C1", 2, date="2024-02-11")  # event 2 -> 4
    _correct(session, clock, "C1", 4, date="2024-02-10", reason="Still wrong")  # 4 -> 5
    _void(session, clock, "C1", 3, "Asked for the wrong advice\nand wrote it down")
    record_all(session=session, case_ref="C2", events=ASSESSMENT[:2], clock=clock)
    _void(session, clock, "C2", 2, "Not decided yet")
    record_all(session=session, case_ref="C3", events=ASSESSMENT[:1], clock=clock)
    _correct(session, clock, "C3", 1, fields={"source": "parent", "note": "from the mother"})
    record_all(session=session, case_ref="C4", events=ASSESSMENT, clock=clock)


def _export(session: Session, *, with_corrections: bool) -> list[str]:
    return [
        json.dumps(line)
        for line in service.export_events(session=session, with_corrections=with_corrections)
    ]


def _snapshot(session: Session) -> dict[str, Any]:
    """Everything a case's correction history decides, for comparing two databases."""
    out: dict[str, Any] = {}
    for case in session.exec(select(Case).order_by(col(Case.reference))).all():
        assert case.id is not None
        events = session.exec(
            select(StoredEvent)
            .where(StoredEvent.case_id == case.id)
            .order_by(col(StoredEvent.sequence))
        ).all()
        deadlines = session.exec(
            select(StoredDeadline)
            .where(StoredDeadline.case_id == case.id)
            .order_by(col(StoredDeadline.position))
        ).all()
        view = service.get_case(session=session, case_ref=case.reference, as_of=AS_OF)
        out[case.reference] = {
            "state": case.state,
            "team": case.team,
            "events": [(e.sequence, e.type, e.date, e.fields, e.note, e.actor) for e in events],
            "effective": [e.sequence for e in view.events],
            "corrections": [c.to_json() for c in corrections_of(session, case.id)],
            "stored_deadlines": [
                {k: v for k, v in d.model_dump().items() if k not in ("id", "case_id")}
                for d in deadlines
            ],
            "deadlines": [d.to_json() for d in view.evaluation.deadlines],
        }
    return out


@pytest.fixture
def other_session(new_db_url: Callable[[], str]) -> Iterator[Session]:
    """A session on a second, empty database of the test's engine."""
    other = make_engine(new_db_url())
    session = new_session(other)
    try:
        yield session
    finally:
        session.close()
        other.dispose()


# -- the export ---------------------------------------------------------------------------


def test_the_plain_export_is_the_effective_history_without_numbers(
    session: Session, ticking: Clock
) -> None:
    _corrected_cases(session, ticking)
    lines = [json.loads(line) for line in _export(session, with_corrections=False)]
    c1 = [(x["type"], x["date"]) for x in lines if x["case"] == "C1"]
    assert c1 == [("request_received", "2024-01-08"), ("decision_to_assess", "2024-02-10")]
    assert not any("sequence" in x or "voided" in x for x in lines)
    c3 = [x for x in lines if x["case"] == "C3"]
    assert c3 == [
        {
            "case": "C3",
            "type": "request_received",
            "date": "2024-01-08",
            "source": "parent",
            "note": "from the mother",
        }
    ]


def test_the_export_with_corrections_numbers_every_event_and_carries_the_voids(
    session: Session, ticking: Clock
) -> None:
    _corrected_cases(session, ticking)
    lines = [json.loads(line) for line in _export(session, with_corrections=True)]
    c1 = [x for x in lines if x["case"] == "C1"]
    assert [x["sequence"] for x in c1] == [1, 2, 3, 4, 5]
    assert [x.get("voided", {}).get("replaced_by", "-") for x in c1] == ["-", 4, None, 5, "-"]
    assert c1[1] == {
        "case": "C1",
        "sequence": 2,
        "type": "decision_to_assess",
        "date": "2024-02-12",
        "voided": {
            "reason": "Typed it wrong",
            "by": "manager.b@council.example",
            "at": c1[1]["voided"]["at"],
            "replaced_by": 4,
        },
    }
    assert datetime.fromisoformat(c1[1]["voided"]["at"]).tzinfo is not None
    assert c1[2]["voided"]["reason"] == "Asked for the wrong advice\nand wrote it down"
    c4 = [x for x in lines if x["case"] == "C4"]
    assert [x["sequence"] for x in c4] == list(range(1, len(ASSESSMENT) + 1))
    assert not any("voided" in x for x in c4)


def test_no_event_type_has_a_field_the_corrections_format_uses() -> None:
    for fields in EVENT_FIELDS.values():
        assert not {importing.SEQUENCE, importing.VOIDED} & set(fields)


# -- the round trip -----------------------------------------------------------------------


def test_export_with_corrections_then_import_gives_the_same_cases(
    session: Session, other_session: Session, ticking: Clock, clock: Clock
) -> None:
    _corrected_cases(session, ticking)
    exported = _export(session, with_corrections=True)
    summary = import_all(session=other_session, lines=exported, clock=clock)
    assert (summary.events, summary.cases_created) == (len(exported), 4)
    assert _snapshot(other_session) == _snapshot(session)
    # And the file it exports is the file it was imported from.
    assert _export(other_session, with_corrections=True) == exported
    assert _export(other_session, with_corrections=False) == _export(
        session, with_corrections=False
    )


def test_a_plain_export_of_corrected_cases_imports_as_their_effective_history(
    session: Session, other_session: Session, ticking: Clock, clock: Clock
) -> None:
    _corrected_cases(session, ticking)
    import_all(session=other_session, lines=_export(session, with_corrections=False), clock=clock)
    ours, theirs = _snapshot(session), _snapshot(other_session)
    for ref, case in ours.items():
        copy = theirs[ref]
        assert copy["corrections"] == []
        assert (copy["state"], copy["stored_deadlines"]) == (
            case["state"],
            case["stored_deadlines"],
        )
        effective = [e[1:] for e in case["events"] if e[0] in case["effective"]]
        assert [e[1:] for e in copy["events"]] == effective


def test_the_demo_cohort_round_trips_with_corrections(
    session: Session, other_session: Session, ticking: Clock, clock: Clock
) -> None:
    """Hundreds of cases, a few of them corrected, through one import."""
    gen = demo.generate(150, end=date(2026, 11, 1), seed=11)
    import_all(session=session, lines=[json.dumps(x) for x in islice(gen, 1200)], clock=clock)
    corrected = 0
    for ref in sorted(_snapshot(session))[:40]:
        view = service.get_case(session=session, case_ref=ref, as_of=AS_OF)
        last = max(view.events, key=lambda e: e.sequence)
        try:
            _void(session, ticking, ref, last.sequence, "Recorded by mistake")
        except WorkflowError:
            continue
        corrected += 1
    assert corrected > 10
    exported = _export(session, with_corrections=True)
    import_all(session=other_session, lines=exported, clock=clock)
    assert _snapshot(other_session) == _snapshot(session)


# -- refusals -----------------------------------------------------------------------------


def _count(session: Session) -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        int(session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
        for table in (Case, StoredEvent, EventVoid)
    )


def _edit(lines: list[str], case: str, sequence: int, change: Callable[[dict[str, Any]], None]):
    """`lines` with one line changed in place; returns them and that line's number."""
    out = [json.loads(x) for x in lines]
    for number, line in enumerate(out, start=1):
        if line["case"] == case and line.get("sequence") == sequence:
            change(line)
            return [json.dumps(x) for x in out], number
    raise AssertionError(f"no line {case} {sequence}")


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(line: dict[str, Any]) -> None:
        *parents, name = path.split(".")
        target = line
        for parent in parents:
            target = target[parent]
        if value is _DROP:
            target.pop(name)
        else:
            target[name] = value

    return change


_DROP = object()


@pytest.mark.parametrize(
    ("sequence", "change", "message"),
    [
        (3, _set("voided.replaced_by", 9), "event 3 is replaced by event 9, which is not in"),
        (2, _set("voided.replaced_by", 3), "(advice_requested): a correction keeps the type"),
        (4, _set("voided.replaced_by", 2), "a corrected event is recorded after the one"),
        (3, _set("sequence", 7), "sequence 7 is out of order"),
        (3, _set("sequence", "3"), "sequence must be a whole number"),
        (5, _set("sequence", _DROP), "either every line of a case has its sequence"),
        (3, _set("voided.reason", " "), "enter the reason the event was voided"),
        (3, _set("voided.reason", "a\x00b"), "Reason must not contain control characters"),
        (3, _set("voided.by", _DROP), "enter who voided the event"),
        (3, _set("voided.at", "yesterday"), "at must be the time the event was voided"),
        (3, _set("voided.at", "2026-11-01T09:00:00"), "with its offset (for example +00:00)"),
        (3, _set("voided.at", "2027-01-01T09:00:00+00:00"), "is in the future"),
        (3, _set("voided.colour", "red"), "voided has an unknown field colour"),
        (3, _set("voided", "yes"), "voided must be a JSON object"),
        (3, _set("voided.replaced_by", True), "replaced_by must be the sequence"),
        # Un-voiding the first correction leaves two decisions to assess in the history.
        (2, _set("voided", _DROP), "cannot take “Decision to assess”"),
    ],
)
def test_a_bad_line_of_a_file_with_corrections_is_named_and_nothing_is_imported(
    session: Session,
    other_session: Session,
    ticking: Clock,
    clock: Clock,
    sequence: int,
    change: Callable[[dict[str, Any]], None],
    message: str,
) -> None:
    _corrected_cases(session, ticking)
    lines, number = _edit(_export(session, with_corrections=True), "C1", sequence, change)
    with pytest.raises(WorkflowError) as caught:
        import_all(session=other_session, lines=lines, clock=clock)
    assert str(caught.value).startswith(f"Line {number}"), str(caught.value)
    assert message in str(caught.value), str(caught.value)
    assert _count(other_session) == (0, 0, 0)


def test_a_replacement_claimed_twice_is_named_on_the_second_void(
    session: Session, other_session: Session, ticking: Clock, clock: Clock
) -> None:
    _corrected_cases(session, ticking)
    exported = _export(session, with_corrections=True)
    lines, _ = _edit(exported, "C1", 2, _set("voided.replaced_by", 5))
    _, second = _edit(exported, "C1", 4, _set("sequence", 4))
    with pytest.raises(WorkflowError) as caught:
        import_all(session=other_session, lines=lines, clock=clock)
    assert str(caught.value).startswith(f"Line {second} (case C1): event 5 already replaces")
    assert _count(other_session) == (0, 0, 0)


def test_a_voided_line_without_its_sequence_is_named(session: Session, clock: Clock) -> None:
    lines = [
        json.dumps({"case": "P1", **ev("request_received", "2024-01-08", source="school")}),
        json.dumps(
            {
                "case": "P1",
                **ev("decision_to_assess", "2024-02-12"),
                "voided": {"reason": "x", "by": "y", "at": "2026-11-01T09:00:00+00:00"},
            }
        ),
    ]
    with pytest.raises(WorkflowError, match="^Line 2 .*a voided event must have its sequence"):
        import_all(session=session, lines=lines, clock=clock)
    assert _count(session) == (0, 0, 0)


def test_a_file_with_corrections_opens_new_cases_only(
    session: Session, ticking: Clock, clock: Clock
) -> None:
    _corrected_cases(session, ticking)
    before = _count(session)
    exported = _export(session, with_corrections=True)
    first_c1 = next(i for i, x in enumerate(exported, 1) if json.loads(x)["case"] == "C1")
    with pytest.raises(WorkflowError) as caught:
        import_all(session=session, lines=exported, clock=clock)
    assert str(caught.value).startswith(f"Line {first_c1}: case C1 is already in the database")
    assert _count(session) == before


# -- the CLI and a plain import's cost ---------------------------------------------------


def test_ehc_export_events_with_corrections_and_import_events(
    db_url: str,
    new_db_url: Callable[[], str],
    session: Session,
    ticking: Clock,
    tmp_path: Path,
) -> None:
    _corrected_cases(session, ticking)
    plain = run("export", "events", db=db_url)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.splitlines() == _export(session, with_corrections=False)
    out = tmp_path / "with.jsonl"
    full = run("export", "events", "--with-corrections", "--output", str(out), db=db_url)
    assert full.returncode == 0, full.stderr
    assert "Exported 15 events" in full.stderr
    assert out.read_text(encoding="utf-8").splitlines() == _export(session, with_corrections=True)

    empty = new_db_url()
    loaded = run("import", "events", str(out), db=empty)
    assert loaded.returncode == 0, loaded.stderr
    assert "Imported 15 events: 4 new cases" in loaded.stdout
    again = run("export", "events", "--with-corrections", db=empty)
    assert again.stdout.splitlines() == _export(session, with_corrections=True)


def test_a_plain_import_asks_the_database_no_more_for_more_events(
    new_db_url: Callable[[], str], clock: Clock
) -> None:
    """No query per event, and none about voids: the same cases with all their events
    cost a plain import the same statements as with their first two."""
    gen = [json.dumps(x) for x in islice(demo.generate(300, end=date(2026, 11, 1), seed=5), 3000)]
    seen: dict[str, int] = {}
    first_two = []
    for line in gen:
        ref = json.loads(line)["case"]
        seen[ref] = seen.get(ref, 0) + 1
        if seen[ref] <= 2:
            first_two.append(line)

    def statements(lines: list[str]) -> list[str]:
        target = make_engine(new_db_url())
        sent: list[str] = []
        sa.event.listen(target, "before_cursor_execute", lambda *a: sent.append(a[2]))
        try:
            with new_session(target) as s:
                import_all(session=s, lines=lines, clock=clock)
        finally:
            target.dispose()
        return sent

    assert len(gen) > 3 * len(first_two)
    everything = statements(gen)
    assert len(everything) == len(statements(first_two))
    assert not any("event_voids" in statement for statement in everything)


def test_with_letters_only_the_effective_events_of_a_file_make_letters(
    session: Session, other_session: Session, ticking: Clock, clock: Clock
) -> None:
    _corrected_cases(session, ticking)
    exported = _export(session, with_corrections=True)
    service.import_events(
        session=other_session,
        lines=council_for_lines(other_session, clock, exported),
        actor="loader",
        clock=clock,
        projections=projections(),
        project_events=True,
    )
    voided = set(other_session.exec(select(EventVoid.event_id)).all())
    made = set(other_session.exec(select(Letter.event_id)).all())
    assert made, "the effective events make letters"
    assert not made & voided
