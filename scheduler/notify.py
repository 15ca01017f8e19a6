"""Who is told, what they are told, and how it leaves: email, or the log without SMTP.

Notifications name the case by its reference and the deadline by its kind and
dates. They never carry the child's name, date of birth or any event note:
the message is built only from the deadline row, the case reference, team and
officer (staff, not the family).

Staff addresses come from the environment (read by the scheduler, an edge):

| variable | format | example |
|---|---|---|
| EHC_TEAM_MANAGERS | team=email, comma or newline separated | North=ann@la.gov.uk |
| EHC_OFFICER_EMAILS | officer=email, likewise | North officer 1=kim@la.gov.uk |

| EHC_NOTIFY_DOMAINS | domains, comma separated | la.gov.uk,send.la.gov.uk |

Alerts name case references, so they go only where the council allows
(issue 17, item 11):

- With EHC_NOTIFY_DOMAINS set, every address (a mapping's, an officer field that is
  itself an email address, an admin's) must be in one of those domains exactly (a
  subdomain is listed on its own); any other is not sent to: the notification is
  marked failed, "not an allowed domain", and reported to the admins.
- With it unset, only the addresses of EHC_TEAM_MANAGERS and EHC_OFFICER_EMAILS are
  used: an officer field that is itself an email address is not sent to (the
  notification goes to the log, as for anyone with no address).

A value that cannot go into an email header (a control character such as CR or LF in a
stored team, officer or reference, or more than one address) is never sent either:
the notification is marked failed with the reason and reported, and the sweep goes on
with the others (issue 17, item 2).
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from typing import Protocol

from workflow.config import Config, Smtp
from workflow.errors import InvalidInput
from workflow.law.events import CONTROL, has_control

log = logging.getLogger("ehc.notify")

DUE_SOON_WORKING_DAYS = 5
DUE_SOON, DUE_TODAY, BREACHED = "due_soon", "due_today", "breached"
OFFICER, MANAGER = "officer", "manager"
SUBJECT_MAX = 200
ROLE_NAMES = {OFFICER: "case officer", MANAGER: "team manager"}


def parse_mapping(text: str | None, variable: str) -> dict[str, str]:
    """`name=email` pairs, separated by commas or new lines; a bad one names itself."""
    out: dict[str, str] = {}
    for item in (text or "").replace("\n", ",").split(","):
        if not item.strip():
            continue
        name, sep, email = item.partition("=")
        name, email = name.strip(), email.strip()
        if not sep or not name or "@" not in email:
            raise InvalidInput(
                f"{variable}: enter each entry as name=email, comma separated "
                f"(got {item.strip()!r})"
            )
        out[name] = email
    return out


def parse_domains(text: str | None) -> frozenset[str]:
    """EHC_NOTIFY_DOMAINS: `la.gov.uk,send.la.gov.uk`; a bad entry names itself."""
    out = set()
    for item in (text or "").split(","):
        domain = item.strip().lower().removeprefix("@")
        if not item.strip():
            continue
        if not _DOMAIN.fullmatch(domain):
            raise InvalidInput(
                f"EHC_NOTIFY_DOMAINS: enter each domain like la.gov.uk, comma separated "
                f"(got {one_line(item.strip())!r})"
            )
        out.add(domain)
    return frozenset(out)


_DOMAIN = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)+")
# One plain address: no spaces, quotes, brackets, commas or second @ (a header could
# otherwise carry several recipients).
_ADDRESS = re.compile(r"[^\s@<>()\[\],;:\\\"]+@([^\s@<>()\[\],;:\\\"]+)")
NOT_ALLOWED_DOMAIN = "not an allowed domain"


def one_line(text: str) -> str:
    """`text` with each control character written as an escape, for a log line."""
    return CONTROL.sub(lambda found: found.group().encode("unicode_escape").decode("ascii"), text)


@dataclass(frozen=True)
class Staff:
    """Team managers' and officers' email addresses, and where alerts may go."""

    managers: Mapping[str, str] = field(default_factory=dict)
    officers: Mapping[str, str] = field(default_factory=dict)
    domains: frozenset[str] = frozenset()  # none: only the mappings' addresses are used

    @classmethod
    def from_config(cls, config: Config) -> Staff:
        return cls(
            managers=parse_mapping(config.team_managers, "EHC_TEAM_MANAGERS"),
            officers=parse_mapping(config.officer_emails, "EHC_OFFICER_EMAILS"),
            domains=parse_domains(config.notify_domains),
        )

    def officer_email(self, officer: str | None) -> str | None:
        if not officer:
            return None
        if officer in self.officers:
            return self.officers[officer]
        # An officer field that is itself an address is used only when the allowed
        # domains are set; it is checked before sending (`refusal`), so a bad one is
        # reported rather than quietly sent to the log.
        if self.domains and "@" in officer:
            return officer.strip()
        return None

    def manager_email(self, team: str | None) -> str | None:
        return self.managers.get(team) if team else None

    def refusal(self, recipient: str | None, subject: str) -> str | None:
        """Why this message must not be sent, or None. No address is not a refusal:
        such a message goes to the log."""
        if recipient is not None:
            if has_control(recipient):
                return "the address contains a control character (such as a line break)"
            match = _ADDRESS.fullmatch(recipient)
            if match is None:
                return "the address is not one email address"
            if self.domains and match.group(1).lower() not in self.domains:
                return NOT_ALLOWED_DOMAIN
        if has_control(subject):
            return "the subject contains a control character (such as a line break)"
        return None


# The kinds whose stored names do not read as words (spec v3's new duties).
KIND_NAMES = {
    "reassessment_decision": "decision whether to re-assess",
    "reassessment_final": "re-assessment's plan",
    "review_meeting_notice": "review meeting notice",
    "review_papers": "review meeting papers",
    "transfer_out": "transfer of the plan to the new council",
}


def describe_deadline(kind: str, advice: str | None, ref: str | None) -> str:
    """'final plan', 'psychological advice', 'order compliance (issue_plan_draft)'."""
    if kind == "advice" and advice:
        return f"{advice.replace('_', ' ')} advice" + (f" ({ref})" if ref else "")
    return KIND_NAMES.get(kind, kind.replace("_", " ")) + (f" ({ref})" if ref else "")


def _day(d: date) -> str:
    return d.strftime("%a %d %b %Y")  # "Fri 27 Nov 2026"


@dataclass(frozen=True)
class Notice:
    """One notification about one deadline, built only from non-personal fields."""

    case: str
    kind: str
    advice: str | None
    ref: str | None
    regulation: str
    starts: date
    due: date
    as_of: date
    reason: str
    days_late: int | None
    team: str | None
    officer: str | None

    @property
    def subject(self) -> str:
        what = describe_deadline(self.kind, self.advice, self.ref)
        if self.reason == BREACHED:
            text = f"Breach: case {self.case}, {what} was due {_day(self.due)}"
        elif self.reason == DUE_TODAY:
            text = f"Due today: case {self.case}, {what} is due {_day(self.due)}"
        else:
            text = f"Due soon: case {self.case}, {what} is due {_day(self.due)}"
        return text[:SUBJECT_MAX]

    @property
    def body(self) -> str:
        what = describe_deadline(self.kind, self.advice, self.ref)
        if self.reason == BREACHED:
            status = f"overdue, {self.days_late} days late (a breach of {self.regulation})"
        elif self.reason == DUE_TODAY:
            status = "due today"
        else:
            status = f"due within {DUE_SOON_WORKING_DAYS} working days"
        lines = [
            f"Case reference: {self.case}",
            f"Deadline: {what} ({self.regulation})",
            f"Started: {_day(self.starts)}",
            f"Due: {_day(self.due)}",
            f"As of {_day(self.as_of)}: {status}",
            f"Team: {one_line(self.team or 'none recorded')}",
            f"Case officer: {one_line(self.officer or 'none recorded')}",
            "",
            f"See the case with: ehc case show {self.case}",
            "This message was sent by the EHC statutory deadline scheduler.",
        ]
        return "\n".join(lines) + "\n"


class Sender(Protocol):
    """Delivers one queued notification; returns the channel used ("email" or "log")."""

    def send(
        self, *, message_id: int, role: str, recipient: str | None, subject: str, body: str
    ) -> str: ...

    def alert(self, *, recipients: Sequence[str], subject: str, body: str) -> str:
        """One message to the admins (checked addresses); returns the channel used."""
        ...

    def close(self) -> None: ...


class LogSender:
    """No SMTP configured: each notification is written to the log, once, at DEBUG (the
    sweep's one summary line counts them; a line each would bury the log)."""

    def send(
        self, *, message_id: int, role: str, recipient: str | None, subject: str, body: str
    ) -> str:
        log.debug(
            "Notification %s for the %s (%s), logged as no SMTP is configured: %s",
            message_id,
            ROLE_NAMES.get(role, role),
            recipient or "no address known",
            subject,
        )
        return "log"

    def alert(self, *, recipients: Sequence[str], subject: str, body: str) -> str:
        return "log"  # the sweep's own summary in the log already says it

    def close(self) -> None:
        pass


class SmtpSender:
    """Email through the configured SMTP server, one connection per delivery run.

    Port 465 uses TLS from the start; otherwise STARTTLS is used when the server
    offers it. A notification with no known address goes to the log instead.
    """

    def __init__(self, settings: Smtp) -> None:
        self.settings = settings
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        if self._conn is None:
            s = self.settings
            context = ssl.create_default_context()
            conn: smtplib.SMTP
            if s.port == 465:
                conn = smtplib.SMTP_SSL(s.host, s.port, timeout=30, context=context)
            else:
                conn = smtplib.SMTP(s.host, s.port, timeout=30)
                conn.ehlo()
                if conn.has_extn("starttls"):
                    conn.starttls(context=context)
                    conn.ehlo()
            if s.user:
                conn.login(s.user, s.password or "")
            self._conn = conn
        return self._conn

    def send(
        self, *, message_id: int, role: str, recipient: str | None, subject: str, body: str
    ) -> str:
        if not recipient:
            log.debug(
                "Notification %s for the %s has no address (set %s), logged instead: %s",
                message_id,
                ROLE_NAMES.get(role, role),
                "EHC_TEAM_MANAGERS" if role == MANAGER else "EHC_OFFICER_EMAILS",
                subject,
            )
            return "log"
        msg = EmailMessage()
        msg["From"] = self.settings.sender
        msg["To"] = recipient
        msg["Subject"] = subject
        msg.set_content(body)
        self._connect().send_message(msg)
        log.debug("Notification %s emailed to %s: %s", message_id, recipient, subject)
        return "email"

    def alert(self, *, recipients: Sequence[str], subject: str, body: str) -> str:
        if not recipients:
            return "log"
        msg = EmailMessage()
        msg["From"] = self.settings.sender
        msg["To"] = ", ".join(recipients)
        msg["Subject"] = subject
        msg.set_content(body)
        self._connect().send_message(msg)
        log.info("Alert emailed to %d admins: %s", len(recipients), subject)
        return "email"

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except smtplib.SMTPException:
                pass
            self._conn = None


def make_sender(settings: Smtp | None) -> Sender:
    return SmtpSender(settings) if settings is not None else LogSender()
