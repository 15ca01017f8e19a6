"""The daily sweep: each breach logged once, each notification queued and sent once."""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session
from typer.testing import CliRunner

from cli.app import app
from scheduler import jobs, sweep_service
from scheduler.notify import LogSender, SmtpSender, Staff, parse_mapping
from tests.scheduler.sweep_cases import (
    AS_OF,
    CASES,
    STAFF,
    Crash,
    RecordingSender,
    load_cases,
    rows,
)
from tests.wiring import configured, council
from workflow.config import Smtp
from workflow.errors import InvalidInput
from workflow.law.calendar import WorkingDays

WD = WorkingDays()
CASES_BREACH = CASES["BREACH"]  # one overdue decision: the officer and the manager are told


def sweep(
    session: Session,
    clock: Callable[[], datetime],
    sender: Any,
    as_of: date = AS_OF,
    staff: Staff = STAFF,
) -> jobs.SweepReport:
    return jobs.run_sweep(
        session=session,
        as_of=as_of,
        clock=clock,
        working_days=WD,
        staff=staff,
        sender=sender,
        council=council(),
        runner="test:1",
    )


def queue_notices(
    session: Session, clock: Callable[[], datetime], staff: Staff = STAFF
) -> sweep_service.SweepResult:
    """The sweep's first half (log breaches, queue notifications) as of AS_OF."""
    return sweep_service.sweep(
        session=session,
        as_of=AS_OF,
        clock=clock,
        working_days=WD,
        staff=staff,
        council=council(),
        runner="test:1",
    )


def breach_log(session: Session) -> list[tuple[Any, ...]]:
    return rows(
        session,
        "SELECT c.reference, b.kind, b.status, b.days_late FROM breach_log b "
        "JOIN cases c ON c.id = b.case_id ORDER BY c.reference, b.kind",
    )


def outbox(session: Session) -> list[tuple[Any, ...]]:
    return rows(
        session,
        "SELECT c.reference, o.reason, o.role, o.recipient, o.channel, o.attempts FROM outbox o "
        "JOIN cases c ON c.id = o.case_id ORDER BY c.reference, o.reason, o.role",
    )


EXPECTED_LOG = [
    ("BREACH", "decision_to_assess", "overdue", 38),
    ("MET-LATE", "decision_to_assess", "late", 7),
]
OFFICER, MANAGER = "officer.a@la.example", "north.manager@la.example"
EXPECTED_OUTBOX = [
    ("BREACH", "breached", "manager", MANAGER, "email", 1),
    ("BREACH", "breached", "officer", OFFICER, "email", 1),
    ("SOON", "due_soon", "officer", OFFICER, "email", 1),
    ("TODAY", "due_today", "officer", OFFICER, "email", 1),
]


def test_sweep_logs_breaches_and_tells_the_right_people(session: Session, clock) -> None:
    load_cases(session, clock)
    sender = RecordingSender()
    report = sweep(session, clock, sender)
    assert (report.breaches_logged, report.notifications_queued) == (2, 4)
    assert (report.notifications_sent, report.notifications_failed) == (4, 0)
    assert breach_log(session) == EXPECTED_LOG
    assert outbox(session) == EXPECTED_OUTBOX
    subjects = sorted(m["subject"] for m in sender.sent)
    assert subjects == [
        "Breach: case BREACH, decision to assess was due Tue 13 Oct 2026",
        "Breach: case BREACH, decision to assess was due Tue 13 Oct 2026",
        "Due soon: case SOON, decision to assess is due Thu 26 Nov 2026",
        "Due today: case TODAY, decision to assess is due Fri 20 Nov 2026",
    ]
    breach_body = next(m["body"] for m in sender.sent if m["role"] == "manager")
    assert "overdue, 38 days late" in breach_body and "reg 5(1)" in breach_body
    runs = rows(session, "SELECT as_of, runner, breaches_logged FROM sweep_runs")
    assert [(str(day), runner, n) for day, runner, n in runs] == [("2026-11-20", "test:1", 2)]


def test_sweep_twice_and_the_next_day_tells_nobody_twice(session: Session, clock) -> None:
    load_cases(session, clock)
    sender = RecordingSender()
    sweep(session, clock, sender)
    again = sweep(session, clock, sender)
    assert again.breaches_logged == again.notifications_queued == again.notifications_sent == 0
    assert len(sender.sent) == 4
    assert breach_log(session) == EXPECTED_LOG

    # Saturday: TODAY's deadline is now breached (told once more, as a breach, to both);
    # SOON is still due soon but its officer has been told.
    next_day = sweep(session, clock, sender, AS_OF + timedelta(days=1))
    assert (next_day.breaches_logged, next_day.notifications_queued) == (1, 2)
    assert [m["subject"] for m in sender.sent[4:]] == [
        "Breach: case TODAY, decision to assess was due Fri 20 Nov 2026"
    ] * 2
    assert len(outbox(session)) == 6
    assert len(breach_log(session)) == 3
    sweep(session, clock, sender, AS_OF + timedelta(days=1))
    assert len(sender.sent) == 6


def test_a_crash_while_queueing_saves_nothing_and_the_rerun_counts_once(
    session: Session, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_cases(session, clock)
    real = sweep_service._outbox_rows

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise Crash("died after logging the breaches, before queueing")

    monkeypatch.setattr(sweep_service, "_outbox_rows", crash)
    with pytest.raises(Crash):
        sweep(session, clock, RecordingSender())
    assert breach_log(session) == [] and outbox(session) == []  # rolled back as one
    assert rows(session, "SELECT count(*) FROM sweep_runs") == [(0,)]

    monkeypatch.setattr(sweep_service, "_outbox_rows", real)
    sender = RecordingSender()
    sweep(session, clock, sender)
    sweep(session, clock, sender)
    assert breach_log(session) == EXPECTED_LOG
    assert outbox(session) == EXPECTED_OUTBOX
    assert len(sender.sent) == 4


def test_a_crash_while_sending_sends_the_rest_once(session: Session, clock) -> None:
    load_cases(session, clock)
    dying = RecordingSender(crash_on=3)  # two messages leave, then the process dies
    with pytest.raises(Crash):
        sweep(session, clock, dying)
    assert len(dying.sent) == 2
    sent_at = rows(session, "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL")
    assert sent_at == [(2,)]

    restarted = RecordingSender()
    report = sweep(session, clock, restarted)
    assert (report.breaches_logged, report.notifications_queued) == (0, 0)
    assert report.notifications_sent == 2
    everything = sorted(m["id"] for m in dying.sent + restarted.sent)
    assert everything == sorted(set(everything)) and len(everything) == 4
    assert outbox(session) == EXPECTED_OUTBOX


def test_two_sweeps_at_once_log_each_breach_once(new_db_url: Callable[[], str], clock) -> None:
    """Two processes sweeping the same day (a cron job and the scheduler): no double count."""
    from concurrent.futures import ThreadPoolExecutor

    from workflow.db import make_engine, new_session

    url = new_db_url()
    engine = make_engine(url)
    try:
        with new_session(engine) as s:
            load_cases(s, clock)

        def one(_n: int) -> jobs.SweepReport:
            with new_session(engine) as s:
                return sweep(s, clock, RecordingSender())

        with ThreadPoolExecutor(2) as pool:
            reports = list(pool.map(one, range(2)))
        assert sum(r.breaches_logged for r in reports) == 2
        assert sum(r.notifications_queued for r in reports) == 4
        with new_session(engine) as s:
            assert breach_log(s) == EXPECTED_LOG
            assert [r[:4] for r in outbox(s)] == [r[:4] for r in EXPECTED_OUTBOX]
    finally:
        engine.dispose()


def test_unknown_addresses_and_no_smtp_go_to_the_log(
    session: Session, clock, caplog: pytest.LogCaptureFixture
) -> None:
    load_cases(session, clock)
    caplog.set_level("DEBUG", logger="ehc")
    sweep(session, clock, LogSender(), staff=Staff())
    channels = {(r[1], r[2], r[3], r[4]) for r in outbox(session)}
    assert ("breached", "manager", None, "log") in channels
    logged = [r.getMessage() for r in caplog.records if r.name == "ehc.notify"]
    assert len(logged) == 4
    assert {r.levelname for r in caplog.records if r.name == "ehc.notify"} == {"DEBUG"}
    assert any(
        "for the team manager (no address known)" in m and "case BREACH" in m for m in logged
    )


def test_a_sweep_logs_one_summary_line_not_a_line_per_notification(
    session: Session, clock, caplog: pytest.LogCaptureFixture
) -> None:
    """At INFO (as `ehc serve` and `make run` log), a sweep that sends several
    notifications writes one line: its summary, with the counts."""
    load_cases(session, clock)
    caplog.set_level("INFO", logger="ehc")
    report = sweep(session, clock, LogSender(), staff=Staff())
    assert report.notifications_sent >= 2
    [line] = [r.getMessage() for r in caplog.records if r.name.startswith("ehc")]
    assert line.startswith(f"Sweep as of {AS_OF.isoformat()}: ")
    assert f"{report.notifications_sent} sent" in line


class FakeSMTP:
    instances: list[FakeSMTP] = []

    def __init__(self, host: str, port: int, timeout: float = 0) -> None:
        self.host, self.port = host, port
        self.messages: list[EmailMessage] = []
        self.tls = False
        self.logged_in: tuple[str, str] | None = None
        FakeSMTP.instances.append(self)

    def ehlo(self) -> None:
        pass

    def has_extn(self, name: str) -> bool:
        return name == "starttls"

    def starttls(self, context: Any = None) -> None:
        self.tls = True

    def login(self, user: str, password: str) -> None:
        self.logged_in = (user, password)

    def send_message(self, msg: EmailMessage) -> None:
        if msg["To"] == "refuses@la.example":
            raise smtplib.SMTPRecipientsRefused({msg["To"]: (550, b"no such user")})
        self.messages.append(msg)

    def quit(self) -> None:
        pass


def test_email_through_smtp(session: Session, clock, monkeypatch: pytest.MonkeyPatch) -> None:
    load_cases(session, clock)
    FakeSMTP.instances = []
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    settings = Smtp(host="mail.la.example", port=587, user="ehc", password="pw", sender="ehc@la")
    staff = Staff(managers={"North": "refuses@la.example"}, officers=STAFF.officers)
    report = sweep(session, clock, SmtpSender(settings), staff=staff)
    assert (report.notifications_sent, report.notifications_failed) == (3, 1)
    [conn] = FakeSMTP.instances
    assert conn.tls and conn.logged_in == ("ehc", "pw")
    assert {m["To"] for m in conn.messages} == {OFFICER}
    assert all(m["From"] == "ehc@la" for m in conn.messages)
    failed = rows(session, "SELECT role, attempts, last_error FROM outbox WHERE sent_at IS NULL")
    assert failed == [("manager", 1, "SMTPRecipientsRefused")]


def test_staff_mapping_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EHC_TEAM_MANAGERS", "North=n@la.example, South = s@la.example\n")
    monkeypatch.setenv("EHC_OFFICER_EMAILS", "North officer 1=o1@la.example")
    staff = Staff.from_config(configured())
    assert staff.manager_email("South") == "s@la.example"
    assert staff.officer_email("North officer 1") == "o1@la.example"
    # EHC_NOTIFY_DOMAINS unset: only the mappings' addresses are used (issue 17 item 11).
    assert staff.officer_email("kim@la.example") is None
    assert staff.officer_email("Nobody") is None and staff.manager_email(None) is None
    with pytest.raises(InvalidInput, match="EHC_TEAM_MANAGERS: enter each entry as name=email"):
        parse_mapping("North", "EHC_TEAM_MANAGERS")


def test_ehc_sweep_command(sqlite_url: str, clock, monkeypatch: pytest.MonkeyPatch) -> None:
    from workflow.db import make_engine, new_session

    engine = make_engine(sqlite_url)
    with new_session(engine) as s:
        load_cases(s, clock)
    engine.dispose()
    monkeypatch.setenv("EHC_DATABASE_URL", sqlite_url)
    monkeypatch.delenv("EHC_SMTP_HOST", raising=False)
    result = CliRunner().invoke(app, ["sweep", "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Sweep as of 2026-11-20: 2 new breaches logged, 4 notifications queued, 4 sent; "
        "0 advice reminder or chaser letters\n"
    )
    result = CliRunner().invoke(app, ["sweep", "--as-of", AS_OF.isoformat()])
    assert "0 new breaches logged, 0 notifications queued, 0 sent" in result.stdout
    monkeypatch.setenv("EHC_TEAM_MANAGERS", "North")
    result = CliRunner().invoke(app, ["sweep", "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 2 and "EHC_TEAM_MANAGERS" in result.output


def test_sweep_queues_advice_chasers_once(session: Session, clock) -> None:
    """Reg 8(1): the sweep writes the overdue-advice chaser, once, in its own transaction."""
    from tests.workflow.factories import ev, record_all

    record_all(
        session=session,
        case_ref="ADVICE",
        events=[
            ev("request_received", "2026-08-03", source="school"),
            ev("decision_to_assess", "2026-09-07"),
            # Tue 8 Sep + 42 days -> due Tue 20 Oct: overdue on Fri 20 Nov.
            ev("advice_requested", "2026-09-08", advice="psychological"),
            # Mon 12 Oct + 42 -> due Mon 23 Nov: within 5 working days of Fri 20 Nov.
            ev("advice_requested", "2026-10-12", advice="health"),
        ],
        clock=clock,
    )
    first = sweep(session, clock, RecordingSender())
    assert first.chaser_letters == 2
    letters = rows(session, "SELECT type FROM letters WHERE type LIKE 'advice_%' ORDER BY type")
    assert [t for (t,) in letters] == ["advice_overdue", "advice_reminder"]
    again = sweep(session, clock, RecordingSender())
    assert again.chaser_letters == 0
    assert len(rows(session, "SELECT id FROM letters WHERE type LIKE 'advice_%'")) == 2


# -- two deliveries at once (issue 17, item 3) -------------------------------------------


class SlowSender:
    """A thread-safe sender that takes a while per message, like a real SMTP server."""

    def __init__(self, seconds: float = 0.02) -> None:
        import threading

        self.seconds = seconds
        self.sent: list[int] = []
        self._lock = threading.Lock()
        self._both = threading.Barrier(2)

    def send(
        self, *, message_id: int, role: str, recipient: str | None, subject: str, body: str
    ) -> str:
        import threading
        import time

        try:  # the first message of each run waits for the other run to be sending too
            self._both.wait(timeout=2)
        except threading.BrokenBarrierError:
            pass
        time.sleep(self.seconds)
        with self._lock:
            self.sent.append(message_id)
        return "email"

    def alert(self, *, recipients: Sequence[str], subject: str, body: str) -> str:
        return "email"

    def close(self) -> None:
        pass


def test_two_deliveries_at_once_send_each_notification_once(
    new_db_url: Callable[[], str], clock
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from workflow.db import make_engine, new_session

    engine = make_engine(new_db_url())
    try:
        with new_session(engine) as s:
            load_cases(s, clock, {f"B{n:02}": CASES_BREACH for n in range(10)})
            queue_notices(s, clock)
        sender = SlowSender()

        def one(_n: int) -> tuple[int, int]:
            with new_session(engine) as s:
                return jobs.deliver(session=s, clock=clock, sender=sender, staff=STAFF)

        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(one, range(2)))
        assert sorted(sender.sent) == sorted(set(sender.sent)), "a notification went twice"
        assert len(sender.sent) == 20 and sum(r.sent for r in results) == 20
        with new_session(engine) as s:
            assert rows(s, "SELECT count(*) FROM outbox WHERE sent_at IS NULL") == [(0,)]
            assert rows(s, "SELECT DISTINCT attempts FROM outbox") == [(1,)]
    finally:
        engine.dispose()


def test_a_claim_of_a_run_that_died_is_taken_over_after_the_timeout(
    session: Session, clock
) -> None:
    load_cases(session, clock)
    queue_notices(session, clock)
    # Another run claimed the first message a minute ago, and is sending it (or died).
    session.execute(
        sa.text("UPDATE outbox SET claimed_by = 'other:1', claimed_at = :at WHERE id = 1"),
        {"at": clock() - timedelta(minutes=1)},
    )
    session.commit()
    sender = RecordingSender()
    assert jobs.deliver(session=session, clock=clock, sender=sender, staff=STAFF).sent == 3
    assert 1 not in [m["id"] for m in sender.sent]

    later = clock() + sweep_service.CLAIM_TIMEOUT
    assert jobs.deliver(session=session, clock=lambda: later, sender=sender, staff=STAFF).sent == 1
    assert sorted(m["id"] for m in sender.sent) == [1, 2, 3, 4]
    assert rows(session, "SELECT attempts FROM outbox WHERE id = 1") == [(1,)]


# -- one bad stored value (issue 17, item 2) ---------------------------------------------

ADMIN = "admin@la.example"
BAD = "officer.a@la.example\r\nBcc: someone@elsewhere.example"


def add_admin(session: Session, clock, email: str = ADMIN, active: bool = True) -> None:
    session.execute(
        sa.text(
            "INSERT INTO users (email, name, role, password_hash, active, version, "
            "created_at, updated_at) VALUES (:e, 'Admin', 'admin', 'x', :a, 0, :t, :t)"
        ),
        {"e": email, "a": active, "t": clock()},
    )
    session.commit()


@pytest.mark.parametrize("smtp", [True, False], ids=["smtp", "log"])
def test_one_bad_stored_address_never_stops_the_sweep_for_the_others(
    session: Session,
    clock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    smtp: bool,
) -> None:
    """A CR/LF in an address queued from a stored officer value: that notification is
    given up on with the reason and reported to the admins; the others all go, no log
    line is split, and later sweeps do not crash on it."""
    load_cases(session, clock)
    add_admin(session, clock)
    add_admin(session, clock, "former.admin@la.example", active=False)
    queue_notices(session, clock)
    # As queued from a case whose officer field held a line break.
    session.execute(
        sa.text(
            "UPDATE outbox SET recipient = :bad WHERE role = 'officer' AND case_id = "
            "(SELECT id FROM cases WHERE reference = 'SOON')"
        ),
        {"bad": BAD},
    )
    session.commit()
    FakeSMTP.instances = []
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    settings = Smtp(host="mail.la.example", port=25, user=None, password=None, sender="ehc@la")
    caplog.set_level("INFO", logger="ehc")

    def run(as_of: date = AS_OF) -> jobs.SweepReport:
        return sweep(session, clock, SmtpSender(settings) if smtp else LogSender(), as_of=as_of)

    report = run()
    assert (report.notifications_sent, report.notifications_failed) == (3, 1)
    [refused] = report.refused
    assert (refused.case, refused.role) == ("SOON", "officer")
    assert "control character" in refused.reason
    assert rows(session, "SELECT attempts, last_error FROM outbox WHERE sent_at IS NULL") == [
        (sweep_service.MAX_ATTEMPTS, refused.reason)
    ]
    messages = [r.getMessage() for r in caplog.records]
    assert not [m for m in messages if "\n" in m or "\r" in m], "a log line was split"
    assert not [m for m in messages if "elsewhere" in m]
    assert any("given up on" in m and "case SOON" in m for m in messages)
    emails = [m for conn in FakeSMTP.instances for m in conn.messages]
    if smtp:
        assert sorted(m["To"] for m in emails) == sorted([MANAGER, OFFICER, OFFICER, ADMIN])
        [alert] = [m for m in emails if m["To"] == ADMIN]
        text = alert.get_content()
        assert "case SOON" in text and "control character" in text
        assert "elsewhere" not in text and "officer.a" not in text
    else:
        assert emails == []

    # Later sweeps, today and tomorrow, go on without it and report it no more.
    caplog.clear()
    again = run()
    assert (again.notifications_sent, again.notifications_failed, again.refused) == (0, 0, ())
    tomorrow = run(AS_OF + timedelta(days=1))
    assert tomorrow.notifications_sent == 2 and tomorrow.refused == ()
    assert len([m for conn in FakeSMTP.instances for m in conn.messages]) == len(emails) + (
        2 if smtp else 0
    )


def test_a_control_character_in_a_subject_is_refused_too(session: Session, clock) -> None:
    load_cases(session, clock)
    queue_notices(session, clock)
    session.execute(sa.text("UPDATE outbox SET subject = subject || '\nBcc: x' WHERE id = 1"))
    session.commit()
    sender = RecordingSender()
    delivery = jobs.deliver(session=session, clock=clock, sender=sender, staff=STAFF)
    assert (delivery.sent, delivery.failed) == (3, 1)
    assert [r.message_id for r in delivery.refused] == [1]
    assert "subject contains a control character" in delivery.refused[0].reason
    assert 1 not in [m["id"] for m in sender.sent]


# -- allowed domains (issue 17, item 11) -------------------------------------------------


def test_alerts_go_only_to_allowed_domains(
    session: Session, clock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    load_cases(session, clock)
    add_admin(session, clock)
    add_admin(session, clock, "admin@gmail.example")  # an admin outside: not told either
    for ref, officer in (("SOON", "kim@la.example"), ("TODAY", "kim@gmail.example")):
        session.execute(
            sa.text("UPDATE cases SET officer = :o WHERE reference = :r"), {"o": officer, "r": ref}
        )
    session.commit()
    monkeypatch.setenv("EHC_TEAM_MANAGERS", "North=north.manager@la.example")
    monkeypatch.setenv("EHC_OFFICER_EMAILS", "Officer A=officer.a@outside.example")
    monkeypatch.setenv("EHC_NOTIFY_DOMAINS", " LA.example ,send.la.example")
    staff = Staff.from_config(configured())
    assert staff.domains == {"la.example", "send.la.example"}
    sender = RecordingSender()
    caplog.set_level("INFO", logger="ehc")
    report = sweep(session, clock, sender, staff=staff)
    # Sent: BREACH's manager (mapped, allowed) and SOON's officer (its own field, allowed).
    assert sorted((m["role"], m["to"]) for m in sender.sent) == [
        ("manager", "north.manager@la.example"),
        ("officer", "kim@la.example"),
    ]
    # Not sent: BREACH's mapped officer address and TODAY's officer field, both outside.
    assert sorted((r.case, r.role, r.reason) for r in report.refused) == [
        ("BREACH", "officer", "not an allowed domain"),
        ("TODAY", "officer", "not an allowed domain"),
    ]
    assert report.notifications_failed == 2
    [alert] = sender.alerts
    assert alert["to"] == [ADMIN]  # the admin at gmail.example is not told
    assert "case BREACH" in alert["body"] and "case TODAY" in alert["body"]
    assert "gmail" not in alert["body"] and "outside" not in alert["body"]
    assert not [r for r in caplog.records if "gmail" in r.getMessage()]


def test_without_allowed_domains_only_the_mappings_addresses_are_used(
    session: Session, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_cases(session, clock)
    session.execute(sa.text("UPDATE cases SET officer = 'kim@gmail.example'"))
    session.commit()
    monkeypatch.setenv("EHC_TEAM_MANAGERS", "North=north.manager@la.example")
    monkeypatch.delenv("EHC_NOTIFY_DOMAINS", raising=False)
    monkeypatch.delenv("EHC_OFFICER_EMAILS", raising=False)
    sender = RecordingSender()
    sweep(session, clock, sender, staff=Staff.from_config(configured()))
    assert {m["to"] for m in sender.sent} == {None, "north.manager@la.example"}


def test_a_bad_allowed_domain_is_named() -> None:
    from scheduler.notify import parse_domains

    assert parse_domains("@la.example, send.la.example,") == {"la.example", "send.la.example"}
    with pytest.raises(InvalidInput, match="EHC_NOTIFY_DOMAINS: enter each domain like"):
        parse_domains("la.example,not a domain")


def test_a_line_break_stored_in_an_officer_field_is_refused_not_sent(
    session: Session, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With allowed domains set an officer field that is an address is used, so a stored
    CR/LF in it reaches the email header: refused with the reason, the others sent."""
    load_cases(session, clock)
    session.execute(
        sa.text("UPDATE cases SET officer = :bad WHERE reference = 'SOON'"), {"bad": BAD}
    )
    session.commit()
    FakeSMTP.instances = []
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    settings = Smtp(host="mail.la.example", port=25, user=None, password=None, sender="ehc@la")
    staff = Staff(
        managers=STAFF.managers, officers=STAFF.officers, domains=frozenset({"la.example"})
    )
    report = sweep(session, clock, SmtpSender(settings), staff=staff)
    assert (report.notifications_sent, report.notifications_failed) == (3, 1)
    assert [(r.case, r.role) for r in report.refused] == [("SOON", "officer")]
    assert "control character" in report.refused[0].reason
    body = rows(session, "SELECT body FROM outbox WHERE role = 'officer' AND sent_at IS NULL")
    assert "Case officer: officer.a@la.example\\r\\nBcc:" in body[0][0]  # escaped, one line
