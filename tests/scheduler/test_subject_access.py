"""`ehc sar` / scheduler.subject_access (issue 23 item 4): everything held about a child,
in one zip with a readable index, on SQLite and PostgreSQL; the request is audited."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from pypdf import PdfReader
from sqlmodel import Session, select

from scheduler.subject_access import AUDIT_ACTION, READ_WHAT, subject_access
from tests.cli.test_cli import run
from tests.letters.test_store import ASSESSMENT_TO_FINAL, PEOPLE, update
from tests.wiring import projections
from tests.workflow.factories import record_all
from workflow import service
from workflow.account_models import AuditEntry
from workflow.read_audit import CaseRead, Read, write_reads

Clock = Callable[[], datetime]


def _zip(session: Session, clock: Clock, ref: str = "L1") -> dict[str, bytes]:
    made = subject_access(
        session=session, case_ref=ref, as_of=date(2026, 11, 20), actor="dpo@example.gov.uk",
        clock=clock,
    )  # fmt: skip
    with zipfile.ZipFile(io.BytesIO(made.data)) as archive:
        return {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}


def test_everything_about_the_case_in_one_zip(session: Session, clock: Clock) -> None:
    update(session, clock, **PEOPLE)
    record_all(session=session, case_ref="L1", events=ASSESSMENT_TO_FINAL, clock=clock)
    service.void_event(
        session=session, case_ref="L1", sequence=4, reason="Sent to the wrong family",
        actor="officer.a", clock=clock, projections=projections(),
    )  # fmt: skip
    case_id = service.get_case(session=session, case_ref="L1", as_of=date(2026, 11, 20)).case.id
    assert case_id is not None
    write_reads(session, [Read(case_id, clock(), "nosy.officer@council.example", "officer",
                               "letter 3 (PDF)", "web")])  # fmt: skip
    session.commit()
    files = _zip(session, clock)
    assert {"index.html", "case.json", "events.json", "deadlines.json", "letters.json",
            "audit.json", "views.json"} <= set(files)  # fmt: skip
    case = json.loads(files["case.json"])
    assert case["people"]["child_name"] == "Sam Sample"
    assert case["people"]["parent_address"].startswith("12 Example Road")
    events = json.loads(files["events.json"])
    assert [e["sequence"] for e in events] == [1, 2, 3, 4]
    assert events[3]["voided"]["reason"] == "Sent to the wrong family"
    pdfs = [name for name in files if name.startswith("letters/") and name.endswith(".pdf")]
    assert len(pdfs) == 4  # the withdrawn final plan letter too: it may have gone out
    letters = json.loads(files["letters.json"])
    assert [x["status"] for x in letters].count("withdrawn") == 1
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(files[sorted(pdfs)[0]])).pages)
    assert "Sam Sample" in text
    index = files["index.html"].decode()
    assert "Information held about case L1" in index and "Sam Sample" in index
    assert "Sent to the wrong family" in index and "dpo@example.gov.uk" in index
    for name in set(files) - {"index.html"}:
        assert f"<code>{name}</code>" in index  # the index lists every other file
    audit = json.loads(files["audit.json"])
    assert any("voided event 4" in row["what"] for row in audit)
    # Who looked at the case: in the zip and on its index page.
    views = json.loads(files["views.json"])
    assert [(v["who"], v["what"]) for v in views] == [("nosy.officer@council.example",
                                                       "letter 3 (PDF)")]  # fmt: skip
    assert "nosy.officer@council.example (officer), letter 3 (PDF), by the web app" in index
    # The request itself is audited, in the audit log and among the case's reads.
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == AUDIT_ACTION)).one()
    assert (entry.actor, entry.subject) == ("dpo@example.gov.uk", "L1")
    read = session.exec(select(CaseRead).order_by(CaseRead.id.desc())).first()  # type: ignore[union-attr]
    assert read is not None
    assert (read.reader, read.what, read.how) == ("dpo@example.gov.uk", READ_WHAT, "cli")


def test_the_index_escapes_what_it_shows(session: Session, clock: Clock) -> None:
    update(session, clock, **{**PEOPLE, "child_name": "Sam <script>alert(1)</script> Sample"})
    record_all(session=session, case_ref="L1", events=ASSESSMENT_TO_FINAL[:1], clock=clock)
    index = _zip(session, clock)["index.html"].decode()
    assert "<script>" not in index and "Sam &lt;script&gt;alert(1)&lt;/script&gt; Sample" in index


def test_the_cli_writes_the_zip_and_refuses_to_overwrite(db_url: str, tmp_path: Path) -> None:
    done = run(
        "case", "record", "SAR1", "request_received", "--date", "2024-01-08",
        "--set", "source=parent", db=db_url,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = tmp_path / "sar.zip"
    made = run("sar", "SAR1", "--output", str(out), db=db_url)
    assert made.returncode == 0, made.stderr
    assert "about case SAR1" in made.stdout and zipfile.is_zipfile(out)
    again = run("sar", "SAR1", "--output", str(out), db=db_url)
    assert again.returncode == 2 and "already exists" in again.stderr
    missing = run("sar", "NOPE1", "--output", str(tmp_path / "x.zip"), db=db_url)
    assert missing.returncode != 0 and "NOPE1" in missing.stderr
    assert not (tmp_path / "x.zip").exists()
