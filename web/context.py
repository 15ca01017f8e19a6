"""What the web app runs with: its database engine, clock, clock settings and projections.

Built once at start-up (`create_app`) from the configuration and kept on `app.state`,
so tests can pass a fixed clock and a fresh database, and nothing reads the environment
per request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session

import bootstrap
from letters.config import load_council
from scheduler import sweep_service
from scheduler.gov_notify import alert_sender
from scheduler.notify import Staff
from web.oidc import SignInOptions
from workflow.clock import Clock, system_clock, today_in_england
from workflow.config import Config
from workflow.db import make_engine
from workflow.law.calendar import WorkingDays
from workflow.law.deadlines import Settings
from workflow.projection import Projection


@dataclass(frozen=True)
class AboutService:
    """What the accessibility statement and the privacy notice say of the council: its
    name and email (the letters' details), and what only it can give (configuration);
    None where the council has not set it yet, which the pages say."""

    council: str = "Example Council"
    email: str = "send@example.gov.uk"
    dpo_email: str | None = None
    retention: str | None = None
    privacy_url: str | None = None

    @classmethod
    def from_config(cls, config: Config) -> AboutService:
        council = load_council(config)
        return cls(
            council=council.name,
            email=council.email,
            dpo_email=config.council_dpo_email,
            retention=config.council_retention,
            privacy_url=config.council_privacy_url,
        )


@dataclass(frozen=True)
class ReadyChecks:
    """/ready's limits, and how it emails the admins (SMTP when set, else the log)."""

    heartbeat_max_seconds: float = 300.0
    sweep_max_hours: float = 26.0
    config: Config | None = None  # None: alerts only logged (tests that do not send)

    def alert_admins(self, session: Session, *, subject: str, body: str) -> None:
        """Email the active admins (allowed domains only), as the sweep's own alerts do."""
        if self.config is None:
            return
        staff = Staff.from_config(self.config)
        admins = [
            a for a in sweep_service.admin_emails(session=session) if staff.refusal(a, "") is None
        ]
        sender = alert_sender(self.config)  # GOV.UK Notify when configured, else SMTP
        try:
            sender.alert(recipients=admins, subject=subject, body=body)
        finally:
            sender.close()

    @classmethod
    def from_config(cls, config: Config) -> ReadyChecks:
        return cls(config.ready_heartbeat_max_seconds, config.ready_sweep_max_hours, config)


@dataclass
class WebContext:
    engine: Engine
    # What every change derives above the service (letters): `bootstrap.projections`.
    projections: tuple[Projection, ...]
    clock: Clock = system_clock
    settings: Settings = field(default_factory=Settings)
    working_days: WorkingDays = field(default_factory=WorkingDays)
    # Secure cookies: on when served over HTTPS (or forced by EHC_SECURE_COOKIES=1).
    force_secure_cookies: bool = False
    about: AboutService = field(default_factory=AboutService)
    ready: ReadyChecks = field(default_factory=ReadyChecks)
    sign_in: SignInOptions = field(default_factory=SignInOptions)  # 2FA, passwords, SSO
    # How letters and alerts leave (GOV.UK Notify, SMTP, by hand): the admin page says.
    delivery: bootstrap.DeliveryMode = field(default_factory=bootstrap.DeliveryMode)

    def today(self) -> date:
        return today_in_england(self.clock)

    @classmethod
    def from_config(cls, config: Config) -> WebContext:
        return cls(
            engine=make_engine(config.database_url),
            projections=bootstrap.projections(config),
            settings=config.clock_settings(),
            working_days=config.working_days,
            force_secure_cookies=config.secure_cookies,
            about=AboutService.from_config(config),
            ready=ReadyChecks.from_config(config),
            sign_in=SignInOptions.from_config(config),
            delivery=bootstrap.delivery_mode(config),
        )
