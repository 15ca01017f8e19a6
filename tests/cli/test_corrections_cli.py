"""`ehc case void`, `ehc case correct` and what `ehc case show` says of them (issue 18)."""

from __future__ import annotations

import json

from tests.cli.test_cli import run


def _record(db: str) -> None:
    for event_type, on, extra in (
        ("request_received", "2024-01-08", ["--set", "source=parent"]),
        ("decision_to_assess", "2024-02-12", []),
        ("advice_requested", "2024-02-13", ["--set", "advice=health"]),
    ):
        done = run("case", "record", "CV1", event_type, "--date", on, *extra, db=db)
        assert done.returncode == 0, done.stderr


def test_void_correct_and_show(db_url: str) -> None:
    _record(db_url)
    corrected = run(
        "case", "correct", "CV1", "3", "--date", "2024-02-14", "--set", "ref=H1",
        "--reason", "Typed the wrong date", "--expect-version", "3", db=db_url,
    )  # fmt: skip
    assert corrected.returncode == 0, corrected.stderr
    assert corrected.stdout.startswith(
        "Corrected event 3 of case CV1: recorded as event 4 "
        "(“Advice requested” on 14 February 2024)"
    )
    voided = run("case", "void", "CV1", "4", "--reason", "Not requested after all", db=db_url)
    assert voided.returncode == 0, voided.stderr
    assert "Voided event 4 (“Advice requested” on 14 February 2024) of case CV1" in voided.stdout

    doc = json.loads(run("case", "show", "CV1", "--json", db=db_url).stdout)
    assert [e["sequence"] for e in doc["events"]] == [1, 2]
    assert doc["version"] == 5
    assert [
        (c["sequence"], c["date"], c["fields"], c["reason"], c["voided_by"], c["replaced_by"])
        for c in doc["corrections"]
    ] == [
        (3, "2024-02-13", {"advice": "health"}, "Typed the wrong date", "cli.tester", 4),
        (4, "2024-02-14", {"advice": "health", "ref": "H1"}, "Not requested after all",
         "cli.tester", None),
    ]  # fmt: skip

    listed = json.loads(run("letters", "list", "--case", "CV1", "--json", db=db_url).stdout)
    assert [(x["type"], x["status"], x["stored_status"]) for x in listed][-2:] == [
        ("request_for_advice", "withdrawn", "awaiting_details"),
        ("request_for_advice", "withdrawn", "awaiting_details"),
    ]
    shown = run("letters", "list", "--case", "CV1", db=db_url).stdout.splitlines()
    assert shown[-1].endswith(" withdrawn")

    text = run("case", "show", "CV1", db=db_url).stdout
    assert "Voided events (2):" in text
    assert "voided by cli.tester on " in text and "replaced by event 4" in text
    assert "Typed the wrong date" not in text  # free text stays out of the terminal log


def test_refusals_exit_2_with_one_line(db_url: str) -> None:
    _record(db_url)
    for args, message in (
        (["void", "CV1", "2", "--reason", "x"], "because these recorded events could then"),
        (["void", "CV1", "9", "--reason", "x"], "Case CV1 has no event 9"),
        (["void", "CV1", "3", "--reason", " "], "Enter the reason for voiding the event"),
        (["void", "NOPE", "1", "--reason", "x"], "There is no case NOPE"),
        (["void", "CV1", "3", "--reason", "x", "--expect-version", "1"], "changed by someone"),
        (["correct", "CV1", "3", "--reason", "x"], "Enter the right --date or at least one"),
        (["correct", "CV1", "3", "--date", "2024-02-13", "--reason", "x"], "changes nothing"),
    ):
        result = run("case", *args, db=db_url)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1
    assert json.loads(run("case", "show", "CV1", "--json", db=db_url).stdout)["version"] == 3
    missing = run("case", "void", "CV1", "3", db=db_url)  # --reason is required
    assert missing.returncode == 2 and "--reason" in missing.stderr
