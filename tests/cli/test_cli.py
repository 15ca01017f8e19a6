"""The `ehc` command line as a user runs it: exit 0 on success, 2 on bad input, 1 otherwise."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.council import add_council, council_for_lines
from workflow import demo
from workflow.db import make_engine

EHC = str(Path(sys.executable).parent / "ehc")


def run(*args: str, db: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EHC_ACTOR": "cli.tester"}
    if db:
        env["EHC_DATABASE_URL"] = db
    return subprocess.run([EHC, *args], capture_output=True, text=True, env=env, timeout=120)


def _council(url: str, lines: list[str] | None = None, **officers: str) -> None:
    """The teams and officers the commands name (a case's must be the council's)."""
    engine = make_engine(url)
    if lines is not None:
        council_for_lines(engine, _now, lines)
    add_council(engine, _now, officers=dict(officers))
    engine.dispose()


def _now() -> datetime:
    return datetime.now(UTC)


def test_record_show_and_refuse(sqlite_url: str) -> None:
    _council(sqlite_url, A="North")
    ok = run(
        "case", "record", "CLI1", "request_received", "--date", "2024-01-08",
        "--set", "source=parent", "--team", "North", "--officer", "A", db=sqlite_url,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert "now waiting for the decision whether to assess (version 1)" in ok.stdout

    refused = run("case", "record", "CLI1", "final_plan_issued", "--date", "2024-02-01",
                  db=sqlite_url)  # fmt: skip
    assert refused.returncode == 2
    assert refused.stdout == ""
    assert refused.stderr.strip().count("\n") == 0
    assert (
        "Case CLI1 is waiting for the decision whether to assess, so it cannot take "
        "\u201cFinal plan issued\u201d on 1 February 2024"
    ) in refused.stderr

    shown = run("case", "show", "CLI1", "--json", "--as-of", "2024-03-01", db=sqlite_url)
    doc = json.loads(shown.stdout)
    assert (doc["state"], doc["team"], doc["officer"]) == ("requested", "North", "A")
    assert doc["events"][0]["recorded_by"] == "cli.tester"
    assert doc["deadlines"][0]["kind"] == "decision_to_assess"
    assert doc["deadlines"][0]["status"] == "overdue"
    assert doc["next_steps"] == [
        {
            "event": "decision_to_assess",
            "label": "Decide whether to assess",
            "due": "2024-02-19",
            "days_left": -11,
            "who": "The council",
        }
    ]

    text = run("case", "show", "CLI1", "--as-of", "2024-03-01", db=sqlite_url).stdout
    assert "decision_to_assess" in text and "overdue, 11 days late" in text
    next_block = text.split("What happens next (as of 2024-03-01):\n")[1].split("\n\n")[0]
    assert next_block == (
        "  by 2024-02-19  11 days overdue    The council: Decide whether to assess"
        " [decision_to_assess]"
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["case", "record", "X", "request_received", "--date", "2024-02-30",
          "--set", "source=parent"], "not a real date"),
        (["case", "record", "X", "request_received", "--date", "2024-02-01",
          "--set", "sauce=parent"], "unknown field sauce"),
        (["case", "record", "X", "request_received", "--date", "2024-02-01",
          "--set", "source"], "--set takes field=value"),
        (["case", "show", "NOPE"], "There is no case NOPE"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_with_one_line(sqlite_url: str, args: list[str], message: str) -> None:
    result = run(*args, db=sqlite_url)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_import_export_through_the_cli(sqlite_url: str, new_sqlite_url, tmp_path: Path) -> None:
    lines = [json.dumps(x) for x in demo.generate(40, end=date(2026, 10, 1), seed=3)]
    source = tmp_path / "events.jsonl"
    source.write_text("\n".join(lines) + "\n")
    _council(sqlite_url, lines)
    imported = run("import", "events", str(source), db=sqlite_url)
    assert imported.returncode == 0, imported.stderr
    assert f"Imported {len(lines)} events: 40 new cases" in imported.stdout

    exported = tmp_path / "out.jsonl"
    assert run("export", "events", "--output", str(exported), db=sqlite_url).returncode == 0
    other = new_sqlite_url()
    _council(other, lines)
    assert run("import", "events", str(exported), db=other).returncode == 0
    again = run("export", "events", db=other)
    assert again.stdout == exported.read_text()


def test_bad_import_names_the_line_and_imports_nothing(sqlite_url: str, tmp_path: Path) -> None:
    lines = [json.dumps(x) for x in demo.generate(40, end=date(2026, 10, 1), seed=3)][:30]
    lines[11] = '{"case": "X1", "type": "request_received", "date": "2024-01-01"}'
    source = tmp_path / "events.jsonl"
    source.write_text("\n".join(lines))
    result = run("import", "events", str(source), db=sqlite_url)
    assert result.returncode == 2
    assert result.stderr.strip() == "Line 12 (request_received) on 2024-01-01: enter the source"
    assert run("export", "events", db=sqlite_url).stdout == ""


def test_unreadable_database_is_exit_1(tmp_path: Path) -> None:
    result = run("summary", db=f"sqlite:///{tmp_path}/missing/dir/ehc.db")
    assert result.returncode == 1


def test_deadlines_command_bad_input(tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"case": "D1", "events": [{"type": "request_received"}]}))
    result = run("deadlines", "--events", str(case), "--as-of", "2024-06-01", "--json")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.strip() == "Event 0 (request_received): enter the date the event happened"


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--officer", "J Smith\r\nBcc: x@example.com"], "Officer must not contain control"),
        (["--team", "North\x1b[2J"], "Team must not contain control"),
        (["--set", "note=late\rsick"], "note must not contain control"),
        (["--set", "actor=a\x85b"], "actor must not contain control"),
    ],
)
def test_control_characters_are_refused_in_one_line_and_nothing_saved(
    db_url: str, extra: list[str], message: str
) -> None:
    """Issue 17: CR/LF in an officer's name stopped every later notification sweep."""
    args = ["case", "record", "CLI9", "request_received", "--date", "2024-01-08"]
    refused = run(*args, "--set", "source=parent", *extra, db=db_url)
    assert refused.returncode == 2, refused.stderr
    assert message in refused.stderr
    assert refused.stderr.strip().count("\n") == 0
    assert run("case", "show", "CLI9", db=db_url).returncode == 2  # no such case


@pytest.mark.parametrize(
    "ref, date_text, message",
    [
        ("EH\u0421001", "2024-01-08", "U+0421, is not one of them"),  # a Cyrillic Es
        ("CLI8", "２０２４-０１-０８", "is not a real date"),  # full-width digits
        ("CLI8", "٢٠٢٤-٠١-٠٨", "is not a real date"),  # Arabic-Indic digits
    ],
)
def test_references_and_dates_follow_the_one_syntax(
    sqlite_url: str, ref: str, date_text: str, message: str
) -> None:
    refused = run(
        "case", "record", ref, "request_received", "--date", date_text,
        "--set", "source=parent", db=sqlite_url,
    )  # fmt: skip
    assert refused.returncode == 2, refused.stderr
    assert message in refused.stderr


def test_show_says_what_happens_next_with_a_chase_date(db_url: str) -> None:
    """Issue 19: the open steps soonest first; an adviser is chased a week before reg 8(1)."""
    for args in (
        ["request_received", "--date", "2024-01-08", "--set", "source=parent"],
        ["decision_to_assess", "--date", "2024-02-01"],
        ["advice_requested", "--date", "2024-02-01", "--set", "advice=health"],
    ):
        done = run("case", "record", "CLI7", *args, db=db_url)
        assert done.returncode == 0, done.stderr
    doc = json.loads(run("case", "show", "CLI7", "--json", "--as-of", "2024-02-10",
                         db=db_url).stdout)  # fmt: skip
    assert [(s["event"], s["due"], s.get("chase_on")) for s in doc["next_steps"]] == [
        ("advice_received", "2024-03-14", "2024-03-07"),
        ("draft_plan_issued", "2024-04-29", None),
        ("final_plan_issued", "2024-05-27", None),
    ]
    text = run("case", "show", "CLI7", "--as-of", "2024-02-10", db=db_url).stdout
    assert (
        "  by 2024-03-14  33 days left       The health adviser: Receive the health advice"
        " [advice_received]; chase on 2024-03-07"
    ) in text
