"""`ehc kpi` without --from and --to: the last 12 complete months, in every format,
as the scorecard page shows by default (issue 19, item 7)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

import cli.kpi
from cli.app import app

TODAY = date(2026, 11, 20)
MONTHS = [f"2025-{m:02d}" for m in (11, 12)] + [f"2026-{m:02d}" for m in range(1, 11)]


@pytest.fixture
def ehc(db_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("EHC_DATABASE_URL", db_url)
    monkeypatch.setattr(cli.kpi, "today", lambda: TODAY)
    return CliRunner()


def test_json_and_csv_default_to_the_last_12_complete_months(ehc: CliRunner) -> None:
    result = ehc.invoke(app, ["kpi"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["from"], doc["to"]) == ("2025-11", "2026-10")
    result = ehc.invoke(app, ["kpi", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert sorted({r["month"] for r in rows}) == MONTHS


def test_html_and_xlsx_default_to_the_same_months(ehc: CliRunner, tmp_path: Path) -> None:
    result = ehc.invoke(app, ["kpi", "--format", "html"])
    assert result.exit_code == 0, result.output
    assert "Nov-25 to Oct-26" in result.stdout
    assert result.stdout.count('<th scope="col">') >= 12
    out = tmp_path / "card.xlsx"
    result = ehc.invoke(app, ["kpi", "--format", "xlsx", "--output", str(out)])
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out).worksheets[0]
    [title] = next(sheet.iter_rows(max_row=1, max_col=1, values_only=True))
    assert str(title).endswith("Nov-25 to Oct-26"), title


def test_to_alone_gives_the_12_months_up_to_it(ehc: CliRunner) -> None:
    result = ehc.invoke(app, ["kpi", "--to", "2026-03"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["from"], doc["to"]) == ("2025-04", "2026-03")


def test_from_alone_is_still_one_month(ehc: CliRunner) -> None:
    doc = json.loads(ehc.invoke(app, ["kpi", "--from", "2026-02"]).stdout)
    assert (doc["from"], doc["to"]) == ("2026-02", "2026-02")
