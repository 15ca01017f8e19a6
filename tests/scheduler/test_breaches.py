"""The breach queue equals what the pure clock says, case by case, on both engines."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from cli.app import app
from scheduler.breaches import FIELDS, Filters, QueueItem, breach_queue
from tests.workflow.factories import import_all
from workflow.demo import OFFICERS, TEAMS, generate
from workflow.errors import InvalidInput
from workflow.law.deadlines import Settings, default_working_days, evaluate
from workflow.law.events import parse_event

COHORT_END = date(2026, 11, 1)  # a Sunday; the test clock is 20 November 2026
CASE_FIELDS = ("case", "team", "officer", "date_of_birth", "people")
AS_OF_DAYS = [
    date(2026, 11, 1),  # Sun: the cohort's last day
    date(2026, 6, 15),  # Mon: mid-history, later events must be ignored
    date(2025, 12, 31),  # Wed
]


def cohort_lines(count: int = 250) -> list[dict[str, Any]]:
    return list(generate(count, end=COHORT_END, years=2.5, seed=7))


def import_cohort(session: Session, clock: Callable[[], datetime]) -> list[dict[str, Any]]:
    lines = cohort_lines()
    import_all(
        session=session, lines=[json.dumps(line) for line in lines], clock=clock, actor="test"
    )
    return lines


def expected_queue(
    lines: list[dict[str, Any]], as_of: date, filters: Filters | None = None
) -> list[dict[str, Any]]:
    """The queue the pure clock gives: evaluate every case as of the day, in Python."""
    f = filters or Filters()
    events: dict[str, list[dict[str, Any]]] = defaultdict(list)
    fields: dict[str, dict[str, Any]] = defaultdict(dict)
    for line in lines:
        events[line["case"]].append({k: v for k, v in line.items() if k not in CASE_FIELDS})
        fields[line["case"]].update({k: line[k] for k in ("team", "officer") if k in line})
    out = []
    for ref, raws in events.items():
        team, officer = fields[ref].get("team"), fields[ref].get("officer")
        if f.team is not None and team != f.team or f.officer is not None and officer != f.officer:
            continue
        parsed = [parse_event(raw, index=i) for i, raw in enumerate(raws)]
        evaluation = evaluate(ref, parsed, as_of, Settings(), default_working_days())
        for d in evaluation.deadlines:
            if f.kind is not None and d.kind != f.kind:
                continue
            due_soon = d.status == "pending" and d.due <= as_of + timedelta(days=f.due_within)
            if d.status == "overdue" or due_soon:
                item = {k: v for k, v in d.to_json().items() if k in FIELDS}
                out.append({"case": ref, **item, "team": team, "officer": officer})
    out.sort(key=lambda i: (i["due"], i["case"], i["kind"], i["advice"] or "", i["ref"] or ""))
    return out


def as_json(items: list[QueueItem]) -> list[dict[str, Any]]:
    return [i.to_json() for i in items]


@pytest.fixture
def cohort(session: Session, clock: Callable[[], datetime]) -> list[dict[str, Any]]:
    return import_cohort(session, clock)


@pytest.mark.parametrize("as_of", AS_OF_DAYS, ids=str)
def test_queue_equals_the_pure_clock_for_every_case(
    session: Session, cohort: list[dict[str, Any]], as_of: date
) -> None:
    got = as_json(breach_queue(session=session, as_of=as_of))
    want = expected_queue(cohort, as_of)
    assert got == want
    statuses = {i["status"] for i in got}
    assert statuses == {"overdue", "pending"}  # the cohort has both, so the test bites


def test_queue_respects_every_filter(session: Session, cohort: list[dict[str, Any]]) -> None:
    as_of = AS_OF_DAYS[0]
    cases = [
        Filters(team=TEAMS[0]),
        Filters(officer=OFFICERS[TEAMS[1]][0]),
        Filters(kind="annual_review"),
        Filters(kind="advice", team=TEAMS[2]),
        Filters(due_within=0),
        Filters(due_within=60),
        Filters(team="Nobody's team"),
    ]
    for filters in cases:
        got = as_json(breach_queue(session=session, as_of=as_of, filters=filters))
        assert got == expected_queue(cohort, as_of, filters), filters
    assert breach_queue(session=session, as_of=as_of, filters=Filters(team="Nobody's team")) == []


def test_overdue_first_most_days_late_first(session: Session, cohort: list[dict[str, Any]]) -> None:
    items = breach_queue(session=session, as_of=AS_OF_DAYS[0])
    statuses = [i.status for i in items]
    first_pending = statuses.index("pending")
    assert set(statuses[:first_pending]) == {"overdue"}
    assert set(statuses[first_pending:]) == {"pending"}
    late = [i.days_late for i in items[:first_pending]]
    assert late == sorted(late, reverse=True)  # type: ignore[type-var]
    assert all(i.days_late is None for i in items[first_pending:])
    # Overdue is a breach unless excused; an overdue decision_not_to_issue limit is
    # listed but is never a breach (spec 5).
    for i in items:
        if i.status == "overdue" and i.kind != "decision_not_to_issue":
            assert i.breach == (i.exception is None)
    assert not any(i.breach for i in items if i.kind == "decision_not_to_issue")


def test_bad_filters_are_refused() -> None:
    with pytest.raises(InvalidInput, match="Select a deadline kind"):
        Filters(kind="tea_break")
    with pytest.raises(InvalidInput, match="--due-within"):
        Filters(due_within=-1)


# -- the command -------------------------------------------------------------------


def run_cli(monkeypatch: pytest.MonkeyPatch, url: str, *args: str) -> Any:
    monkeypatch.setenv("EHC_DATABASE_URL", url)
    return CliRunner().invoke(app, ["breaches", *args])


def test_cli_json_table_and_csv(
    db_url: str, session: Session, cohort: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_cli(monkeypatch, db_url, "--as-of", "2026-11-01", "--team", "North", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["as_of"] == "2026-11-01"
    assert doc["items"] == expected_queue(cohort, COHORT_END, Filters(team="North"))
    assert all(list(item) == list(FIELDS) for item in doc["items"])

    result = run_cli(monkeypatch, db_url, "--as-of", "2026-11-01", "--csv", "--kind", "final_plan")
    assert result.exit_code == 0, result.output
    rows = result.stdout.splitlines()
    assert rows[0] == ",".join(FIELDS)
    assert len(rows) - 1 == len(expected_queue(cohort, COHORT_END, Filters(kind="final_plan")))

    result = run_cli(monkeypatch, db_url, "--as-of", "2026-11-01", "--due-within", "7")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Breach queue as of 2026-11-01")
    assert "Days late" in result.stdout and "overdue" in result.stdout


def test_cli_bad_input_exits_2(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for args in (["--kind", "tea_break"], ["--as-of", "2026-02-30"], ["--json", "--csv"]):
        result = run_cli(monkeypatch, sqlite_url, *args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stdout == ""


# -- formula injection (issue 17, item 6) ---------------------------------------------

HOSTILE = {
    '=HYPERLINK("http://x.example","open")': '\'=HYPERLINK("http://x.example","open")',
    "+1+cmd|' /C calc'!A0": "'+1+cmd|' /C calc'!A0",
    "-2+3": "'-2+3",
    "@SUM(A1:A9)": "'@SUM(A1:A9)",
    "\t=1+1": "'\t=1+1",
    "\r=1+1": "'\r=1+1",
    "North": "North",  # ordinary text is left alone
    # A lone CR starts a new row in a spreadsheet: the cell must be quoted, or this row
    # would end at "North" and the next begin with a live formula.
    "North\r=1+1": "North\r=1+1",
}


def test_spreadsheet_safe_quotes_what_a_spreadsheet_would_run() -> None:
    from scheduler.spreadsheet import spreadsheet_safe

    for value, safe in HOSTILE.items():
        assert spreadsheet_safe(value) == safe, value
    # Plain numbers cannot run: they stay numbers a spreadsheet can add up.
    for number in ("-3", "0", "67.1", "-0.5"):
        assert spreadsheet_safe(number) == number


def test_the_breach_csv_neutralises_formulas_in_every_cell(
    db_url: str, session: Session, clock: Callable[[], datetime], monkeypatch: pytest.MonkeyPatch
) -> None:
    import csv
    import io

    import sqlalchemy as sa

    lines = [
        {"case": f"F{n}", "type": "request_received", "date": "2026-09-01", "source": "parent"}
        for n in range(len(HOSTILE))
    ]
    import_all(session=session, lines=[json.dumps(x) for x in lines], clock=clock, actor="test")
    # Stored directly: whatever the inputs accept, the export must not run a stored value.
    for n, value in enumerate(HOSTILE):
        session.execute(
            sa.text("UPDATE cases SET team = :v, officer = :v WHERE reference = :ref"),
            {"v": value, "ref": f"F{n}"},
        )
    session.commit()
    result = run_cli(monkeypatch, db_url, "--as-of", "2026-11-20", "--csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert sorted((r["team"], r["officer"]) for r in rows) == sorted(
        (safe, safe) for safe in HOSTILE.values()
    )
