"""No child's name or date of birth in any notification, log line or queue output.

A named child is fed through everything the scheduler touches: the date of birth
on the case, the name in event notes and in `case_people` (the letters' table).
Then the real `ehc sweep` and `ehc breaches` run, and SMTP messages are captured;
none of it may carry the name or the date of birth, in any common format.
"""

from __future__ import annotations

import os
import smtplib
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from scheduler import jobs
from scheduler.notify import SmtpSender
from tests.scheduler.sweep_cases import AS_OF, CASES, STAFF, load_cases
from tests.scheduler.test_sweep import FakeSMTP
from workflow.config import Smtp
from workflow.law.calendar import WorkingDays

EHC = Path(sys.executable).parent / "ehc"
CHILD = "Amelia Quartermaine"
BORN = "2015-03-14"
FORBIDDEN = [
    "Amelia",
    "Quartermaine",
    BORN,
    "14/03/2015",
    "14-03-2015",
    "14 Mar 2015",
    "14 March 2015",
    "March 14",
    "20150314",
]


def named_cases() -> dict[str, list[dict[str, Any]]]:
    """The sweep cases, each event noted with the child's name."""
    return {
        ref: [{**e, "note": f"{CHILD} (born {BORN}): {e['type']}"} for e in events]
        for ref, events in CASES.items()
    }


def assert_anonymous(text: str, where: str) -> None:
    for needle in FORBIDDEN:
        assert needle.lower() not in text.lower(), f"{needle!r} in {where}:\n{text}"


def ehc(url: str, *args: str) -> str:
    env = {
        **os.environ,
        "EHC_DATABASE_URL": url,
        "EHC_TEAM_MANAGERS": ",".join(f"{k}={v}" for k, v in STAFF.managers.items()),
        "EHC_OFFICER_EMAILS": ",".join(f"{k}={v}" for k, v in STAFF.officers.items()),
    }
    env.pop("EHC_SMTP_HOST", None)
    done = subprocess.run([str(EHC), *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def test_no_child_data_in_notifications_logs_or_the_queue(
    db_url: str,
    session: Session,
    clock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    load_cases(session, clock, named_cases(), date_of_birth=BORN)
    session.execute(
        sa.text(
            "INSERT INTO case_people (case_id, child_name, parent_name, updated_at) "
            "SELECT id, :child, :parent, :now FROM cases"
        ),
        {"child": CHILD, "parent": f"Parent of {CHILD}", "now": datetime.now(UTC)},
    )
    session.commit()
    # The data really is there to leak.
    born = session.execute(sa.text("SELECT count(*) FROM cases WHERE date_of_birth IS NOT NULL"))
    assert born.scalar() == len(CASES)
    session.commit()

    # The real commands, as a council would run them (no SMTP: notifications to the log).
    out = ehc(db_url, "sweep", "--as-of", AS_OF.isoformat())
    # The log was written: at INFO one summary line (each notification's line is at DEBUG,
    # checked below).
    assert "Sweep as of" in out and "4 sent" in out
    assert_anonymous(out, "ehc sweep output and log")
    for fmt in ([], ["--json"], ["--csv"]):
        assert_anonymous(
            ehc(db_url, "breaches", "--as-of", AS_OF.isoformat(), *fmt), "ehc breaches"
        )

    # Everything queued, and everything a mail server would receive.
    queued = session.execute(sa.text("SELECT subject, body FROM outbox")).all()
    session.commit()
    assert len(queued) == 4
    for subject, body in queued:
        assert_anonymous(subject, "an outbox subject")
        assert_anonymous(body, "an outbox body")
    session.execute(
        sa.text(
            "UPDATE outbox SET sent_at = NULL, channel = NULL, claimed_by = NULL, claimed_at = NULL"
        )
    )
    session.commit()
    FakeSMTP.instances = []
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    caplog.set_level("DEBUG", logger="ehc")
    jobs.deliver(
        session=session,
        clock=clock,
        sender=SmtpSender(Smtp("mail.example", 25, None, None, "ehc@la.example")),
        staff=STAFF,
    )
    assert "Notification" in caplog.text and "Breach: case BREACH" in caplog.text
    assert_anonymous(caplog.text, "the per-notification log lines (DEBUG)")
    emails = [m.as_string() for conn in FakeSMTP.instances for m in conn.messages]
    assert len(emails) == 4
    for email in emails:
        assert_anonymous(email, "an email")
    assert {m["To"] for conn in FakeSMTP.instances for m in conn.messages} == {
        *STAFF.managers.values(),
        *STAFF.officers.values(),
    }


def test_subjects_name_the_case_and_deadline_only() -> None:
    from datetime import date

    from scheduler.notify import BREACHED, Notice

    notice = Notice(
        case="EHC00042",
        kind="advice",
        advice="psychological",
        ref=None,
        regulation="SEND Regulations 2014 reg 8(1)",
        starts=date(2026, 9, 1),
        due=date(2026, 10, 13),
        as_of=date(2026, 11, 20),
        reason=BREACHED,
        days_late=38,
        team="North",
        officer="North officer 1",
    )
    assert notice.subject == "Breach: case EHC00042, psychological advice was due Tue 13 Oct 2026"
    assert WorkingDays().add(date(2026, 11, 20), 5) == date(2026, 11, 27)
