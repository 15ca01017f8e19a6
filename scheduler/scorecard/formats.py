"""The scorecard written out: JSON, CSV, XLSX and HTML (spec kpis.md, "Scorecard layout").

Every writer is a pure function of a `Scorecard` and deterministic: the same
figures give the same bytes, so the monthly export can be re-run safely. Only
counts and rates appear: no case reference, name or date of birth.

- JSON: the machine format of the spec.
- CSV: one row per indicator x month, `indicator,month,value,numerator,denominator,target,national`.
- XLSX: a "Scorecard" sheet laid out like the improvement plan's KPI tables (one row
  per indicator, one column per month, then target and national, then what it means),
  then one sheet per indicator with its monthly rows, and the open assessments by age.
- HTML: a page that reads on its own, with a trend chart (inline SVG, no JavaScript)
  per indicator against its target, and each indicator's definition beside it.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from scheduler.scorecard.compute import Scorecard
from scheduler.scorecard.dfe import DfeYear
from scheduler.scorecard.figures import Figure
from scheduler.scorecard.indicators import AGE_BAND_LABELS, INDICATORS, Indicator
from scheduler.scorecard.months import Month
from scheduler.scorecard.publications import Revision
from scheduler.spreadsheet import spreadsheet_safe

FORMATS = ("json", "csv", "xlsx", "html")
CSV_COLUMNS = ("indicator", "month", "value", "numerator", "denominator", "target", "national")
# After the first seven (kept as they were for consumers): a published month's figure as
# published, whether it has been revised since, and the corrections that caused it.
CSV_PUBLISHED_COLUMNS = (
    "published_value",
    "published_numerator",
    "published_denominator",
    "published_at",
    "revised",
    "corrections",
)
NO_FIGURE = "–"  # shown for a month whose cohort is empty
DIRECTION = {"up": "Higher is better ↑", "down": "Lower is better ↓"}


def render(card: Scorecard, fmt: str) -> bytes:
    """The scorecard in one of FORMATS, as bytes (UTF-8 for the text formats)."""
    if fmt == "json":
        return to_json(card).encode()
    if fmt == "csv":
        return to_csv(card).encode()
    if fmt == "xlsx":
        return to_xlsx(card)
    if fmt == "html":
        return to_html(card).encode()
    raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")


# -- text helpers ----------------------------------------------------------------------


def plain(value: Decimal | int | None) -> str:
    """A figure as the CSV writes it: 67.1, 110, or empty for none."""
    return "" if value is None else str(value)


def shown(indicator: Indicator, value: Decimal | int | None) -> str:
    """A figure as a person reads it: 67.1%, 110, 18.3, or – for none."""
    if value is None:
        return NO_FIGURE
    return f"{value}%" if indicator.unit == "percent" else str(value)


def explained(indicator: Indicator, f: Figure) -> str:
    """A month's figure with its working: '67.1% (55 of 82)'."""
    if f.value is None:
        return "no cases"
    if f.numerator is not None and f.denominator is not None:
        return f"{shown(indicator, f.value)} ({f.numerator} of {f.denominator})"
    unit = " weeks" if indicator.unit == "weeks" else ""
    return f"{shown(indicator, f.value)}{unit}"


def period(card: Scorecard) -> str:
    first, last = card.first.label(), card.last.label()
    return first if first == last else f"{first} to {last}"


def filters(card: Scorecard) -> str:
    parts = []
    if card.team:
        parts.append(f"team {card.team}")
    if card.officer:
        parts.append(f"case officer {card.officer}")
    return ", ".join(parts) if parts else "all teams and case officers"


# -- JSON and CSV ------------------------------------------------------------------------


def to_json(card: Scorecard) -> str:
    return json.dumps(card.to_json(), indent=1, ensure_ascii=False) + "\n"


def _safe_row(cells: tuple[object, ...]) -> list[str]:
    # Counts and labels of our own today, but every export goes through the one check.
    return [spreadsheet_safe(str(c)) for c in cells]


def to_csv(card: Scorecard) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_safe_row(CSV_COLUMNS + CSV_PUBLISHED_COLUMNS))
    for indicator in INDICATORS:
        for f in card.figures[indicator.id]:
            writer.writerow(
                _safe_row(
                    (
                        indicator.id,
                        f.month,
                        plain(f.value),
                        plain(f.numerator),
                        plain(f.denominator),
                        plain(indicator.target),
                        plain(indicator.national),
                        *_published_cells(card, indicator.id, f),
                    )
                )
            )
    return out.getvalue()


def _published_cells(card: Scorecard, indicator: str, f: Figure) -> tuple[str, ...]:
    """The CSV's published columns: empty for a month not published."""
    published_at = card.published.get(f.month)
    if published_at is None:
        return ("",) * len(CSV_PUBLISHED_COLUMNS)
    revision = card.revisions.get((indicator, f.month))
    was = revision.published if revision else f
    return (
        plain(was.value),
        plain(was.numerator),
        plain(was.denominator),
        published_at.isoformat(),
        "yes" if revision else "no",
        revision_note(revision) if revision else "",
    )


def revision_note(revision: Revision) -> str:
    """The corrections behind a revision, one per line (or why there are none)."""
    if not revision.corrections:
        return revision.explanation()
    return "\n".join(c.summary() for c in revision.corrections)


def dfe_to_json(year: DfeYear) -> str:
    return json.dumps(year.to_json(), indent=1) + "\n"


def dfe_to_csv(year: DfeYear) -> str:
    """The DfE check as `measure,value,numerator,denominator` rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_safe_row(("measure", "value", "numerator", "denominator")))
    writer.writerow(_safe_row(("plans_issued", year.plans_issued, "", "")))
    writer.writerow(_safe_row(("disputed_included", year.disputed_included, "", "")))
    for name, f in (
        ("within_20_weeks_incl_exceptions", year.incl_exceptions),
        ("within_20_weeks_excl_exceptions", year.excl_exceptions),
    ):
        writer.writerow(_safe_row((name, plain(f.value), plain(f.numerator), plain(f.denominator))))
    writer.writerow(_safe_row(("exceptions_left_out", year.exceptions_left_out, "", "")))
    writer.writerow(_safe_row(("average_weeks_to_issue", plain(year.average_weeks), "", "")))
    return out.getvalue()


# -- XLSX --------------------------------------------------------------------------------

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
HEADER_FILL = PatternFill("solid", fgColor="DDDDDD")
REVISED_FILL = PatternFill("solid", fgColor="FFF2CC")
WRAP = Alignment(wrap_text=True, vertical="top")
NUMBER_FORMAT = {"percent": '0.0"%"', "count": "0", "weeks": "0.0"}
FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def _cell_value(value: Decimal | int | None) -> float | int | None:
    if value is None or isinstance(value, int):
        return value
    return int(value) if value.as_tuple().exponent == 0 else float(value)


def to_xlsx(card: Scorecard) -> bytes:
    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.title = "Scorecard"
    months = card.months
    sheet["A1"] = f"SEND timeliness scorecard (Pathway KPIs), {period(card)}"
    sheet["A1"].font = TITLE
    sheet["A2"] = (
        f"Figures as of each month's last day, {filters(card)}. 20 weeks = "
        f"{card.settings.twenty_week_days} days. {NO_FIGURE} means no cases that month."
    )
    header = [
        "Key Performance Indicator",
        "Required direction of travel",
        *(m.label() for m in months),
        "Target",
        "National",
        "What it means",
    ]
    for col, text in enumerate(header, start=1):
        cell = sheet.cell(row=4, column=col, value=text)
        cell.font, cell.fill, cell.alignment = BOLD, HEADER_FILL, WRAP
    for row, indicator in enumerate(INDICATORS, start=5):
        sheet.cell(row=row, column=1, value=indicator.name).alignment = WRAP
        sheet.cell(row=row, column=2, value=DIRECTION[indicator.direction])
        for col, f in enumerate(card.figures[indicator.id], start=3):
            _figure_cell(sheet, row, col, indicator, f.value)
            revision = card.revisions.get((indicator.id, f.month))
            if revision is not None:
                cell = sheet.cell(row=row, column=col)
                cell.fill = REVISED_FILL
                cell.comment = Comment(
                    f"Revised: published {shown(indicator, revision.published.value)}, "
                    f"now {shown(indicator, f.value)}. See the 'Revised figures' sheet.",
                    "EHC engine",
                )
        col = 3 + len(months)
        _figure_cell(sheet, row, col, indicator, indicator.target, none="n/a")
        _figure_cell(sheet, row, col + 1, indicator, indicator.national, none="n/a")
        sheet.cell(row=row, column=col + 2, value=indicator.definition).alignment = WRAP
    sheet.column_dimensions["A"].width = 48
    sheet.column_dimensions["B"].width = 18
    for col in range(3, 5 + len(months)):
        sheet.column_dimensions[get_column_letter(col)].width = 10
    sheet.column_dimensions[get_column_letter(5 + len(months))].width = 80
    sheet.freeze_panes = "C5"
    notes = 6 + len(INDICATORS)
    sheet.cell(row=notes, column=1, value="National figures: DfE, England.")
    for i, indicator in enumerate((i for i in INDICATORS if i.national_note), start=1):
        sheet.cell(
            row=notes + i,
            column=1,
            value=f"{indicator.name}: national {indicator.national}% is for "
            f"{indicator.national_note}.",
        )

    if card.revisions:
        sheet["A3"] = (
            f"{len(card.revisions)} published figure(s) revised since publication "
            "(shaded): see the 'Revised figures' sheet."
        )
        sheet["A3"].font = BOLD
    for indicator in INDICATORS:
        _indicator_sheet(wb, card, indicator)
    _bands_sheet(wb, card)
    _revisions_sheet(wb, card)
    _neutralise(wb)
    return _deterministic(wb, card.last)


def _neutralise(wb: Workbook) -> None:
    """No text cell is a formula: openpyxl stores any string starting with = as one, and
    Excel runs the others on editing, so every text cell goes through `spreadsheet_safe`
    (the workbook holds labels and counts only, but it is checked anyway)."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.value = spreadsheet_safe(cell.value)


def _figure_cell(
    sheet: Any,
    row: int,
    col: int,
    indicator: Indicator,
    value: Decimal | int | None,
    none: str = NO_FIGURE,
) -> None:
    cell = sheet.cell(row=row, column=col, value=_cell_value(value) if value is not None else none)
    if value is not None:
        cell.number_format = NUMBER_FORMAT[indicator.unit]
    cell.alignment = Alignment(horizontal="right")


def _indicator_sheet(wb: Workbook, card: Scorecard, indicator: Indicator) -> None:
    ws = wb.create_sheet(indicator.sheet)
    ws["A1"] = indicator.name
    ws["A1"].font = TITLE
    ws["A2"] = indicator.definition
    ws["A2"].alignment = WRAP
    ws.merge_cells("A2:F2")
    ws.row_dimensions[2].height = 60
    ws["A3"] = f"Indicator id: {indicator.id}; {filters(card)}"
    header = (
        "Month",
        "Value",
        "Numerator",
        "Denominator",
        "Target",
        "National",
        "Published value",
        "Published numerator",
        "Published denominator",
        "Revised since published",
    )
    for col, text in enumerate(header, start=1):
        cell = ws.cell(row=5, column=col, value=text)
        cell.font, cell.fill = BOLD, HEADER_FILL
    for row, f in enumerate(card.figures[indicator.id], start=6):
        ws.cell(row=row, column=1, value=f.month)
        _figure_cell(ws, row, 2, indicator, f.value)
        ws.cell(row=row, column=3, value=f.numerator)
        ws.cell(row=row, column=4, value=f.denominator)
        _figure_cell(ws, row, 5, indicator, indicator.target, none="n/a")
        _figure_cell(ws, row, 6, indicator, indicator.national, none="n/a")
        if f.month in card.published:
            revision = card.revisions.get((indicator.id, f.month))
            was = revision.published if revision else f
            _figure_cell(ws, row, 7, indicator, was.value)
            ws.cell(row=row, column=8, value=was.numerator)
            ws.cell(row=row, column=9, value=was.denominator)
            ws.cell(row=row, column=10, value="Yes" if revision else "No")
    for letter in "ABCDEFGHIJ":
        ws.column_dimensions[letter].width = 16


def _revisions_sheet(wb: Workbook, card: Scorecard) -> None:
    """Every published figure revised since, with both values and the corrections."""
    if not card.published:
        return
    ws = wb.create_sheet("Revised figures")
    ws["A1"] = "Published figures revised since publication"
    ws["A1"].font = TITLE
    ws["A2"] = REVISIONS_DEFINITION
    ws["A2"].alignment = WRAP
    ws.merge_cells("A2:H2")
    ws.row_dimensions[2].height = 45
    header = (
        "Indicator",
        "Month",
        "Published",
        "Published on",
        "Now",
        "Published working",
        "Working now",
        "Corrections that caused it",
    )
    for col, text in enumerate(header, start=1):
        cell = ws.cell(row=4, column=col, value=text)
        cell.font, cell.fill = BOLD, HEADER_FILL
    if not card.revisions:
        ws.cell(row=5, column=1, value="None: every published figure stands as published.")
    by_id = {i.id: i for i in INDICATORS}
    for row, revision in enumerate(_ordered(card), start=5):
        indicator = by_id[revision.indicator]
        ws.cell(row=row, column=1, value=indicator.name).alignment = WRAP
        ws.cell(row=row, column=2, value=revision.month)
        _figure_cell(ws, row, 3, indicator, revision.published.value)
        ws.cell(row=row, column=4, value=f"{revision.published_at:%Y-%m-%d %H:%M} UTC")
        _figure_cell(ws, row, 5, indicator, revision.current.value)
        ws.cell(row=row, column=6, value=explained(indicator, revision.published))
        ws.cell(row=row, column=7, value=explained(indicator, revision.current))
        ws.cell(row=row, column=8, value=revision_note(revision)).alignment = WRAP
    widths = {"A": 48, "B": 10, "C": 12, "D": 20, "E": 12, "F": 20, "G": 20, "H": 90}
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width


def _ordered(card: Scorecard) -> list[Revision]:
    order = {i.id: n for n, i in enumerate(INDICATORS)}
    return sorted(card.revisions.values(), key=lambda r: (order[r.indicator], r.month))


REVISIONS_DEFINITION = (
    "A month's figures are stored when the monthly export publishes them and never change. "
    "If a later correction to a case changes a published figure, it is shown here with both "
    "values and the corrections recorded after publication on the cases it counts."
)


def _bands_sheet(wb: Workbook, card: Scorecard) -> None:
    ws = wb.create_sheet("Open assessments by age")
    ws["A1"] = "Open needs assessments by weeks since the request"
    ws["A1"].font = TITLE
    ws["A2"] = BANDS_DEFINITION
    ws["A2"].alignment = WRAP
    ws.merge_cells("A2:H2")
    ws.row_dimensions[2].height = 45
    ws.cell(row=4, column=1, value="Month").font = BOLD
    for col, label in enumerate(AGE_BAND_LABELS, start=2):
        ws.cell(row=4, column=2 * col - 2, value=f"{label} weeks").font = BOLD
        ws.cell(row=4, column=2 * col - 1, value=f"{label} of which disputed").font = BOLD
    for row, mb in enumerate(card.age_bands, start=5):
        ws.cell(row=row, column=1, value=mb.month)
        for col, b in enumerate(mb.bands, start=2):
            ws.cell(row=row, column=2 * col - 2, value=b.cases)
            ws.cell(row=row, column=2 * col - 1, value=b.disputed)


BANDS_DEFINITION = (
    "On each month's last day, the requests still waiting for a decision, being assessed or "
    "at draft plan stage, by how many whole weeks have passed since the request (0-6 means "
    "at least 0 and under 6 weeks). Cases in mediation, appeal or under a Tribunal order are "
    "counted too, and shown separately as disputed."
)


def _deterministic(wb: Workbook, last: Month) -> bytes:
    """Save with fixed timestamps, so the same figures always give the same file."""
    stamp = datetime(last.last.year, last.last.month, last.last.day)
    wb.properties.creator = "EHC engine"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()  # unlike save_workbook, leaves `modified` alone
    fixed = io.BytesIO()
    with (
        zipfile.ZipFile(raw) as source,
        zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(item.filename))
    return fixed.getvalue()


# -- HTML --------------------------------------------------------------------------------

CHART_WIDTH, CHART_HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 24, 20, 44


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class Chart:
    """Everything the template needs to draw one indicator's trend, in SVG units."""

    width: int
    height: int
    left: int
    right: float
    top: int
    bottom: float
    segments: list[list[Point]]  # runs of months with a figure, joined by a line
    points: list[Point]
    months: list[tuple[float, str]]  # x and label of every month
    ticks: list[Tick]
    target: Tick | None
    description: str

    @staticmethod
    def polyline(points: list[Point]) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in points)


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k at or above `value` (at least 1)."""
    if value <= 1:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return float(step * magnitude)
    return float(10 * magnitude)


def chart(indicator: Indicator, figures: list[Figure], months: list[Month]) -> Chart:
    values = [float(f.value) for f in figures if f.value is not None]
    target = float(indicator.target) if indicator.target is not None else None
    if indicator.unit == "percent":
        top_value = 100.0
    else:
        top_value = _nice_ceiling(max([*values, target or 0.0, 1.0]) * 1.1)
    plot_w = CHART_WIDTH - LEFT - RIGHT
    plot_h = CHART_HEIGHT - TOP - BOTTOM
    step = plot_w / (len(months) - 1) if len(months) > 1 else 0.0

    def x_of(i: int) -> float:
        return LEFT + (i * step if len(months) > 1 else plot_w / 2)

    def y_of(v: float) -> float:
        return TOP + plot_h * (1 - v / top_value)

    segments: list[list[Point]] = []
    points: list[Point] = []
    current: list[Point] = []
    for i, (m, f) in enumerate(zip(months, figures, strict=True)):
        if f.value is None:
            if current:
                segments.append(current)
            current = []
            continue
        p = Point(x_of(i), y_of(float(f.value)), f"{m.label()}: {explained(indicator, f)}")
        points.append(p)
        current.append(p)
    if current:
        segments.append(current)
    ticks = [
        Tick(y_of(top_value * k / 4), _tick_label(top_value * k / 4, indicator)) for k in range(5)
    ]
    target_tick = (
        Tick(y_of(target), f"Target {shown(indicator, indicator.target)}")
        if target is not None
        else None
    )
    described = "; ".join(
        f"{m.label()} {shown(indicator, f.value)}" for m, f in zip(months, figures, strict=True)
    )
    return Chart(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        left=LEFT,
        right=CHART_WIDTH - RIGHT,
        top=TOP,
        bottom=CHART_HEIGHT - BOTTOM,
        segments=segments,
        points=points,
        # At most about 12 month labels, so they never overlap.
        months=[
            (x_of(i), m.label()) for i, m in enumerate(months) if i % (len(months) // 13 + 1) == 0
        ],
        ticks=ticks,
        target=target_tick,
        description=f"Monthly values: {described}."
        + (f" Target {shown(indicator, indicator.target)}." if target is not None else ""),
    )


def _tick_label(value: float, indicator: Indicator) -> str:
    text = f"{value:g}"
    return f"{text}%" if indicator.unit == "percent" else text


_ENV = Environment(
    loader=PackageLoader("scheduler", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def html_rows(card: Scorecard) -> list[dict[str, Any]]:
    """Per indicator, what a page shows: figures as people read them and the trend chart.

    Shared by the HTML report and the web app's scorecard page.
    """
    months = card.months
    return [
        {
            "indicator": indicator,
            "direction": DIRECTION[indicator.direction],
            "cells": [shown(indicator, f.value) for f in card.figures[indicator.id]],
            # Per month: the published value, for a figure revised since; else None.
            "revised": [_revised_cell(card, indicator, f) for f in card.figures[indicator.id]],
            "target": shown(indicator, indicator.target) if indicator.target is not None else "n/a",
            "national": (
                f"{shown(indicator, indicator.national)} ({indicator.national_note})"
                if indicator.national is not None
                else "n/a"
            ),
            "figures": [
                {
                    "month": m.label(),
                    "value": shown(indicator, f.value),
                    "numerator": plain(f.numerator),
                    "denominator": plain(f.denominator),
                }
                for m, f in zip(months, card.figures[indicator.id], strict=True)
            ],
            "chart": chart(indicator, card.figures[indicator.id], months),
        }
        for indicator in INDICATORS
    ]


def _revised_cell(card: Scorecard, indicator: Indicator, f: Figure) -> str | None:
    revision = card.revisions.get((indicator.id, f.month))
    return shown(indicator, revision.published.value) if revision else None


def html_revisions(card: Scorecard) -> list[dict[str, Any]]:
    """Every revised figure as a page lists it: both values and the corrections."""
    by_id = {i.id: i for i in INDICATORS}
    out = []
    for revision in _ordered(card):
        indicator = by_id[revision.indicator]
        out.append(
            {
                "indicator": indicator,
                "month": Month.parse(revision.month).label(),
                "published": explained(indicator, revision.published),
                "published_on": f"{revision.published_at:%-d %B %Y}",
                "current": explained(indicator, revision.current),
                "corrections": revision.corrections,
                "explanation": revision.explanation(),
            }
        )
    return out


def html_bands(card: Scorecard) -> list[dict[str, Any]]:
    """Per month, the open assessments in each age band, as people read them."""
    return [
        {
            "month": Month.parse(mb.month).label(),
            "cells": [
                f"{b.cases} ({b.disputed} disputed)" if b.disputed else str(b.cases)
                for b in mb.bands
            ],
        }
        for mb in card.age_bands
    ]


def to_html(card: Scorecard) -> str:
    months = card.months
    return _ENV.get_template("kpi_scorecard.html.j2").render(
        title=f"SEND timeliness scorecard, {period(card)}",
        period=period(card),
        filters=filters(card),
        settings=card.settings,
        months=[m.label() for m in months],
        rows=html_rows(card),
        band_labels=list(AGE_BAND_LABELS),
        bands=html_bands(card),
        bands_definition=BANDS_DEFINITION,
        no_figure=NO_FIGURE,
        revisions=html_revisions(card),
        published=bool(card.published),
    )
