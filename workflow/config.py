"""Configuration from the environment, read only at the edges (CLI, web, scheduler).

| variable | meaning | default |
|---|---|---|
| EHC_DATABASE_URL | SQLAlchemy URL of the database | sqlite:///./ehc.db |
| EHC_TWENTY_WEEK_DAYS | 140, or 139 for the DfE "day 1 = receipt" reading | 140 |
| EHC_PHASE_TRANSFER_RULE | before (reg 18's word) or by | before |
| EHC_EXTRA_HOLIDAYS | file of one-off bank holidays, one YYYY-MM-DD a line | none |
| EHC_EXPORTS_DIR | where the monthly KPI export writes | ./exports |
| EHC_SMTP_HOST, _PORT, _USER, _PASSWORD, _FROM | email; with no host, the log | none |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from workflow.errors import InvalidInput
from workflow.law.calendar import WorkingDays, read_extra_holidays
from workflow.law.deadlines import Settings

DEFAULT_DATABASE_URL = "sqlite:///./ehc.db"


def database_url() -> str:
    return os.environ.get("EHC_DATABASE_URL") or DEFAULT_DATABASE_URL


def clock_settings(
    twenty_week_days: int | None = None, phase_transfer_rule: str | None = None
) -> Settings:
    """The clock's settings: command-line overrides, else the environment, else the law's."""
    try:
        days = twenty_week_days or int(os.environ.get("EHC_TWENTY_WEEK_DAYS") or 140)
        rule = phase_transfer_rule or os.environ.get("EHC_PHASE_TRANSFER_RULE") or "before"
        return Settings(twenty_week_days=days, phase_transfer_rule=rule)
    except ValueError as e:
        raise InvalidInput(f"Settings: {e}") from None


@lru_cache(maxsize=1)
def working_days() -> WorkingDays:
    path = os.environ.get("EHC_EXTRA_HOLIDAYS")
    if not path:
        return WorkingDays()
    try:
        return WorkingDays(read_extra_holidays(Path(path)))
    except (OSError, ValueError) as e:
        raise InvalidInput(f"EHC_EXTRA_HOLIDAYS: {e}") from None


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    user: str | None
    password: str | None
    sender: str


def smtp() -> Smtp | None:
    host = os.environ.get("EHC_SMTP_HOST")
    if not host:
        return None
    return Smtp(
        host=host,
        port=int(os.environ.get("EHC_SMTP_PORT") or 25),
        user=os.environ.get("EHC_SMTP_USER"),
        password=os.environ.get("EHC_SMTP_PASSWORD"),
        sender=os.environ.get("EHC_SMTP_FROM") or "ehc@localhost",
    )


def exports_dir() -> Path:
    return Path(os.environ.get("EHC_EXPORTS_DIR") or "./exports")
