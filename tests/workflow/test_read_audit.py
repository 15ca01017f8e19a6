"""The read audit's recorder (workflow.read_audit, issue 23 item 5): reads are written in
the background, in batches, on SQLite and PostgreSQL; a failing write is tried again
without losing the rows or logging who read what; the rows are append-only. The command
line's reads (`ehc export events`, `ehc case show`, `ehc letters show`) are recorded too."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session

from letters import service as letter_service
from letters.models import READY
from tests.cli.test_cli import run
from tests.council import add_council
from tests.web.conftest import OFFICER_NAME, TEAM
from tests.web.test_cases import requested_case
from tests.workflow.factories import record_all
from workflow import read_audit
from workflow.db import new_session
from workflow.read_audit import Read, ReadRecorder, count_reads, reads_of

Clock = Callable[[], datetime]


def _case(session: Session, clock: Clock, ref: str = "RA1") -> int:
    request = {"type": "request_received", "date": "2026-10-01", "source": "parent"}
    record_all(session=session, case_ref=ref, clock=clock, events=[request])
    found = session.execute(sa.text("SELECT id FROM cases WHERE reference = :r"), {"r": ref})
    case_id = int(found.scalar_one())
    session.commit()  # end the transaction: on SQLite it holds the write lock
    return case_id


def test_reads_are_written_in_the_background_and_flushed(
    engine: Engine, session: Session, clock: Clock
) -> None:
    case_id = _case(session, clock)
    recorder = ReadRecorder(engine)
    for i in range(1200):  # more than one batch
        recorder.record(Read(case_id, clock(), f"user{i % 3}@council.example", "officer",
                             "case page", "web"))  # fmt: skip
    assert recorder.flush(timeout=60)
    with new_session(engine) as s:
        assert count_reads(s, case_id) == 1200
        newest = reads_of(s, case_id, limit=2)
    assert len(newest) == 2 and newest[0].id > newest[1].id  # type: ignore[operator]
    assert recorder.stop()
    # After stopping, a new read starts the thread again.
    recorder.record(Read(case_id, clock(), "late@council.example", "manager", "case page", "web"))
    assert recorder.stop()
    with new_session(engine) as s:
        assert count_reads(s, case_id) == 1201


def test_reads_arriving_one_by_one_are_written_together(
    engine: Engine, session: Session, clock: Clock
) -> None:
    """Twenty users' page views come one at a time: a transaction each cost as much as
    the page itself, so the recorder gathers a moment's reads into one."""
    case_id = _case(session, clock)
    commits: list[int] = []
    sa.event.listen(engine, "commit", lambda _conn: commits.append(1))
    recorder = ReadRecorder(engine)
    for i in range(30):
        recorder.record(Read(case_id, clock(), f"user{i}@council.example", "officer",
                             "case page", "web"))  # fmt: skip
        time.sleep(0.002)  # a page view every few milliseconds, not all at once
    assert recorder.flush(timeout=60)
    assert recorder.stop()
    with new_session(engine) as s:
        assert count_reads(s, case_id) == 30
    assert 1 <= len(commits) <= 2  # one, or two if the thread began writing at the first


def test_stopping_ends_the_thread_at_once(engine: Engine, session: Session, clock: Clock) -> None:
    """An app's shutdown (every web test's) does not wait IDLE_SECONDS for more reads."""
    case_id = _case(session, clock)
    recorder = ReadRecorder(engine)
    recorder.record(Read(case_id, clock(), "a@council.example", "officer", "case page", "web"))
    thread = recorder._thread  # noqa: SLF001
    assert thread is not None and read_audit.IDLE_SECONDS > 1
    # The read is still being written: the thread goes back to waiting for more as soon
    # as it is, before `stop` can say it is stopping.
    assert recorder.stop(timeout=1.0)
    assert not thread.is_alive()
    with new_session(engine) as s:
        assert count_reads(s, case_id) == 1


def test_a_failed_write_is_tried_again_and_logs_no_reader(
    engine: Engine,
    session: Session,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    case_id = _case(session, clock)
    real = read_audit.write_reads
    failures = [2]

    def flaky(s: Session, reads: list[Read]) -> None:
        if failures[0]:
            failures[0] -= 1
            raise sa.exc.OperationalError("INSERT", None, Exception("database is locked"))
        real(s, reads)

    monkeypatch.setattr(read_audit, "write_reads", flaky)
    monkeypatch.setattr(read_audit, "RETRY_SECONDS", (0.01,))
    recorder = ReadRecorder(engine)
    with caplog.at_level(logging.WARNING, logger="ehc.read_audit"):
        recorder.record(Read(case_id, clock(), "secret.reader@council.example", "officer",
                             "case page", "web"))  # fmt: skip
        assert recorder.stop()
    with new_session(engine) as s:
        assert count_reads(s, case_id) == 1
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 2 and all("OperationalError" in w for w in warnings)
    assert not any("secret.reader" in w for w in warnings)


def test_reads_cannot_be_changed_or_deleted(engine: Engine, session: Session, clock: Clock) -> None:
    case_id = _case(session, clock)
    with new_session(engine) as s:
        read_audit.write_reads(s, [Read(case_id, clock(), "a@council.example", "officer",
                                        "case page", "web")])  # fmt: skip
        s.commit()
    for statement in (
        "UPDATE case_reads SET reader = 'someone.else@council.example'",
        "DELETE FROM case_reads",
    ):
        with new_session(engine) as s, pytest.raises(sa.exc.DatabaseError) as refused:
            s.execute(sa.text(statement))
            s.commit()
        assert "append-only" in str(refused.value)


def test_the_events_export_records_a_read_of_each_case(
    db_url: str, engine: Engine, clock: Clock, tmp_path: Path
) -> None:
    with new_session(engine) as s:
        first, second = _case(s, clock, "EX1"), _case(s, clock, "EX2")
    done = run("export", "events", "--output", str(tmp_path / "events.jsonl"), db=db_url)
    assert done.returncode == 0, done.stderr
    with new_session(engine) as s:
        for case_id in (first, second):
            [read] = reads_of(s, case_id)
            assert (read.reader, read.role, read.what, read.how) == (
                "cli.tester", "", "events export (JSONL)", "cli"
            )  # fmt: skip


def _ready_letter(engine: Engine, clock: Clock) -> tuple[str, int, int]:
    """A case with the family's details and a request: its acknowledgement is ready."""
    add_council(engine, clock, officers={OFFICER_NAME: TEAM})
    with new_session(engine) as s:
        ref = requested_case(s, clock, ref="CLIREAD1")
        [letter] = letter_service.list_letters(session=s, case_ref=ref)
        assert letter.status == READY and letter.id is not None
        s.commit()
        return ref, letter.case_id, letter.id


def test_ehc_case_show_records_a_read_each_time(db_url: str, engine: Engine, clock: Clock) -> None:
    ref, case_id, _ = _ready_letter(engine, clock)
    for args in ([], ["--json"]):
        done = run("case", "show", ref, *args, db=db_url)
        assert done.returncode == 0, done.stderr
    refused = run("case", "show", "NO-SUCH-CASE", db=db_url)
    assert refused.returncode == 2  # nothing shown, nothing recorded
    with new_session(engine) as s:
        reads = [(r.reader, r.role, r.what, r.how) for r in reversed(reads_of(s, case_id))]
        assert read_audit.count_reads(s, case_id) == 2
    assert reads == [
        ("cli.tester", "", "case (ehc case show)", "cli"),
        ("cli.tester", "", "case (ehc case show --json)", "cli"),
    ]


def test_ehc_letters_show_records_a_read_per_copy(
    db_url: str, engine: Engine, clock: Clock, tmp_path: Path
) -> None:
    _, case_id, letter_id = _ready_letter(engine, clock)
    pdf = tmp_path / "letter.pdf"
    for args in (["--format", "pdf", "--output", str(pdf)], ["--format", "text"],
                 ["--format", "html", "--actor", "a.officer@council.example"]):  # fmt: skip
        done = run("letters", "show", str(letter_id), *args, db=db_url)
        assert done.returncode == 0, done.stderr
    # A PDF without a file to write it to is refused before any copy is made.
    assert run("letters", "show", str(letter_id), "--format", "pdf", db=db_url).returncode == 2
    with new_session(engine) as s:
        reads = [(r.reader, r.what, r.how) for r in reversed(reads_of(s, case_id))]
    assert reads == [
        ("cli.tester", f"letter {letter_id} (PDF)", "cli"),
        ("cli.tester", f"letter {letter_id} (TEXT)", "cli"),
        ("a.officer@council.example", f"letter {letter_id} (HTML)", "cli"),
    ]
