"""The scorecard's exports: `ehc kpi` in every format, the DfE check and the monthly job.

A small generated cohort is imported with personal details that must never leak
(case references made to look like names, dates of birth); every export is then
read back: JSON against the computation, CSV's columns, XLSX through openpyxl,
HTML through a strict tag check with one well-formed SVG chart per indicator.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import openpyxl
import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from cli.app import app
from scheduler import jobs
from scheduler.scorecard.compute import Scorecard, compute_scorecard
from scheduler.scorecard.export import export_months, monthly_export
from scheduler.scorecard.formats import CSV_COLUMNS, CSV_PUBLISHED_COLUMNS, to_html
from scheduler.scorecard.indicators import INDICATORS
from scheduler.scorecard.months import Month
from tests.wiring import configured
from tests.workflow.factories import import_all
from workflow.demo import OFFICERS, generate
from workflow.law.deadlines import Settings

FIRST, LAST = Month(2025, 1), Month(2025, 12)
SECRET_REF = "SMITH-JANE"  # a case reference that looks like a name: must not appear
DOB = "2015-03-17"


@pytest.fixture
def loaded(session: Session, clock: Callable[[], datetime], db_url: str) -> str:
    lines = list(generate(120, end=date(2025, 12, 31), years=2.5, seed=11, prefix=SECRET_REF))
    for line in lines:
        line["date_of_birth"] = DOB
    import_all(session=session, lines=[json.dumps(x) for x in lines], clock=clock, actor="test")
    return db_url


def ehc(db_url: str, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    monkeypatch.setenv("EHC_DATABASE_URL", db_url)
    return CliRunner().invoke(app, ["kpi", *args])


def expected(session: Session, **filters: Any) -> Scorecard:
    return compute_scorecard(session, first=FIRST, last=LAST, settings=Settings(), **filters)


def assert_no_personal_data(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")
    assert SECRET_REF not in text and DOB not in text


# -- JSON ------------------------------------------------------------------------------


def test_json_is_the_default_and_matches_the_computation(
    loaded: str, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = ehc(loaded, monkeypatch, "--from", "2025-01", "--to", "2025-12")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["from"], doc["to"]) == ("2025-01", "2025-12")
    assert doc["settings"] == {
        "twenty_week_days": 140,
        "phase_transfer_rule": "before",
        "dfe_method": False,
    }
    assert [i["id"] for i in doc["indicators"]] == [i.id for i in INDICATORS]
    card = expected(session)
    for item in doc["indicators"]:
        assert item["unit"] in ("percent", "count", "weeks")
        want = [f.to_json() for f in card.figures[item["id"]]]
        assert item["months"] == want
        assert [m["month"] for m in item["months"]] == [str(m) for m in card.months]
    plans = next(i for i in doc["indicators"] if i["id"] == "plans_within_20_weeks_incl_exceptions")
    assert (plans["target"], plans["national"]) == (95, 47.7)
    assert_no_personal_data(result.stdout.encode())


def test_filters_by_team_and_officer(
    loaded: str, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = ehc(loaded, monkeypatch, "--calendar-year", "2025", "--team", "East")
    doc = json.loads(result.stdout)
    card = expected(session, team="East")
    assert doc["filters"] == {"team": "East", "officer": None}
    for item in doc["indicators"]:
        assert item["months"] == [f.to_json() for f in card.figures[item["id"]]]
    result = ehc(loaded, monkeypatch, "--from", "2025-06", "--officer", OFFICERS["East"][0])
    doc = json.loads(result.stdout)
    assert doc["filters"]["officer"] == OFFICERS["East"][0] and doc["to"] == "2025-06"


# -- CSV -------------------------------------------------------------------------------


def test_csv_has_the_spec_columns(
    loaded: str, session: Session, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = tmp_path / "kpi.csv"
    result = ehc(
        loaded, monkeypatch, "--calendar-year", "2025", "--format", "csv", "--output", str(out)
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    # The spec's seven columns first, unchanged; the published figure's after them.
    assert tuple(rows[0][:7]) == CSV_COLUMNS == (
        "indicator", "month", "value", "numerator", "denominator", "target", "national",
    )  # fmt: skip
    assert tuple(rows[0][7:]) == CSV_PUBLISHED_COLUMNS
    assert len(rows) == 1 + len(INDICATORS) * 12
    card = expected(session)
    by_key = {(r[0], r[1]): r for r in rows[1:]}
    for indicator in INDICATORS:
        for f in card.figures[indicator.id]:
            row = by_key[(indicator.id, f.month)]
            assert row[2] == ("" if f.value is None else str(f.value))
            assert row[3] == ("" if f.numerator is None else str(f.numerator))
            assert row[5] == ("" if indicator.target is None else str(indicator.target))
    assert_no_personal_data(out.read_bytes())


# -- XLSX ------------------------------------------------------------------------------


def test_xlsx_opens_and_holds_the_right_numbers(
    loaded: str, session: Session, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = tmp_path / "kpi.xlsx"
    result = ehc(
        loaded, monkeypatch, "--calendar-year", "2025", "--format", "xlsx", "--output", str(out)
    )
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Scorecard"
    assert len(wb.sheetnames) == 1 + len(INDICATORS) + 1  # and the ages of open assessments
    sheet = wb["Scorecard"]
    header = [c.value for c in sheet[4]]
    assert header[:3] == ["Key Performance Indicator", "Required direction of travel", "Jan-25"]
    assert header[2:14] == [m.label() for m in expected(session).months]
    assert header[14:17] == ["Target", "National", "What it means"]
    card = expected(session)
    for row, indicator in enumerate(INDICATORS, start=5):
        assert sheet.cell(row=row, column=1).value == indicator.name
        for col, f in enumerate(card.figures[indicator.id], start=3):
            value = sheet.cell(row=row, column=col).value
            assert value == ("–" if f.value is None else pytest.approx(float(f.value)))
        target = sheet.cell(row=row, column=15).value
        assert target == ("n/a" if indicator.target is None else float(indicator.target))
        assert sheet.cell(row=row, column=17).value == indicator.definition
        detail = wb[indicator.sheet]
        assert detail["A2"].value == indicator.definition
        rows = list(detail.iter_rows(min_row=6, values_only=True))
        assert [(r[0], r[2], r[3]) for r in rows] == [
            (f.month, f.numerator, f.denominator) for f in card.figures[indicator.id]
        ]
    with zipfile.ZipFile(out) as archive:
        for name in archive.namelist():
            assert_no_personal_data(archive.read(name))


def test_xlsx_without_output_is_refused_on_a_terminal_only(
    loaded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = ehc(loaded, monkeypatch, "--calendar-year", "2025", "--format", "xlsx")
    assert result.exit_code == 0  # not a terminal: the bytes go to stdout
    assert result.stdout_bytes[:2] == b"PK"


# -- HTML ------------------------------------------------------------------------------

VOID = {"meta", "link", "br", "hr", "img", "input", "col", "area", "base", "wbr", "source"}
SVG_EMPTY = {"line", "polyline", "circle", "rect", "path"}


class StrictTags(HTMLParser):
    """Every element closed, in order; SVG's self-closing shapes allowed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: list[str] = []
        self.counts: dict[str, int] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.counts[tag] = self.counts.get(tag, 0) + 1
        self.ids += [v for k, v in attrs if k == "id" and v]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.counts[tag] = self.counts.get(tag, 0) + 1
        if tag not in SVG_EMPTY and tag not in VOID:
            self.errors.append(f"self-closed <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()


def test_html_is_valid_with_one_chart_per_indicator(
    loaded: str, session: Session, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = tmp_path / "kpi.html"
    result = ehc(
        loaded, monkeypatch, "--calendar-year", "2025", "--format", "html", "--output", str(out)
    )
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    parser = StrictTags()
    parser.feed(page)
    parser.close()
    assert parser.errors == [] and parser.stack == []
    assert len(parser.ids) == len(set(parser.ids)), "ids must be unique"
    assert parser.counts["svg"] == len(INDICATORS)
    assert parser.counts.get("script", 0) == 0  # no JavaScript needed
    charts = re.findall(r"<svg\b.*?</svg>", page, flags=re.S)
    assert len(charts) == len(INDICATORS)
    card = expected(session)
    for svg, indicator in zip(charts, INDICATORS, strict=True):
        tree = ElementTree.fromstring(svg)  # well-formed XML
        title = tree.find("{http://www.w3.org/2000/svg}title")
        assert title is not None and title.text is not None and indicator.name in title.text
        # The target line is drawn wherever the indicator has a target.
        assert ("stroke-dasharray" in svg) == (indicator.target is not None)
        # One point per month with a figure.
        points = sum(1 for f in card.figures[indicator.id] if f.value is not None)
        assert svg.count("<circle") == points
        # The definition sits next to the indicator.
        section = page[page.index(f'<section id="{indicator.id}"') :]
        assert indicator.definition.replace("'", "&#39;") in section[: section.index("<svg")]
    assert_no_personal_data(out.read_bytes())


def test_html_escapes_what_it_is_given(session: Session) -> None:
    card = compute_scorecard(
        session, first=Month(2024, 1), last=Month(2024, 1), settings=Settings(), team="<b>&"
    )
    page = to_html(card)
    assert "<b>&" not in page and "&lt;b&gt;&amp;" in page
    assert page.count("<svg") == len(INDICATORS)  # empty months still draw their axes


# -- the DfE check and bad input -----------------------------------------------------------


def test_dfe_check(loaded: str, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    result = ehc(loaded, monkeypatch, "--calendar-year", "2025", "--dfe-method")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    card = expected(session, dfe_method=True)
    incl = card.figures["plans_within_20_weeks_incl_exceptions"]
    assert doc["within_20_weeks_incl_exceptions"]["denominator"] == sum(
        f.denominator or 0 for f in incl
    )
    assert doc["calendar_year"] == 2025 and doc["as_of"] == "2025-12-31"
    assert set(doc) >= {
        "plans_issued",
        "within_20_weeks_incl_exceptions",
        "within_20_weeks_excl_exceptions",
        "average_weeks_to_issue",
        "disputed_included",
        "exceptions_left_out",
    }
    # --dfe, the older name, still works.
    result = ehc(loaded, monkeypatch, "--calendar-year", "2025", "--dfe", "--format", "csv")
    assert result.stdout.splitlines()[0] == "measure,value,numerator,denominator"


def test_dfe_method_scorecard(
    loaded: str, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Month by month, the plan figures as the DfE counts them (disputed cases in; the
    crosscheck tests prove them equal to the year's SEN2 check)."""
    result = ehc(loaded, monkeypatch, "--from", str(FIRST), "--to", str(LAST), "--dfe-method")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["settings"]["dfe_method"] is True
    card = expected(session, dfe_method=True)
    for item in doc["indicators"]:
        assert item["months"] == [f.to_json() for f in card.figures[item["id"]]]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--from", "2025-1"], "--from must be a month in the form YYYY-MM"),
        (["--from", "2025-13"], "--from must be a month in the form YYYY-MM"),
        (["--from", "2025-05", "--to", "2025-04"], "must not be before --from"),
        (["--from", "2999-01"], "has not ended yet"),
        (["--to", "2025-13"], "--to must be a month in the form YYYY-MM"),
        (["--to", "2999-01"], "has not ended yet"),
        (["--from", "2025-01", "--format", "pdf"], "--format must be one of"),
        (["--calendar-year", "2025", "--dfe-method", "--format", "html"], "json or csv"),
        (
            ["--dfe-method", "--as-of", "2025-12-31"],
            "--as-of goes with --dfe-method --calendar-year",
        ),
        (["--calendar-year", "2999", "--dfe"], "has not passed yet"),
    ],
)
def test_bad_input_exits_2(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    result = ehc(sqlite_url, monkeypatch, *args)
    assert result.exit_code == 2 and message in result.output, result.output


# -- the monthly export job ------------------------------------------------------------


def test_monthly_export_writes_every_format_idempotently(loaded: str, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    config = configured(database_url=loaded, exports_dir=folder)
    paths = monthly_export(config=config, as_of=date(2026, 1, 5))
    assert [p.name for p in paths] == [
        f"kpi-scorecard-2025-12.{ext}" for ext in ("json", "csv", "xlsx", "html")
    ]
    first = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in paths}
    doc = json.loads(paths[0].read_text(encoding="utf-8"))
    assert (doc["from"], doc["to"]) == ("2025-01", "2025-12")
    again = monthly_export(config=config, as_of=date(2026, 1, 5))
    assert again == paths
    for p in paths:
        assert (p.read_bytes(), p.stat().st_mtime_ns) == first[p]  # same bytes, not rewritten
        assert_no_personal_data(p.read_bytes())
    assert sorted(f.name for f in folder.iterdir()) == sorted(p.name for p in paths)


def test_the_monthly_job_exports_where_configured(
    loaded: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EHC_DATABASE_URL", loaded)
    monkeypatch.setenv("EHC_EXPORTS_DIR", str(tmp_path / "out"))
    monkeypatch.setattr(jobs, "today_in_england", lambda _clock: date(2026, 2, 2))
    jobs.monthly_kpi_export()  # the scheduler's entry point reads the configuration
    paths = sorted((tmp_path / "out").iterdir())
    assert len(paths) == 4
    assert all(p.parent == tmp_path / "out" and "2026-01" in p.name for p in paths)


def test_export_months() -> None:
    assert export_months(date(2026, 1, 2)) == (Month(2025, 1), Month(2025, 12))
    assert export_months(date(2025, 3, 31)) == (Month(2024, 3), Month(2025, 2))


# -- formula injection (issue 17, item 6) ---------------------------------------------------


@pytest.fixture
def hostile_card(session: Session, monkeypatch: pytest.MonkeyPatch) -> Scorecard:
    """The scorecard holds only our own labels and counts today; should a label ever start
    like a formula, the CSV and XLSX must still write it as text (OWASP's leading quote)."""
    import dataclasses

    from scheduler.scorecard import formats

    card = compute_scorecard(
        session, first=Month(2025, 1), last=Month(2025, 2), settings=Settings()
    )
    first = INDICATORS[0]
    hostile = dataclasses.replace(
        first, id="=cmd|'/C calc'!A0", name='=HYPERLINK("http://x")', definition="@SUM(A1)"
    )
    monkeypatch.setattr(formats, "INDICATORS", (hostile, *INDICATORS[1:]))
    return dataclasses.replace(card, figures={**card.figures, hostile.id: card.figures[first.id]})


def test_no_scorecard_csv_cell_can_run_as_a_formula(hostile_card: Scorecard) -> None:
    from scheduler.scorecard import formats

    rows = list(csv.reader(io.StringIO(formats.to_csv(hostile_card))))
    assert {r[0] for r in rows[1:3]} == {"'=cmd|'/C calc'!A0"}
    assert not [c for r in rows for c in r if c[:1] in ("=", "+", "@", "\t", "\r")]


def test_no_scorecard_xlsx_cell_can_run_as_a_formula(hostile_card: Scorecard) -> None:
    from scheduler.scorecard import formats

    wb = openpyxl.load_workbook(io.BytesIO(formats.to_xlsx(hostile_card)))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # no formula at all
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert '\'=HYPERLINK("http://x")' in texts and "'@SUM(A1)" in texts
    assert not [t for t in texts if t[:1] in ("=", "+", "@", "\t", "\r")]
