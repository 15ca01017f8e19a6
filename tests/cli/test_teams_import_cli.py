"""The CLI and teams as data: an unknown team or officer exits 2 naming it; `ehc import
events --create-missing` makes what the file names and lists it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.cli.test_cli import EHC, run


def test_record_with_an_unknown_team_exits_2_and_a_known_one_in_any_case_works(
    sqlite_url: str,
) -> None:
    assert run("teams", "add", "North", db=sqlite_url).returncode == 0
    args = ["case", "record", "T1", "request_received", "--date", "2026-09-01",
            "--set", "source=parent"]  # fmt: skip
    refused = run(*args, "--team", "Nroth", db=sqlite_url)
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        "Case T1: There is no team called “Nroth”. Enter one of: North"
    )
    refused = run(*args, "--team", "North", "--officer", "J Smtih", db=sqlite_url)
    assert refused.returncode == 2
    assert "There is no active officer “J Smtih”" in refused.stderr
    ok = run(*args, "--team", "north ", db=sqlite_url)
    assert ok.returncode == 0, ok.stderr
    shown = json.loads(run("case", "show", "T1", "--json", db=sqlite_url).stdout)
    assert shown["team"] == "North"


def test_import_refuses_unknown_names_unless_told_to_create_them(
    sqlite_url: str, tmp_path: Path
) -> None:
    file = tmp_path / "legacy.jsonl"
    file.write_text(
        json.dumps({"case": "L1", "type": "request_received", "date": "2026-09-01",
                    "source": "parent", "team": "West", "officer": "Pat Newcomer"}) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    refused = run("import", "events", str(file), db=sqlite_url)
    assert refused.returncode == 2
    assert refused.stderr.strip().startswith("Line 1 (case L1): There is no team called “West”")
    made = run("import", "events", str(file), "--create-missing", db=sqlite_url)
    assert made.returncode == 0, made.stderr
    assert made.stdout.splitlines() == [
        "Created the team West",
        "Created the officer account Pat Newcomer (pat.newcomer@imported.invalid): it cannot "
        "sign in until an administrator sets its password and activates it",
        "Imported 1 events: 1 new cases, 0 existing cases updated",
    ]
    users = run("users", "list", db=sqlite_url).stdout
    assert "pat.newcomer@imported.invalid" in users and "(deactivated)" in users


def test_a_users_team_must_be_one_of_the_councils(sqlite_url: str) -> None:
    assert run("teams", "add", "North", db=sqlite_url).returncode == 0
    add = ["users", "add", "k@council.example", "--role", "officer", "--password-stdin"]
    refused = subprocess.run(
        [EHC, *add, "--team", "Nroth"], input="a long enough password\n", capture_output=True,
        text=True, env={**os.environ, "EHC_DATABASE_URL": sqlite_url}, timeout=120,
    )  # fmt: skip
    assert refused.returncode == 2
    assert refused.stderr.strip() == "There is no team called “Nroth”. Enter one of: North"
    added = subprocess.run(
        [EHC, *add, "--team", " NORTH"], input="a long enough password\n", capture_output=True,
        text=True, env={**os.environ, "EHC_DATABASE_URL": sqlite_url}, timeout=120,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "Added k@council.example (officer, North)"
