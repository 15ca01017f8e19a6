"""`ehc backup FILE` and `ehc restore FILE` (issue 23 item 3): a round trip on each database.

Back up, change the data, restore: the export of events (with corrections) and of the
letters is byte-identical to before the change.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sqlmodel import col, select

from letters.models import Letter
from tests.cli.test_cli import run
from workflow.db import make_engine, new_session


def _record(db: str, ref: str, *steps: tuple[str, str, list[str]]) -> None:
    for event_type, on, extra in steps:
        done = run("case", "record", ref, event_type, "--date", on, *extra, db=db)
        assert done.returncode == 0, done.stderr


def _exported(db: str) -> bytes:
    """Every event with its corrections, then every letter (with a digest of its content)."""
    events = run("export", "events", "--with-corrections", db=db)
    assert events.returncode == 0, events.stderr
    engine = make_engine(db)
    try:
        with new_session(engine) as session:
            letters = [
                {
                    "id": x.id,
                    "case_id": x.case_id,
                    "type": x.type,
                    "status": x.status,
                    "letter_date": str(x.letter_date),
                    "html": hashlib.sha256((x.html or "").encode()).hexdigest(),
                }
                for x in session.exec(select(Letter).order_by(col(Letter.id)))
            ]
    finally:
        engine.dispose()
    return events.stdout.encode() + json.dumps(letters, sort_keys=True).encode()


def test_backup_change_restore_round_trip(db_url: str, tmp_path: Path) -> None:
    _record(
        db_url,
        "BK1",
        ("request_received", "2024-01-08", ["--set", "source=parent"]),
        ("decision_to_assess", "2024-02-12", []),
        ("advice_requested", "2024-02-13", ["--set", "advice=health"]),
    )
    corrected = run(
        "case", "correct", "BK1", "3", "--date", "2024-02-14", "--reason", "Wrong day",
        db=db_url,
    )  # fmt: skip
    assert corrected.returncode == 0, corrected.stderr
    before = _exported(db_url)
    assert b"BK1" in before and b'"voided"' in before

    file = tmp_path / "ehc.backup"
    made = run("backup", str(file), db=db_url)
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("Backed up the ") and file.stat().st_size > 0
    assert not file.with_name(file.name + ".partial").exists()

    # Change: a new event on the case and a new case.
    _record(db_url, "BK1", ("advice_received", "2024-03-01", ["--set", "advice=health"]))
    _record(db_url, "BK2", ("request_received", "2024-04-01", ["--set", "source=school"]))
    assert _exported(db_url) != before

    refused = run("restore", str(file), db=db_url)  # no terminal, no --yes: asks for it
    assert refused.returncode == 2 and "add --yes" in refused.stderr
    restored = run("restore", str(file), "--yes", db=db_url)
    assert restored.returncode == 0, restored.stderr
    assert "Restored" in restored.stdout and "older version" not in restored.stderr
    assert _exported(db_url) == before

    # The restored database takes new work as before.
    _record(db_url, "BK2", ("request_received", "2024-04-01", ["--set", "source=school"]))


def test_restore_refuses_what_is_not_a_backup(db_url: str, tmp_path: Path) -> None:
    missing = run("restore", str(tmp_path / "nothing"), "--yes", db=db_url)
    assert missing.returncode == 2 and "There is no backup file" in missing.stderr
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a backup at all")
    refused = run("restore", str(junk), "--yes", db=db_url)
    assert refused.returncode == 2 and "is not a" in refused.stderr
    folder = run("backup", str(tmp_path), db=db_url)
    assert folder.returncode == 2 and "is a folder" in folder.stderr
