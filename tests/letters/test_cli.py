"""The letters as a council officer meets them, through `ehc`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from pypdf import PdfReader

from letters.render import weekday_date
from workflow.law.calendar import WorkingDays
from workflow.law.timescales import appeal_closes

EHC = str(Path(sys.executable).parent / "ehc")


def run(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EHC_ACTOR": "cli.tester", "EHC_DATABASE_URL": db}
    return subprocess.run([EHC, *args], capture_output=True, text=True, env=env, timeout=120)


def test_record_a_case_to_its_final_plan_and_read_its_letters(
    sqlite_url: str, tmp_path: Path
) -> None:
    steps = [
        ["case", "update", "C1", "--set", "child_name=Sam Sample", "--set",
         "date_of_birth=2015-03-14", "--set", "parent_name=Jo Sample"],
        ["case", "record", "C1", "request_received", "--date", "2024-01-08",
         "--set", "source=parent"],
        ["case", "record", "C1", "decision_to_assess", "--date", "2024-02-12"],
        ["case", "record", "C1", "draft_plan_issued", "--date", "2024-04-22"],
        ["case", "record", "C1", "final_plan_issued", "--date", "2024-05-20"],
    ]  # fmt: skip
    for step in steps:
        done = run(*step, db=sqlite_url)
        assert done.returncode == 0, done.stderr
        assert "Sam" not in done.stdout and "2015" not in done.stdout

    listed = json.loads(run("letters", "list", "--case", "C1", "--json", db=sqlite_url).stdout)
    assert [(x["type"], x["recipient"], x["status"]) for x in listed] == [
        ("acknowledgement_of_request", "parent", "awaiting_details"),
        ("decision_to_assess", "parent", "awaiting_details"),
        ("draft_plan_cover", "parent", "awaiting_details"),
        ("final_plan_cover", "parent", "awaiting_details"),
    ]
    assert listed[0]["missing"] == ["parent_address"]
    assert set(listed[0]) >= {"id", "type", "event", "recipient", "status", "created_at"}
    refused = run("letters", "show", str(listed[0]["id"]), db=sqlite_url)
    assert refused.returncode == 2 and "parent_address" in refused.stderr

    filled = run("case", "update", "C1", "--set",
                 "parent_address=12 Example Road, Exampletown, EX1 2AB", db=sqlite_url)  # fmt: skip
    assert filled.returncode == 0, filled.stderr
    listed = json.loads(run("letters", "list", "--case", "C1", "--json", db=sqlite_url).stdout)
    assert {x["status"] for x in listed} == {"ready"}

    pdf = tmp_path / "final.pdf"
    shown = run("letters", "show", str(listed[3]["id"]), "--format", "pdf", "--output", str(pdf),
                db=sqlite_url)  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    text = " ".join(p.extract_text() for p in PdfReader(pdf).pages)
    # Dated the day it was made (today): the appeal date counts from the letter's date
    # (HESC r.20: 2 months from the notice), not from the plan's 20 May 2024 (22 July).
    dated = date.fromisoformat(listed[3]["letter_date"])
    appeal_by = max(
        appeal_closes(date(2024, 5, 20), None, WorkingDays()),
        appeal_closes(dated, None, WorkingDays()),
    )
    assert dated > date(2024, 5, 20) and appeal_by > date(2024, 7, 22)
    assert f"You must appeal by {weekday_date(appeal_by)}" in " ".join(text.split())
    email = run("letters", "show", str(listed[1]["id"]), "--format", "text", db=sqlite_url)
    assert "Monday 27 May 2024" in email.stdout

    # Each copy taken is recorded, by whom and how (the refused show of a waiting letter
    # took none): a letter later withdrawn may have reached the family.
    engine = sa.create_engine(sqlite_url)
    with engine.connect() as conn:
        copies = conn.execute(
            sa.text("SELECT letter_id, downloaded_by, how FROM letter_downloads ORDER BY id")
        ).all()
    engine.dispose()
    assert [tuple(c) for c in copies] == [
        (listed[3]["id"], "cli.tester", "cli"),
        (listed[1]["id"], "cli.tester", "cli"),
    ]


def test_preview_every_letter(tmp_path: Path) -> None:
    listed = run("letters", "preview", "all", db="sqlite://")
    assert listed.returncode == 0 and "final_plan_cover" in listed.stdout
    out = tmp_path / "p.pdf"
    done = run("letters", "preview", "decision_not_to_assess", "--format", "pdf",
               "--output", str(out), "--large-print", db="sqlite://")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF")
    text = run("letters", "preview", "final_plan_cover", "--format", "text", db="sqlite://")
    assert "You must appeal by Monday 22 July 2024." in text.stdout
    assert run("letters", "preview", "nonsense", db="sqlite://").returncode == 2
