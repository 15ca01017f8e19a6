"""What the web app runs with: its database engine, clock, clock settings and projections.

Built once at start-up (`create_app`) from the configuration and kept on `app.state`,
so tests can pass a fixed clock and a fresh database, and nothing reads the environment
per request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine

import bootstrap
from workflow.clock import Clock, system_clock, today_in_england
from workflow.config import Config
from workflow.db import make_engine
from workflow.law.calendar import WorkingDays
from workflow.law.deadlines import Settings
from workflow.projection import Projection


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
        )
