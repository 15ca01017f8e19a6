"""Letters sent through GOV.UK Notify, against the local Notify server (tests/notify_server),
on SQLite and PostgreSQL: queued with their change, sent once, retried on 429 and 5xx,
failed on Notify's refusals, followed until delivered; nothing of this without a key."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session, select

import bootstrap
from letters import service as letter_service
from letters.catalogue import CATALOGUE
from letters.dispatch import store
from letters.dispatch.projection import DispatchProjection
from letters.models import DELIVERED, FAILED, QUEUED, SENDING, SENT, LetterDispatch
from letters.projection import LetterProjection
from scheduler import dispatch, jobs
from scheduler.gov_notify import (
    MessageRefused,
    NotifyClient,
    NotifyError,
    NotifySender,
    NotifySettings,
    NotifyUnavailable,
    alert_sender,
)
from scheduler.notify import LogSender
from tests.notify_server import FakeNotify
from tests.wiring import configured, council
from tests.workflow.factories import ev
from workflow import service
from workflow.account_models import AuditEntry
from workflow.config import Config
from workflow.db import make_engine, new_session
from workflow.errors import InvalidInput, NotFound
from workflow.projection import Projection

Clock = Callable[[], datetime]

# "Secretname" is planted: the run's log scan fails if it reaches any log line.
PEOPLE = {
    "child_name": "Sam Secretname",
    "date_of_birth": "2015-03-14",
    "parent_name": "Jo Secretname",
    "parent_address": "12 Example Road, Exampletown, EX1 2AB",
}
BY_EMAIL = {**PEOPLE, "communication": "email", "parent_email": "jo.secretname@example.com"}
REQUEST = [ev("request_received", "2026-11-02", source="parent")]
TO_FINAL = [
    *REQUEST,
    ev("decision_to_assess", "2026-11-09"),
    ev("draft_plan_issued", "2026-11-16"),
    ev("final_plan_issued", "2026-11-19"),
]


class MovingClock:
    """The fixed test clock, moved on by hand (retries wait for their time)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def notify() -> Iterator[FakeNotify]:
    server = FakeNotify().with_engine_templates().start()
    yield server
    server.stop()


def notify_config(server: FakeNotify, **overrides: Any) -> Config:
    return configured(**{**server.config_values(), **overrides})


@pytest.fixture
def moving(clock: Clock) -> MovingClock:
    return MovingClock(clock())


def open_case(
    session: Session,
    clock: Clock,
    projections: tuple[Projection, ...],
    *,
    people: dict[str, Any],
    events: list[dict[str, Any]],
    ref: str = "N1",
) -> None:
    service.update_case(
        session=session,
        case_ref=ref,
        details=people,
        actor="t",
        clock=clock,
        projections=projections,
    )
    for event in events:
        service.record_event(
            session=session,
            case_ref=ref,
            event=event,
            actor="t",
            clock=clock,
            projections=projections,
        )


def dispatches(session: Session) -> list[LetterDispatch]:
    rows = list(session.exec(select(LetterDispatch).order_by(LetterDispatch.id)))  # type: ignore[arg-type]
    session.commit()
    for row in rows:
        session.refresh(row)
    return rows


def send(session: Session, config: Config, clock: Clock) -> dispatch.SendReport:
    settings = NotifySettings.from_config(config)
    assert settings is not None
    return dispatch.send_letters(
        session=session, notify=NotifyClient(settings), settings=settings, clock=clock, runner="t"
    )


def check(session: Session, config: Config, clock: Clock) -> dispatch.CheckReport:
    settings = NotifySettings.from_config(config)
    assert settings is not None
    return dispatch.check_statuses(
        session=session, notify=NotifyClient(settings), clock=clock, every=timedelta(0)
    )


# -- the whole way: recorded, sent, delivered ------------------------------------------


def test_recording_a_decision_sends_its_letter_by_post_and_follows_it_to_delivered(
    session: Session, notify: FakeNotify, moving: MovingClock
) -> None:
    config = notify_config(notify)
    projections = bootstrap.projections(config)
    assert [type(p) for p in projections] == [DispatchProjection]
    open_case(session, moving, projections, people=PEOPLE, events=[*REQUEST, TO_FINAL[1]])
    queued = dispatches(session)
    assert [(d.channel, d.status, d.attempts) for d in queued] == [("post", QUEUED, 0)] * 2
    assert [d.reference for d in queued] == [f"ehc-letter-{d.letter_id}" for d in queued]

    report = send(session, config, moving)
    assert (report.sent, report.retrying, report.failed) == (2, 0, 0)
    letters = notify.sent("letter")
    assert [n["reference"] for n in letters] == [d.reference for d in queued]
    assert {n["postage"] for n in letters} == {"first"}
    # The server read the address from the envelope window of our PDF (with pypdf, not
    # our own layout check): the name, the address lines, the postcode last.
    assert [n["status"] for n in letters] == ["pending-virus-check"] * 2
    assert [letters[0][f"line_{n}"] for n in range(1, 5)] == [
        "Jo Secretname",
        "12 Example Road",
        "Exampletown",
        "EX1 2AB",
    ]
    sent = dispatches(session)
    assert [(d.status, d.provider_id) for d in sent] == [(SENT, n["id"]) for n in letters]
    assert all(d.sent_at == moving.now and d.claimed_by is None for d in sent)

    notify.set_status(letters[0]["id"], "accepted")
    notify.set_status(letters[1]["id"], "received")
    moving.advance(minutes=5)
    assert check(session, config, moving) == dispatch.CheckReport(2, 1, 0)
    first, second = dispatches(session)
    assert (first.status, first.provider_status, first.completed_at) == (SENT, "accepted", None)
    assert (second.status, second.provider_status) == (DELIVERED, "received")
    assert second.completed_at == moving.now

    notify.set_status(letters[0]["id"], "received")
    check(session, config, moving)
    assert [d.status for d in dispatches(session)] == [DELIVERED, DELIVERED]
    assert check(session, config, moving) == dispatch.CheckReport()  # nothing left to ask


def test_a_family_that_prefers_email_gets_the_letter_text_and_its_pdf_as_a_file_link(
    session: Session, notify: FakeNotify, clock: Clock
) -> None:
    config = notify_config(notify)
    open_case(session, clock, bootstrap.projections(config), people=BY_EMAIL, events=REQUEST)
    (queued,) = dispatches(session)
    assert queued.channel == "email"

    assert send(session, config, clock).sent == 1
    (post,) = [c for c in notify.posts() if c.path == "/v2/notifications/email"]
    assert post.body is not None
    assert post.body["email_address"] == "jo.secretname@example.com"
    assert post.body["template_id"] == config.notify_letter_template_id
    assert post.body["reference"] == queued.reference
    personalisation = post.body["personalisation"]
    assert personalisation["subject"] == CATALOGUE["acknowledgement_of_request"].title
    assert "Dear Jo Secretname," in personalisation["body"]
    assert personalisation["case_reference"] == "N1"
    link = personalisation["link_to_file"]
    assert link["filename"] == "N1-acknowledgement_of_request.pdf"
    assert link["confirm_email_before_download"] is True
    (email,) = notify.sent("email")
    assert email["status"] == "sending"

    notify.set_status(email["id"], "delivered")
    check(session, config, clock)
    (done,) = dispatches(session)
    assert (done.status, done.provider_id, done.provider_status) == (
        DELIVERED,
        email["id"],
        "delivered",
    )


def test_without_a_notify_key_letters_are_made_as_before_and_nothing_is_queued(
    session: Session, clock: Clock
) -> None:
    config = configured()
    projections = bootstrap.projections(config)
    assert [type(p) for p in projections] == [LetterProjection]
    open_case(session, clock, projections, people=PEOPLE, events=REQUEST)
    assert dispatches(session) == []
    assert jobs.dispatch_from_config(config) is None
    assert isinstance(alert_sender(config), LogSender)
    mode = bootstrap.delivery_mode(config)
    assert not mode.notify
    assert mode.letters.startswith("Downloaded and sent by hand")


def test_letters_made_before_notify_was_configured_are_not_sent(
    session: Session, notify: FakeNotify, moving: MovingClock
) -> None:
    config = notify_config(notify)
    before = bootstrap.projections(configured())
    open_case(session, moving, before, people=PEOPLE, events=REQUEST)
    moving.advance(days=1)
    service.record_event(
        session=session,
        case_ref="N1",
        event=TO_FINAL[1],
        actor="t",
        clock=moving,
        projections=bootstrap.projections(config),
    )
    (queued,) = dispatches(session)
    assert queued.letter_id == 2  # the decision's letter; the acknowledgement was downloaded


def test_an_advisers_letter_is_not_queued(
    session: Session, notify: FakeNotify, clock: Clock
) -> None:
    config = notify_config(notify)
    events = [*TO_FINAL[:2], ev("advice_requested", "2026-11-10", advice="psychological")]
    open_case(session, clock, bootstrap.projections(config), people=PEOPLE, events=events)
    assert len(dispatches(session)) == 2  # the family's two, not the request for advice


# -- retries and idempotency -------------------------------------------------------------


def test_a_rate_limit_and_a_server_error_wait_and_retry_then_send_once(
    session: Session, notify: FakeNotify, moving: MovingClock
) -> None:
    config = notify_config(notify)
    open_case(session, moving, bootstrap.projections(config), people=PEOPLE, events=REQUEST)

    notify.fail_next(429)
    assert send(session, config, moving) == dispatch.SendReport(retrying=1)
    (row,) = dispatches(session)
    assert (row.status, row.attempts) == (QUEUED, 1)
    assert row.next_attempt_at == moving.now + timedelta(minutes=1)
    assert row.error is not None and "429 RateLimitError: Exceeded rate limit" in row.error

    assert send(session, config, moving) == dispatch.SendReport()  # not due yet
    moving.advance(minutes=1)
    notify.fail_next(500)
    assert send(session, config, moving) == dispatch.SendReport(retrying=1)
    (row,) = dispatches(session)
    assert (row.status, row.attempts) == (QUEUED, 2)
    assert row.next_attempt_at == moving.now + timedelta(minutes=2)  # doubled

    moving.advance(minutes=2)
    assert send(session, config, moving) == dispatch.SendReport(sent=1)
    (row,) = dispatches(session)
    assert (row.status, row.attempts, row.error) == (SENT, 3, None)
    assert len(notify.sent()) == 1  # the two refused tries made nothing at Notify


def test_a_letter_notify_took_but_whose_answer_was_lost_is_not_sent_again(
    session: Session, notify: FakeNotify, moving: MovingClock
) -> None:
    config = notify_config(notify)
    open_case(session, moving, bootstrap.projections(config), people=PEOPLE, events=REQUEST)
    notify.fail_next(502, lose_answer=True)
    assert send(session, config, moving).retrying == 1
    (made,) = notify.sent()  # Notify has it, but the engine saw a 502

    moving.advance(minutes=1)
    assert send(session, config, moving).sent == 1
    assert len(notify.sent()) == 1
    (row,) = dispatches(session)
    assert (row.status, row.provider_id) == (SENT, made["id"])
    assert row.provider_status == "pending-virus-check"  # taken from what Notify had
    assert [c.path for c in notify.posts()] == ["/v2/notifications/letter"]  # posted once
    assert any(c.path == f"/v2/notifications?reference={row.reference}" for c in notify.calls)


def test_after_ten_tries_a_letter_is_failed_for_a_person_to_see(
    session: Session, notify: FakeNotify, moving: MovingClock
) -> None:
    config = notify_config(notify)
    open_case(session, moving, bootstrap.projections(config), people=PEOPLE, events=REQUEST)
    for _ in range(store.MAX_ATTEMPTS):
        notify.fail_next(503, times=2)  # the look-up by reference fails too
        send(session, config, moving)
        moving.advance(hours=6)
    (row,) = dispatches(session)
    assert (row.status, row.attempts) == (FAILED, store.MAX_ATTEMPTS)
    assert row.error is not None and row.error.startswith("Not sent after 10 tries")
    assert notify.sent() == []


def test_a_claim_is_one_update_and_a_dead_jobs_claim_is_taken_over_after_its_timeout(
    session: Session, notify: FakeNotify, moving: MovingClock
) -> None:
    open_case(
        session, moving, bootstrap.projections(notify_config(notify)), people=PEOPLE, events=REQUEST
    )
    first = store.claim_next(session=session, claimant="a", after=0, clock=moving)
    assert first is not None and (first.status, first.attempts) == (SENDING, 1)
    assert store.claim_next(session=session, claimant="b", after=0, clock=moving) is None
    moving.advance(minutes=16)
    taken = store.claim_next(session=session, claimant="b", after=0, clock=moving)
    assert taken is not None and (taken.claimed_by, taken.attempts) == ("b", 2)
    # The dead job's late answer changes nothing: the row is b's now.
    store.mark_sent(
        session=session,
        dispatch_id=taken.id or 0,
        claimant="a",
        provider_id="x",
        provider_status=None,
        clock=moving,
    )
    (row,) = dispatches(session)
    assert (row.status, row.claimed_by) == (SENDING, "b")


def test_two_jobs_at_once_send_each_letter_once(
    engine: Engine, db_url: str, notify: FakeNotify, clock: Clock
) -> None:
    config = notify_config(notify)
    with new_session(engine) as session:
        open_case(session, clock, bootstrap.projections(config), people=PEOPLE, events=TO_FINAL)
    reports: list[dispatch.SendReport] = []
    start = threading.Barrier(2)

    def job() -> None:
        other = make_engine(db_url)
        try:
            with new_session(other) as session:
                start.wait()
                reports.append(send(session, config, clock))
        finally:
            other.dispose()

    threads = [threading.Thread(target=job) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.sent for r in reports) == 4
    references = [n["reference"] for n in notify.sent()]
    assert sorted(references) == sorted(set(references)) and len(references) == 4
    with new_session(engine) as session:
        assert [d.status for d in dispatches(session)] == [SENT] * 4


# -- refusals and failures -----------------------------------------------------------------


def test_notifys_validation_error_fails_the_letter_with_its_message(
    session: Session, notify: FakeNotify, clock: Clock
) -> None:
    config = notify_config(
        notify, notify_letter_template_id="0" * 8 + "-0000-0000-0000-" + "0" * 12
    )
    open_case(session, clock, bootstrap.projections(config), people=BY_EMAIL, events=REQUEST)
    assert send(session, config, clock) == dispatch.SendReport(failed=1)
    (row,) = dispatches(session)
    assert row.status == FAILED and row.completed_at == clock()
    assert row.error == "GOV.UK Notify refused it: 400 BadRequestError: Template not found"
    total, failures = store.failures(session=session)
    assert total == 1
    assert [(f.case_ref, f.letter_type, f.channel) for f in failures] == [
        ("N1", "acknowledgement_of_request", "email")
    ]


def test_a_letter_notify_could_not_print_shows_failed(
    session: Session, notify: FakeNotify, clock: Clock
) -> None:
    config = notify_config(notify)
    open_case(session, clock, bootstrap.projections(config), people=PEOPLE, events=REQUEST)
    send(session, config, clock)
    (letter,) = notify.sent("letter")
    notify.set_status(letter["id"], "permanent-failure")
    assert check(session, config, clock) == dispatch.CheckReport(1, 0, 1)
    (row,) = dispatches(session)
    assert (row.status, row.provider_status) == (FAILED, "permanent-failure")
    assert row.error is not None and row.error.startswith("Notify: ")
    assert store.failures(session=session)[0] == 1


def test_an_address_notify_cannot_print_is_failed_before_anything_is_sent(
    session: Session, notify: FakeNotify, clock: Clock
) -> None:
    config = notify_config(notify)
    long_address = ", ".join(f"Line {n}" for n in range(1, 8)) + ", EX1 2AB"  # 9 with the name
    people = {**PEOPLE, "parent_address": long_address}
    open_case(session, clock, bootstrap.projections(config), people=people, events=REQUEST)
    assert send(session, config, clock) == dispatch.SendReport(failed=1)
    (row,) = dispatches(session)
    assert row.status == FAILED
    assert (
        row.error == "Not sent by post: the address has 9 lines with the name: Notify needs 3 to 7"
    )
    assert notify.posts() == []


def test_a_key_notify_refuses_stops_the_run_and_the_letters_wait(
    session: Session, notify: FakeNotify, clock: Clock
) -> None:
    config = notify_config(notify)
    open_case(session, clock, bootstrap.projections(config), people=PEOPLE, events=TO_FINAL)
    wrong = f"ehc_test-{notify.service_id}-{'1' * 8}-1111-1111-1111-{'1' * 12}"
    report = send(session, notify_config(notify, notify_api_key=wrong), clock)
    assert report == dispatch.SendReport(retrying=1, stopped=True)
    rows = dispatches(session)
    assert [(d.status, d.attempts) for d in rows] == [(QUEUED, 0)] * 4  # no try counted
    assert rows[0].error == (
        "GOV.UK Notify: 403 AuthError: Invalid token: signature, api token not found"
    )
    assert notify.sent() == []
    assert send(session, config, clock).sent == 4  # the key mended: they all go, once
    assert len(notify.sent()) == 4


def test_a_key_without_its_templates_is_refused_at_start() -> None:
    key = f"ehc_test-{'2' * 8}-2222-2222-2222-{'2' * 12}-{'3' * 8}-3333-3333-3333-{'3' * 12}"
    with pytest.raises(InvalidInput, match="EHC_NOTIFY_ALERT_TEMPLATE_ID"):
        NotifySettings.from_config(configured(notify_api_key=key))
    with pytest.raises(InvalidInput, match="EHC_NOTIFY_API_KEY: enter the whole API key"):
        NotifySettings.from_config(configured(notify_api_key="not-a-key"))
    settings = NotifySettings.from_config(
        configured(
            notify_api_key=key,
            notify_alert_template_id=f"{'4' * 8}-4444-4444-4444-{'4' * 12}",
            notify_letter_template_id=f"{'5' * 8}-5555-5555-5555-{'5' * 12}",
        )
    )
    assert settings is not None and "3333" not in repr(settings)


def test_a_withdrawn_letter_still_queued_is_never_sent(
    session: Session, notify: FakeNotify, clock: Clock
) -> None:
    config = notify_config(notify)
    projections = bootstrap.projections(config)
    open_case(session, clock, projections, people=PEOPLE, events=TO_FINAL[:2])
    service.void_event(
        session=session,
        case_ref="N1",
        sequence=2,
        reason="recorded on the wrong case",
        actor="t",
        clock=clock,
        projections=projections,
    )
    assert send(session, config, clock).sent == 1  # the acknowledgement only
    assert [n["reference"] for n in notify.sent()] == ["ehc-letter-1"]
    assert [d.status for d in dispatches(session)] == [SENT, QUEUED]


# -- officer alerts through Notify ------------------------------------------------------


def test_officer_alerts_are_emails_from_the_alert_template(notify: FakeNotify) -> None:
    config = notify_config(notify)
    sender = alert_sender(config)
    assert isinstance(sender, NotifySender)
    channel = sender.send(
        message_id=7, role="officer", recipient="kim@la.gov.uk", subject="Breach: case N1", body="b"
    )
    assert channel == "notify"
    (email,) = notify.sent("email")
    assert (email["email_address"], email["reference"], email["subject"]) == (
        "kim@la.gov.uk",
        "ehc-alert-7",
        "Breach: case N1",
    )
    assert sender.send(message_id=8, role="officer", recipient=None, subject="s", body="b") == "log"

    with pytest.raises(MessageRefused, match="400 ValidationError: email_address Not a valid"):
        sender.send(message_id=9, role="officer", recipient="not-an-address", subject="s", body="b")
    notify.fail_next(429)
    with pytest.raises(NotifyUnavailable) as raised:
        sender.send(message_id=10, role="officer", recipient="kim@la.gov.uk", subject="s", body="b")
    assert isinstance(raised.value, OSError)  # deliver() stops the run, as for SMTP


def test_notify_errors_keep_notifys_words(notify: FakeNotify) -> None:
    settings = NotifySettings.from_config(notify_config(notify))
    assert settings is not None
    client = NotifyClient(settings)
    with pytest.raises(NotifyError) as raised:
        client.get_notification("not-a-uuid")
    assert (raised.value.status_code, raised.value.errors) == (
        400,
        (("ValidationError", "notification_id is not a valid UUID"),),
    )
    with pytest.raises(NotifyError) as missing:
        client.get_notification("11111111-1111-1111-1111-111111111111")
    assert missing.value.message == "404 NoResultFound: No result found"
    assert not missing.value.retry
    assert client.find_by_reference("nothing-sent") is None


def test_dispatch_rows_count_by_status(session: Session, notify: FakeNotify, clock: Clock) -> None:
    config = notify_config(notify)
    open_case(session, clock, bootstrap.projections(config), people=PEOPLE, events=TO_FINAL[:2])
    send(session, config, clock)
    assert store.counts(session=session) == {SENT: 2}
    assert session.execute(sa.select(sa.func.count()).select_from(LetterDispatch)).scalar() == 2


def test_a_letter_completed_outside_a_case_change_is_queued_by_the_send_job(
    session: Session, notify: FakeNotify, moving: MovingClock
) -> None:
    config = notify_config(notify)
    decision = ev("decision_not_to_assess", "2026-11-09")
    open_case(
        session, moving, bootstrap.projections(config), people=PEOPLE, events=[*REQUEST, decision]
    )
    (queued,) = dispatches(session)  # the acknowledgement; the decision waits for its reasons
    moving.advance(minutes=1)
    letter_service.complete_letter(  # `ehc letters complete`: no projections run
        session=session,
        letter_id=2,
        details={"reasons": "The school's evidence shows good progress."},
        actor="t",
        clock=moving,
        council=council(),
    )
    assert len(dispatches(session)) == 1
    assert send(session, config, moving).sent == 2
    assert [(d.letter_id, d.status) for d in dispatches(session)] == [(1, SENT), (2, SENT)]
    assert [n["reference"] for n in notify.sent()] == ["ehc-letter-1", "ehc-letter-2"]


def test_no_letter_is_queued_by_the_send_job_before_notify_queued_its_first(
    session: Session, notify: FakeNotify, clock: Clock
) -> None:
    open_case(session, clock, bootstrap.projections(configured()), people=PEOPLE, events=REQUEST)
    assert store.queue_stragglers(session=session, clock=clock) == []
    assert send(session, notify_config(notify), clock) == dispatch.SendReport()
    assert notify.sent() == []


def test_the_scheduler_runs_the_dispatch_job_only_with_a_key(notify: FakeNotify) -> None:
    from scheduler.process import DISPATCH_JOB, build_scheduler

    url = "sqlite:///:memory:"
    with_key = build_scheduler(notify_config(notify, database_url=url))
    job = next(j for j in with_key.get_jobs() if j.id == DISPATCH_JOB)
    assert job.func_ref == "scheduler.jobs:dispatch_letters"
    assert job.trigger.interval == timedelta(minutes=5)
    without = build_scheduler(configured(database_url=url))
    assert DISPATCH_JOB not in {j.id for j in without.get_jobs()}


def test_the_daily_sweep_sends_officer_alerts_through_notify_once(
    session: Session, notify: FakeNotify, clock: Clock
) -> None:
    from tests.scheduler.sweep_cases import AS_OF, STAFF, load_cases, rows
    from workflow.law.calendar import WorkingDays

    load_cases(session, clock)
    sender = alert_sender(notify_config(notify))

    def sweep() -> jobs.SweepReport:
        return jobs.run_sweep(
            session=session,
            as_of=AS_OF,
            clock=clock,
            working_days=WorkingDays(),
            staff=STAFF,
            sender=sender,
            council=council(),
            runner="test:1",
        )

    notify.fail_next(429)  # the first alert meets a rate limit: the run stops there
    first = sweep()
    assert (first.notifications_queued, first.notifications_sent, first.notifications_failed) == (
        4,
        0,
        1,
    )
    second = sweep()  # the next sweep sends them all, the refused one included
    assert (second.notifications_sent, second.notifications_failed) == (4, 0)
    assert sweep().notifications_sent == 0  # and never again
    channels = rows(session, "SELECT channel, attempts FROM outbox ORDER BY id")
    assert channels == [("notify", 2)] + [("notify", 1)] * 3
    emails = notify.sent("email")
    assert sorted(e["reference"] for e in emails) == [f"ehc-alert-{n}" for n in range(1, 5)]
    assert {e["email_address"] for e in emails} == {
        "officer.a@la.example",
        "north.manager@la.example",
    }
    assert all(e["subject"].startswith(("Breach", "Due")) for e in emails)


class _CrashAfterPosting:
    """A Notify client whose job dies (a fault, not an answer) just after Notify took
    the letter: the send went, the engine never heard."""

    def __init__(self, real: NotifyClient) -> None:
        self.real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def send_precompiled_letter(self, *, reference: str, pdf: bytes, postage: str) -> Any:
        self.real.send_precompiled_letter(reference=reference, pdf=pdf, postage=postage)
        raise RuntimeError("the job died")


def test_a_job_that_dies_mid_send_gives_the_letter_back_and_it_is_not_sent_twice(
    session: Session, notify: FakeNotify, clock: Clock
) -> None:
    config = notify_config(notify)
    open_case(session, clock, bootstrap.projections(config), people=PEOPLE, events=REQUEST)
    settings = NotifySettings.from_config(config)
    assert settings is not None
    dying = _CrashAfterPosting(NotifyClient(settings))
    with pytest.raises(RuntimeError):
        dispatch.send_letters(
            session=session, notify=dying, settings=settings, clock=clock, runner="t"
        )
    (row,) = dispatches(session)
    assert (row.status, row.attempts, row.claimed_by) == (QUEUED, 1, None)  # the try counted
    assert send(session, config, clock).sent == 1  # found at Notify by its reference
    assert len(notify.sent()) == 1
    (row,) = dispatches(session)
    assert (row.status, row.provider_id) == (SENT, notify.sent()[0]["id"])


# -- sending a failed letter again, and statuses Notify no longer holds ------------------


def fail_by_hand(session: Session, clock: Clock, letter_id: int) -> None:
    """Claim every due dispatch and fail the one for `letter_id` (the rest go back)."""
    after = 0
    while claimed := store.claim_next(session=session, claimant="t", after=after, clock=clock):
        assert claimed.id is not None
        after = claimed.id
        if claimed.letter_id == letter_id:
            store.mark_failed(
                session=session, dispatch_id=claimed.id, claimant="t", error="x", clock=clock
            )
        else:
            store.release(session=session, dispatch_id=claimed.id, claimant="t", counted=False)


def send_again(session: Session, clock: Clock, letter_id: int) -> LetterDispatch:
    row = store.send_again(session=session, letter_id=letter_id, actor="officer@t", clock=clock)
    session.commit()
    return row


def test_a_failed_email_letter_is_sent_again_to_the_corrected_address(
    session: Session, notify: FakeNotify, moving: MovingClock
) -> None:
    config = notify_config(notify)
    projections = bootstrap.projections(config)
    wrong = {**BY_EMAIL, "parent_email": "jo.secretname@exmaple.com"}
    open_case(session, moving, projections, people=wrong, events=REQUEST)
    send(session, config, moving)
    (first,) = notify.sent("email")
    notify.set_status(first["id"], "permanent-failure")
    check(session, config, moving)
    (row,) = dispatches(session)
    assert row.status == FAILED

    service.update_case(
        session=session,
        case_ref="N1",
        details={"parent_email": "jo.secretname@example.com"},
        actor="t",
        clock=moving,
        projections=projections,
    )
    moving.advance(minutes=30)
    again = send_again(session, moving, row.letter_id)
    assert (again.status, again.channel, again.attempts) == (QUEUED, "email", 0)
    assert again.reference == f"ehc-letter-{row.letter_id}-again-2"
    assert (again.provider_id, again.provider_status, again.error, again.completed_at) == (
        None,
        None,
        None,
        None,
    )
    assert again.queued_at == row.queued_at  # the first queueing still marks Notify's start
    (entry,) = session.exec(select(AuditEntry).where(AuditEntry.action == "letter_sent_again"))
    assert (entry.actor, entry.subject, entry.at) == ("officer@t", "N1", moving.now)
    assert entry.detail["letter"] == 1 and entry.detail["channel"] == "email"

    assert send(session, config, moving) == dispatch.SendReport(sent=1)
    first_again, second = notify.sent("email")
    assert first_again["id"] == first["id"]
    assert second["email_address"] == "jo.secretname@example.com"
    assert second["reference"] == again.reference
    notify.set_status(second["id"], "delivered")
    check(session, config, moving)
    (done,) = dispatches(session)
    assert (done.status, done.provider_id) == (DELIVERED, second["id"])
    with pytest.raises(InvalidInput, match="This letter is delivered through GOV.UK Notify"):
        store.send_again(session=session, letter_id=1, actor="t", clock=moving)


def test_a_letter_sent_again_and_retried_is_not_taken_for_its_failed_first_send(
    session: Session, notify: FakeNotify, moving: MovingClock
) -> None:
    """A retry asks Notify for the reference first: the new send's reference finds
    nothing, where the first one's would find the failed notification and stop there."""
    config = notify_config(notify)
    open_case(session, moving, bootstrap.projections(config), people=PEOPLE, events=REQUEST)
    send(session, config, moving)
    (first,) = notify.sent("letter")
    notify.set_status(first["id"], "validation-failed")
    check(session, config, moving)
    assert [d.status for d in dispatches(session)] == [FAILED]

    send_again(session, moving, 1)
    notify.fail_next(500)
    assert send(session, config, moving) == dispatch.SendReport(retrying=1)
    moving.advance(minutes=1)
    assert send(session, config, moving) == dispatch.SendReport(sent=1)
    old, new = notify.sent("letter")
    assert (old["reference"], new["reference"]) == ("ehc-letter-1", "ehc-letter-1-again-2")
    (row,) = dispatches(session)
    assert (row.status, row.provider_id, row.attempts) == (SENT, new["id"], 2)
    # A third send gets a third reference.
    notify.set_status(new["id"], "permanent-failure")
    check(session, config, moving)
    assert send_again(session, moving, 1).reference == "ehc-letter-1-again-3"


def test_sending_again_refuses_a_letter_not_failed_withdrawn_or_with_nowhere_to_go(
    session: Session, notify: FakeNotify, clock: Clock
) -> None:
    config = notify_config(notify)
    projections = bootstrap.projections(config)
    open_case(session, clock, projections, people=PEOPLE, events=TO_FINAL[:2])
    with pytest.raises(InvalidInput, match="This letter is queued through GOV.UK Notify, not"):
        store.send_again(session=session, letter_id=1, actor="t", clock=clock)
    session.rollback()
    with pytest.raises(NotFound, match="Letter 99 was not sent through GOV.UK Notify"):
        store.send_again(session=session, letter_id=99, actor="t", clock=clock)
    session.rollback()

    fail_by_hand(session, clock, 2)
    service.void_event(
        session=session,
        case_ref="N1",
        sequence=2,
        reason="recorded on the wrong case",
        actor="t",
        clock=clock,
        projections=projections,
    )
    with pytest.raises(InvalidInput, match="This letter was withdrawn"):
        store.send_again(session=session, letter_id=2, actor="t", clock=clock)
    session.rollback()

    fail_by_hand(session, clock, 1)
    # The family moved: the letter prints the old address, so it is posted by hand.
    service.update_case(
        session=session,
        case_ref="N1",
        details={"parent_address": "3 New Street, Exampletown, EX2 3CD"},
        actor="t",
        clock=clock,
        projections=projections,
    )
    with pytest.raises(InvalidInput, match="postal address from when it was made"):
        store.send_again(session=session, letter_id=1, actor="t", clock=clock)
    session.rollback()
    service.update_case(
        session=session,
        case_ref="N1",
        details={"parent_address": None},
        actor="t",
        clock=clock,
        projections=projections,
    )
    with pytest.raises(
        InvalidInput,
        match="This letter has no email address or postal address to send it to. Add one on "
        "the case's details page first",
    ):
        store.send_again(session=session, letter_id=1, actor="t", clock=clock)
    session.rollback()
    assert [d.status for d in dispatches(session)] == [FAILED, FAILED]
    assert session.exec(select(AuditEntry)).all() == []

    # Preferring email now, with an address: it goes by email.
    service.update_case(
        session=session,
        case_ref="N1",
        details={"communication": "email", "parent_email": "jo.secretname@example.com"},
        actor="t",
        clock=clock,
        projections=projections,
    )
    assert send_again(session, clock, 1).channel == "email"
    assert send(session, config, clock).sent == 1
    (email,) = notify.sent("email")
    assert email["email_address"] == "jo.secretname@example.com"


def test_a_status_notify_no_longer_holds_stops_the_checking_and_the_letter_stays_sent(
    session: Session, notify: FakeNotify, moving: MovingClock
) -> None:
    config = notify_config(notify)
    open_case(session, moving, bootstrap.projections(config), people=PEOPLE, events=TO_FINAL[:2])
    send(session, config, moving)
    first, second = notify.sent("letter")
    notify.forget(first["id"])  # past Notify's retention period
    moving.advance(days=8)
    assert check(session, config, moving) == dispatch.CheckReport(checked=2)
    held, gone = sorted(dispatches(session), key=lambda d: d.provider_id != second["id"])
    assert (gone.status, gone.provider_status, gone.checked_at) == (
        SENT,
        store.NOT_HELD,
        moving.now,
    )
    assert gone.completed_at is None and gone.error is None
    assert (held.status, held.provider_status) == (SENT, "pending-virus-check")

    asked = len(notify.calls)
    moving.advance(minutes=5)
    check(session, config, moving)
    assert [c.path for c in notify.calls[asked:]] == [f"/v2/notifications/{second['id']}"]


def test_other_errors_reading_a_status_keep_it_to_be_asked_again(
    session: Session, notify: FakeNotify, moving: MovingClock
) -> None:
    config = notify_config(notify)
    open_case(session, moving, bootstrap.projections(config), people=PEOPLE, events=REQUEST)
    send(session, config, moving)
    (made,) = notify.sent("letter")
    notify.fail_next(500)
    assert check(session, config, moving) == dispatch.CheckReport()
    (row,) = dispatches(session)
    assert (row.status, row.provider_status) == (SENT, None)
    # A 404 that is not Notify's own "no result" (a wrong base URL, a proxy's page) does
    # not end the checking.
    settings = NotifySettings.from_config(config)
    assert settings is not None

    class WrongUrl(NotifyClient):
        def get_notification(self, notification_id: str) -> Any:
            raise NotifyError(404, [("NotFound", "The requested URL was not found")])

    assert (
        dispatch.check_statuses(
            session=session, notify=WrongUrl(settings), clock=moving, every=timedelta(0)
        )
        == dispatch.CheckReport()
    )
    (row,) = dispatches(session)
    assert (row.status, row.provider_status) == (SENT, None)
    notify.set_status(made["id"], "received")
    assert check(session, config, moving) == dispatch.CheckReport(checked=1, delivered=1)


def test_ehc_letters_send_again_queues_a_failed_letter_or_says_why_not(
    session: Session, db_url: str, notify: FakeNotify, clock: Clock
) -> None:
    from tests.cli.test_cli import run

    config = notify_config(notify)
    open_case(session, clock, bootstrap.projections(config), people=PEOPLE, events=REQUEST)
    fail_by_hand(session, clock, 1)
    done = run("letters", "send-again", "1", db=db_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Letter 1 is queued to be sent again by post through GOV.UK Notify\n"
    (row,) = dispatches(session)
    assert (row.status, row.reference) == (QUEUED, "ehc-letter-1-again-2")
    (entry,) = session.exec(select(AuditEntry).where(AuditEntry.action == "letter_sent_again"))
    assert (entry.actor, entry.subject) == ("cli.tester", "N1")
    session.commit()  # SQLite: the read ends before the next command writes

    refused = run("letters", "send-again", "1", db=db_url)
    assert refused.returncode == 2
    assert refused.stderr.startswith("This letter is queued through GOV.UK Notify, not failed")
