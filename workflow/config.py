"""Configuration: every `EHC_*` setting in one typed object, read once at an edge.

The edges (the CLI's commands, the web app at start-up, the scheduler's job entry
points) call `load_config()` and hand the parts down; nothing below them reads the
environment. pydantic-settings reads `EHC_*` variables, then a `.env` file in the
working directory; an empty variable counts as unset.

| variable | meaning | default |
|---|---|---|
| EHC_DATABASE_URL | SQLAlchemy URL of the database | sqlite:///./ehc.db |
| EHC_TWENTY_WEEK_DAYS | 140, or 139 for the DfE "day 1 = receipt" reading | 140 |
| EHC_PHASE_TRANSFER_RULE | before (reg 18's word) or by | before |
| EHC_EXTRA_HOLIDAYS | file of one-off bank holidays, one YYYY-MM-DD a line | none |
| EHC_ACTOR | who is recording at the command line, for the audit trail | login name |
| EHC_COUNCIL_CONFIG, EHC_COUNCIL_* | the council's details for letters | placeholders |
| EHC_COUNCIL_DPO_EMAIL, _RETENTION, _PRIVACY_URL | the privacy notice's details | "to be set" |
| EHC_SMTP_HOST, _PORT, _USER, _PASSWORD, _FROM | email; with no host, the log | none |
| EHC_TEAM_MANAGERS, EHC_OFFICER_EMAILS | `Team=address,...`, `Officer=address,...` | none |
| EHC_SWEEP_AT, EHC_SCHEDULER_STANDBY_POLL_SECONDS | sweep time; standby's poll | 06:00; 15 |
| EHC_EXPORTS_DIR | where the monthly KPI export writes | ./exports |
| EHC_SECURE_COOKIES | 1: Secure cookies even over plain HTTP (behind a proxy) | 0 |
| EHC_FORWARDED_ALLOW_IPS | proxies whose X-Forwarded-* headers are trusted | 127.0.0.1 |
| EHC_NOTIFY_DOMAINS | email domains notifications may go to, comma separated | none |
| EHC_LOG_FORMAT | json (one object a line, with request ids) or text | json |
| EHC_SCHEDULER_HEARTBEAT_SECONDS | how often the active scheduler records it is alive | 60 |
| EHC_READY_HEARTBEAT_MAX_SECONDS, EHC_READY_SWEEP_MAX_HOURS | /ready's limits | 300; 26 |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from workflow.errors import InvalidInput
from workflow.law.calendar import WorkingDays, read_extra_holidays
from workflow.law.deadlines import Settings
from workflow.logs import FORMATS

DEFAULT_DATABASE_URL = "sqlite:///./ehc.db"


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    user: str | None
    password: str | None
    sender: str


class Config(BaseSettings):
    """Every setting of the engine, typed and checked when it is read."""

    model_config = SettingsConfigDict(
        env_prefix="EHC_", env_file=".env", env_ignore_empty=True, extra="ignore", frozen=True
    )

    database_url: str = DEFAULT_DATABASE_URL
    twenty_week_days: int = 140
    phase_transfer_rule: str = "before"
    extra_holidays: Path | None = None
    actor: str | None = None
    council_config: Path | None = None
    council_name: str | None = None
    council_address: str | None = None
    council_phone: str | None = None
    council_email: str | None = None
    council_local_offer_url: str | None = None
    council_signatory_name: str | None = None
    council_signatory_role: str | None = None
    council_timeline_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "ehc@localhost"
    # GOV.UK Notify (docs/letters.md, "Sending letters"): with a key, letters to families
    # are sent (email with the PDF as a file link, or post as a precompiled letter) and
    # officer alerts are emailed from a Notify template; without one, alerts use SMTP and
    # letters are downloaded by hand, as before.
    notify_api_key: SecretStr | None = None
    notify_base_url: str = "https://api.notifications.service.gov.uk"
    notify_alert_template_id: str | None = None  # email template: ((subject)), ((body))
    # Email template: ((subject)), ((body)), ((case_reference)), ((link_to_file)).
    notify_letter_template_id: str | None = None
    notify_postage: Literal["first", "second"] = "first"  # letters sent by post
    notify_poll_minutes: int = Field(default=5, ge=1, le=60)  # the send and status job's interval
    team_managers: str | None = None
    officer_emails: str | None = None
    sweep_at: time = time(6, 0)
    scheduler_standby_poll_seconds: float = 15.0  # a standby takes over within a minute
    exports_dir: Path = Path("./exports")
    secure_cookies: bool = False
    # Signing in (docs/sign-in.md). A second factor for every local account, not only
    # admins and managers; password accounts off (single sign-on only); the council's
    # OpenID Connect provider: issuer, client, the claim whose values map to a role and
    # team (`value=role` or `value=role/team`, comma separated), the button's words.
    two_factor_for_all: bool = False
    local_accounts: bool = True
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_scopes: str = "openid email profile"
    oidc_role_claim: str = "groups"
    oidc_role_map: str | None = None
    oidc_provider_name: str = "your council account"
    # `ehc serve --behind-proxy` trusts forwarded headers from these addresses only.
    forwarded_allow_ips: str = "127.0.0.1"
    # Where notifications (which name case references) may be sent: the council's domains.
    notify_domains: str | None = None
    # The privacy notice's details only the council can give (docs/operations.md).
    council_dpo_email: str | None = None
    council_retention: str | None = None  # how long case records are kept, in words
    council_privacy_url: str | None = None  # the council's own full privacy notice
    # Retention (issue 23, docs/operations.md): a closed case's personal data is due for
    # erasure this many years after the young person's 25th birthday and after the case
    # closed (the later of the two that are set); neither set: nothing is ever due.
    retention_years_after_25th_birthday: int | None = Field(default=None, ge=0, le=100)
    retention_years_after_closed: int | None = Field(default=None, ge=0, le=100)
    log_format: str = "json"  # json (one object a line, for log platforms) or text
    # /ready: a scheduler heartbeat older than this, or a daily sweep older than that, is
    # not ready (docs/operations.md); the active scheduler beats every heartbeat_seconds.
    scheduler_heartbeat_seconds: float = Field(default=60.0, gt=0, le=3600)
    ready_heartbeat_max_seconds: float = Field(default=300.0, gt=0)
    ready_sweep_max_hours: float = Field(default=26.0, gt=0)

    @field_validator("sweep_at", mode="before")
    @classmethod
    def _time(cls, value: object) -> object:
        try:
            return time.fromisoformat(str(value)) if isinstance(value, str) else value
        except ValueError:
            raise ValueError(f"enter a time such as 06:00 (got {value!r})") from None

    @field_validator("scheduler_standby_poll_seconds", mode="before")
    @classmethod
    def _seconds(cls, value: object) -> object:
        try:
            seconds = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            seconds = -1.0
        if not 0 < seconds <= 60:
            raise ValueError(f"enter a number of seconds, 1-60 (got {value!r})")
        return seconds

    @field_validator("twenty_week_days")
    @classmethod
    def _days(cls, value: int) -> int:
        if value not in (139, 140):
            raise ValueError("enter 140 (reg 13(2)) or 139")
        return value

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        if value not in FORMATS:
            raise ValueError("enter json or text")
        return value

    @field_validator("phase_transfer_rule")
    @classmethod
    def _rule(cls, value: str) -> str:
        if value not in ("before", "by"):
            raise ValueError("enter before or by")
        return value

    def clock_settings(
        self, twenty_week_days: int | None = None, phase_transfer_rule: str | None = None
    ) -> Settings:
        """The clock's settings: command-line overrides, else these."""
        try:
            return Settings(
                twenty_week_days=twenty_week_days or self.twenty_week_days,
                phase_transfer_rule=phase_transfer_rule or self.phase_transfer_rule,
            )
        except ValueError as e:
            raise InvalidInput(f"Settings: {e}") from None

    @cached_property
    def working_days(self) -> WorkingDays:
        """England's bank holidays, with the local list of one-off holidays."""
        if self.extra_holidays is None:
            return WorkingDays()
        try:
            return WorkingDays(read_extra_holidays(self.extra_holidays))
        except (OSError, ValueError) as e:
            raise InvalidInput(f"EHC_EXTRA_HOLIDAYS: {e}") from None

    @property
    def smtp(self) -> Smtp | None:
        if not self.smtp_host:
            return None
        password = self.smtp_password.get_secret_value() if self.smtp_password else None
        return Smtp(self.smtp_host, self.smtp_port, self.smtp_user, password, self.smtp_from)


def unmade_default_database(config: Config) -> Path | None:
    """The default SQLite file, when no database is configured (EHC_DATABASE_URL unset,
    here and in .env) and that file does not exist: opening it would leave an empty
    `ehc.db` in whatever directory the command was run from."""
    if "database_url" in config.model_fields_set:
        return None
    path = Path(DEFAULT_DATABASE_URL.removeprefix("sqlite:///")).resolve()
    return None if path.exists() else path


def load_config() -> Config:
    """Read the configuration; a bad value is one plain line naming its variable."""
    try:
        return Config()
    except ValidationError as e:
        first = e.errors()[0]
        name = "EHC_" + "_".join(str(part) for part in first["loc"]).upper()
        raise InvalidInput(f"{name}: {_in_words(first)}", field=name) from None


# pydantic's refusals of a value, in the words the rest of the engine uses.
_WORDS = {
    "int_parsing": "enter a whole number",
    "float_parsing": "enter a number",
    "bool_parsing": "enter 1 (yes) or 0 (no)",
    "greater_than_equal": "enter a number of at least {ge}",
    "less_than_equal": "enter a number of at most {le}",
}


def _in_words(error: Any) -> str:
    context = error.get("ctx", {})
    if error["type"] == "value_error" and "error" in context:
        return str(context["error"])  # our own validators' words
    words = _WORDS.get(error["type"])
    if words is None:
        return str(error["msg"])
    return f"{words.format(**context)} (got {error['input']!r})"
