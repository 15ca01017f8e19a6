"""The configuration: every EHC_* setting, typed, read once, with plain refusals."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from workflow.config import Config, load_config
from workflow.errors import InvalidInput

EHC_VARIABLES = [name.upper() for name in Config.model_fields]


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No EHC_* variable set, and a working directory with no `.env` file."""
    for name in EHC_VARIABLES:
        monkeypatch.delenv(f"EHC_{name}", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_law_and_the_examples_by_default() -> None:
    config = load_config()
    assert config.database_url == "sqlite:///./ehc.db"
    settings = config.clock_settings()
    assert (settings.twenty_week_days, settings.phase_transfer_rule) == (140, "before")
    assert config.sweep_at == time(6, 0) and config.scheduler_standby_poll_seconds == 15
    assert config.smtp is None and config.exports_dir == Path("exports")


def test_variables_then_a_dotenv_file(monkeypatch: pytest.MonkeyPatch, clean: Path) -> None:
    (clean / ".env").write_text("EHC_TWENTY_WEEK_DAYS=139\nEHC_SMTP_HOST=mail.example\n")
    monkeypatch.setenv("EHC_SMTP_HOST", "smtp.la.example")
    monkeypatch.setenv("EHC_SMTP_PASSWORD", "not-in-logs")
    monkeypatch.setenv("EHC_SWEEP_AT", "07:30")
    monkeypatch.setenv("EHC_EXPORTS_DIR", "")  # empty counts as unset
    config = load_config()
    assert config.twenty_week_days == 139  # from .env
    assert config.smtp is not None and config.smtp.host == "smtp.la.example"  # the variable wins
    assert config.smtp.password == "not-in-logs"
    assert "not-in-logs" not in repr(config)
    assert config.sweep_at == time(7, 30) and config.exports_dir == Path("exports")


def test_command_line_overrides_win() -> None:
    settings = load_config().clock_settings(twenty_week_days=139, phase_transfer_rule="by")
    assert (settings.twenty_week_days, settings.phase_transfer_rule) == (139, "by")


def test_extra_holidays_are_working_days_off(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean / "holidays.txt").write_text("2026-09-08  # a state occasion\n")
    monkeypatch.setenv("EHC_EXTRA_HOLIDAYS", str(clean / "holidays.txt"))
    assert not load_config().working_days.is_working_day(date(2026, 9, 8))
    (clean / "holidays.txt").write_text("8 September\n")
    with pytest.raises(InvalidInput, match="EHC_EXTRA_HOLIDAYS: .* line 1"):
        _ = load_config().working_days


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("EHC_TWENTY_WEEK_DAYS", "141", "EHC_TWENTY_WEEK_DAYS: enter 140 (reg 13(2)) or 139"),
        (
            "EHC_TWENTY_WEEK_DAYS",
            "twenty",
            "EHC_TWENTY_WEEK_DAYS: enter a whole number (got 'twenty')",
        ),
        ("EHC_PHASE_TRANSFER_RULE", "after", "EHC_PHASE_TRANSFER_RULE: enter before or by"),
        ("EHC_SWEEP_AT", "6am", "EHC_SWEEP_AT: enter a time such as 06:00 (got '6am')"),
        ("EHC_SCHEDULER_STANDBY_POLL_SECONDS", "0", "enter a number of seconds, 1-60"),
        ("EHC_SCHEDULER_STANDBY_POLL_SECONDS", "61", "enter a number of seconds, 1-60"),
        ("EHC_SCHEDULER_STANDBY_POLL_SECONDS", "soon", "enter a number of seconds, 1-60"),
        ("EHC_SMTP_PORT", "smtp", "EHC_SMTP_PORT: enter a whole number (got 'smtp')"),
        ("EHC_SMTP_PORT", "0", "EHC_SMTP_PORT: enter a number of at least 1 (got '0')"),
        ("EHC_SECURE_COOKIES", "perhaps", "EHC_SECURE_COOKIES: enter 1 (yes) or 0 (no)"),
    ],
)
def test_a_bad_setting_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(InvalidInput) as caught:
        load_config()
    assert message in str(caught.value)
    assert str(caught.value).startswith(variable)
