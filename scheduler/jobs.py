"""Scheduler jobs: thin, named, idempotent sweeps over the database.

Referenced by the scheduler as "scheduler.jobs:daily_sweep" and
"scheduler.jobs:monthly_kpi_export": stored jobs hold no arguments, so these entry
points are the scheduler's edge and load the configuration once when they run.
`sweep_from_config` and `run_sweep` are the same sweep with everything passed in, for
`ehc sweep` and the tests.
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session

from letters.config import load_council
from letters.contexts import Council
from scheduler import dispatch, sweep_service
from scheduler.gov_notify import MessageRefused, NotifyClient, NotifySettings, alert_sender
from scheduler.notify import ROLE_NAMES, Sender, Staff, one_line
from scheduler.scorecard.export import monthly_export
from workflow.clock import Clock, system_clock, today_in_england
from workflow.config import Config, load_config
from workflow.db import make_engine, new_session
from workflow.law.calendar import WorkingDays

log = logging.getLogger("ehc.jobs")


@dataclass(frozen=True)
class Refused:
    """A notification given up on because of what it holds: named by case reference."""

    message_id: int
    case: str
    role: str
    reason: str

    def __str__(self) -> str:
        who = ROLE_NAMES.get(self.role, self.role)
        return f"notification {self.message_id}, case {one_line(self.case)}, {who}: {self.reason}"


@dataclass(frozen=True)
class Delivery:
    sent: int
    failed: int  # refused ones included
    refused: tuple[Refused, ...] = ()


@dataclass(frozen=True)
class SweepReport:
    as_of: date
    breaches_logged: int
    notifications_queued: int
    notifications_sent: int
    notifications_failed: int
    chaser_letters: int = 0
    refused: tuple[Refused, ...] = ()  # also counted in notifications_failed


def runner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def deliver(*, session: Session, clock: Clock, sender: Sender, staff: Staff) -> Delivery:
    """Send every queued, unsent notification.

    Each message is claimed before it is sent (so a delivery running at the same time
    skips it) and marked sent as soon as it has left, so a crash part-way re-sends at
    most the one message in flight. A message that must not be sent as it stands (a
    control character in its address or subject, or an address outside the allowed
    domains) is given up on with the reason, and the run goes on. A refused recipient
    is recorded and skipped; a broken connection stops the run (the next sweep retries).
    """
    claimant = f"{runner_name()}:{uuid.uuid4().hex[:8]}"
    sent = failed = 0
    refused: list[Refused] = []
    last = 0  # each message is tried once per run, oldest first
    try:
        while message := sweep_service.claim_next(
            session=session, claimant=claimant, after=last, clock=clock
        ):
            assert message.id is not None
            last = message.id
            reason = staff.refusal(message.recipient, message.subject)
            if reason is None:
                try:
                    channel = sender.send(
                        message_id=message.id,
                        role=message.role,
                        recipient=message.recipient,
                        subject=message.subject,
                        body=message.body,
                    )
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as e:
                    failed += 1
                    sweep_service.mark_failed(
                        session=session, message_id=message.id, error=type(e).__name__
                    )
                    log.warning("Notification %s was refused: %s", message.id, type(e).__name__)
                    continue
                except MessageRefused as e:  # GOV.UK Notify's 400: its words, no address
                    failed += 1
                    sweep_service.mark_failed(session=session, message_id=message.id, error=str(e))
                    log.warning("Notification %s was refused: %s", message.id, type(e).__name__)
                    continue
                except (OSError, smtplib.SMTPException) as e:
                    failed += 1
                    sweep_service.mark_failed(session=session, message_id=message.id, error=str(e))
                    log.error("Notification %s not sent, stopping delivery: %s", message.id, e)
                    break
                except ValueError:
                    # The email library refused to write it (a header it cannot hold):
                    # its text is not logged, as it may quote the value.
                    reason = "the message could not be written as an email"
                except BaseException:
                    _give_back(session, message.id, claimant)
                    raise
            if reason is not None:
                failed += 1
                sweep_service.mark_refused(session=session, message_id=message.id, reason=reason)
                case = sweep_service.case_reference(session=session, case_id=message.case_id)
                refused.append(Refused(message.id, case, message.role, reason))
                # Per message at DEBUG: the sweep's summary lists every one given up on.
                log.debug("Not sent, given up: %s", refused[-1])
                continue
            sweep_service.mark_sent(
                session=session, message_id=message.id, channel=channel, clock=clock
            )
            sent += 1
    finally:
        sender.close()
    return Delivery(sent=sent, failed=failed, refused=tuple(refused))


def _give_back(session: Session, message_id: int, claimant: str) -> None:
    """The run is stopping mid-send: let the next run send the message at once. If the
    database cannot be reached now, the claim times out instead (CLAIM_TIMEOUT)."""
    try:
        session.rollback()
        sweep_service.release(session=session, message_id=message_id, claimant=claimant)
    except Exception:
        log.warning("Notification %s: its claim is left to time out", message_id)


def run_sweep(
    *,
    session: Session,
    as_of: date,
    clock: Clock,
    working_days: WorkingDays,
    staff: Staff,
    sender: Sender,
    council: Council,
    runner: str | None = None,
) -> SweepReport:
    """Log new breaches, queue notifications (one transaction), then deliver them."""
    result = sweep_service.sweep(
        session=session,
        as_of=as_of,
        clock=clock,
        working_days=working_days,
        staff=staff,
        council=council,
        runner=runner or runner_name(),
    )
    delivery = deliver(session=session, clock=clock, sender=sender, staff=staff)
    report = SweepReport(
        as_of=as_of,
        breaches_logged=result.breaches_logged,
        notifications_queued=result.notifications_queued,
        notifications_sent=delivery.sent,
        notifications_failed=delivery.failed,
        chaser_letters=result.chaser_letters,
        refused=delivery.refused,
    )
    log.info(
        "Sweep as of %s: %d new breaches logged, %d notifications queued, %d sent, "
        "%d failed, %d advice reminder or chaser letters",
        as_of.isoformat(),
        report.breaches_logged,
        report.notifications_queued,
        delivery.sent,
        delivery.failed,
        report.chaser_letters,
    )
    if delivery.refused:
        _report_refused(session=session, sender=sender, staff=staff, as_of=as_of, report=report)
    return report


def _report_refused(
    *, session: Session, sender: Sender, staff: Staff, as_of: date, report: SweepReport
) -> None:
    """Tell the admins which notifications were given up on and why: in the log, and
    by one email to the active admin accounts (allowed addresses only) when SMTP is set.
    Case references only: no address or stored value, which may be what is wrong."""
    lines = [str(r) for r in report.refused]
    log.warning(
        "Sweep as of %s: %d notifications not sent and given up on, for an admin to look at: %s",
        as_of.isoformat(),
        len(lines),
        "; ".join(lines),
    )
    admins = [
        a for a in sweep_service.admin_emails(session=session) if staff.refusal(a, "") is None
    ]
    subject = f"EHC sweep {as_of.isoformat()}: {len(lines)} notifications not sent"
    body = (
        "The daily sweep gave up on these notifications because of what they hold:\n\n"
        + "\n".join(f"- {line}" for line in lines)
        + "\n\nCorrect the case's team or officer, or the settings EHC_TEAM_MANAGERS, "
        "EHC_OFFICER_EMAILS or EHC_NOTIFY_DOMAINS. They are not retried: once corrected, "
        "set their attempts back to 0 in the outbox table to send them.\n"
    )
    try:
        sender.alert(recipients=admins, subject=subject, body=body)
    except (OSError, smtplib.SMTPException) as e:
        log.error("The admins could not be emailed about them: %s", type(e).__name__)
    finally:
        sender.close()


def sweep_from_config(
    config: Config, as_of: date | None = None, clock: Clock = system_clock
) -> SweepReport:
    """The sweep with the database, staff, SMTP, council and calendar of `config`."""
    staff = Staff.from_config(config)  # a bad mapping fails before anything is written
    council = load_council(config)
    engine = make_engine(config.database_url)
    try:
        with new_session(engine) as session:
            return run_sweep(
                session=session,
                as_of=as_of or today_in_england(clock),
                clock=clock,
                working_days=config.working_days,
                staff=staff,
                sender=alert_sender(config),
                council=council,
            )
    finally:
        engine.dispose()


def daily_sweep() -> None:
    """The 06:00 job: today's sweep ("scheduler.jobs:daily_sweep")."""
    sweep_from_config(load_config())


def catch_up_sweep() -> None:
    """Run today's sweep if it has not run yet (a scheduler that has just taken over)."""
    config = load_config()
    engine = make_engine(config.database_url)
    try:
        with new_session(engine) as session:
            done = sweep_service.swept(session=session, as_of=today_in_england(system_clock))
    finally:
        engine.dispose()
    if not done:
        log.info("Today's sweep has not run yet: running it now")
        sweep_from_config(config)


# -- the monthly KPI export -------------------------------------------------------


def first_working_day_of_month(day: date, working_days: WorkingDays) -> date:
    return working_days.next_on_or_after(day.replace(day=1))


def monthly_kpi_export() -> None:
    """Runs on weekdays 1 to 7 of each month; exports on the first working day only."""
    config = load_config()
    today = today_in_england(system_clock)
    if today != first_working_day_of_month(today, config.working_days):
        return
    log.info(
        "Monthly KPI export for %s", (today.replace(day=1) - timedelta(days=1)).strftime("%B %Y")
    )
    monthly_export(config=config, as_of=today)


# -- letters through GOV.UK Notify ---------------------------------------------------


def dispatch_from_config(
    config: Config, clock: Clock = system_clock
) -> tuple[dispatch.SendReport, dispatch.CheckReport] | None:
    """Send the queued letters and check the sent ones, with `config`'s Notify key and
    database; None (nothing done) without a key."""
    settings = NotifySettings.from_config(config)
    if settings is None:
        return None
    notify = NotifyClient(settings)
    engine = make_engine(config.database_url)
    try:
        with new_session(engine) as session:
            sent = dispatch.send_letters(
                session=session,
                notify=notify,
                settings=settings,
                clock=clock,
                runner=runner_name(),
            )
            checked = dispatch.check_statuses(session=session, notify=notify, clock=clock)
    finally:
        engine.dispose()
    if sent.sent or sent.retrying or sent.failed or checked.checked:
        log.info(
            "Letters through GOV.UK Notify: %d sent, %d to retry, %d not sent; "
            "%d checked, %d delivered, %d failed",
            sent.sent,
            sent.retrying,
            sent.failed,
            checked.checked,
            checked.delivered,
            checked.failed,
        )
    return sent, checked


def dispatch_letters() -> None:
    """Every few minutes while Notify is configured ("scheduler.jobs:dispatch_letters")."""
    dispatch_from_config(load_config())
