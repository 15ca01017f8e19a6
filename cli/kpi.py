"""`ehc kpi`: the timeliness scorecard, and the DfE 20-week check (spec kpis.md).

Figures of a month the monthly job has published are compared with the publication: one
that has changed since carries its published value and the corrections behind it (JSON
`revised`/`revision`, the CSV's columns after `national`, the XLSX's "Revised figures").

ehc kpi [--from 2024-01 --to 2024-12] [--format json|csv|xlsx|html] [--output FILE]
        [--team T] [--officer O]             # default: the last 12 complete months
ehc kpi --calendar-year 2024                 # the scorecard for Jan to Dec 2024
ehc kpi --calendar-year 2024 --dfe-method [--as-of YYYY-MM-DD] [--format json|csv]
ehc kpi --dfe-method [--from ... --to ...]   # the scorecard, disputed cases in the plan figures
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import typer

from cli.common import fail, parse_day, today, user_errors
from cli.context import config, session_scope
from scheduler.scorecard.compute import compute_scorecard
from scheduler.scorecard.dfe import dfe_year
from scheduler.scorecard.formats import FORMATS, dfe_to_csv, dfe_to_json, render
from scheduler.scorecard.months import Month, check_scorecard_period, scorecard_months
from scheduler.scorecard.publications import attach_revisions


def _write(data: bytes, output: Path | None, binary: bool) -> None:
    if output is not None:
        try:
            output.write_bytes(data)
        except OSError as e:
            fail(f"Cannot write {output}: {e.strerror}")
        typer.echo(f"Wrote {output}", err=True)
        return
    if binary and sys.stdout.isatty():
        fail("Enter --output FILE for --format xlsx (it is not text)")
    sys.stdout.buffer.write(data)
    sys.stdout.flush()


def kpi(
    from_month: str | None = typer.Option(
        None, "--from", help="First month, YYYY-MM [default: the first of the 12 months up to --to]"
    ),
    to_month: str | None = typer.Option(
        None,
        "--to",
        help="Last month, YYYY-MM [default: --from, or without either the last complete month]",
    ),
    calendar_year: int | None = typer.Option(
        None, "--calendar-year", help="A calendar year: January to December"
    ),
    dfe: bool = typer.Option(
        False,
        "--dfe-method",
        "--dfe",
        help="The DfE SEN2 method: disputed cases included in the 20-week figures; "
        "with --calendar-year, the year's check",
    ),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help="With --dfe-method --calendar-year: read as of this day (default 31 December)",
    ),
    fmt: str = typer.Option("json", "--format", help="json, csv, xlsx or html"),
    output: Path | None = typer.Option(None, "--output", help="File to write (default stdout)"),
    team: str | None = typer.Option(None, "--team", help="Only cases of this team"),
    officer: str | None = typer.Option(None, "--officer", help="Only cases of this case officer"),
) -> None:
    """The SEND improvement plan's timeliness KPIs, month by month (or the DfE check)."""
    cfg = config()
    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)} (got {fmt!r})")
    now = today()
    with user_errors():
        settings = cfg.clock_settings()
    if dfe and calendar_year is not None:
        if from_month or to_month:
            fail("--dfe-method --calendar-year takes no --from or --to")
        if fmt not in ("json", "csv"):
            fail(
                "The DfE check for a calendar year is written as json or csv: "
                "enter --format json or --format csv"
            )
        day = parse_day(as_of, "--as-of") or date(calendar_year, 12, 31)
        if day > now:
            fail(
                f"The figures are as of {day.isoformat()}, which has not passed yet: "
                "enter an --as-of day up to today, or an earlier year"
            )
        with user_errors(), session_scope(cfg) as session:
            year = dfe_year(
                session,
                year=calendar_year,
                settings=settings,
                as_of=day,
                team=team,
                officer=officer,
            )
        text = dfe_to_json(year) if fmt == "json" else dfe_to_csv(year)
        _write(text.encode(), output, binary=False)
        return
    if as_of is not None:
        fail(
            "--as-of goes with --dfe-method --calendar-year; a scorecard month is always "
            "read as of its last day"
        )
    if calendar_year is not None:
        if from_month or to_month:
            fail("Enter either --calendar-year or --from and --to, not both")
        first, last = Month(calendar_year, 1), Month(calendar_year, 12)
        with user_errors():
            check_scorecard_period(first, last, now)
    else:
        with user_errors():
            if from_month is None:
                # The scorecard page's default: the 12 months up to --to, or up to the
                # last month that has ended.
                end = Month.of(now).previous()
                if to_month:
                    end = scorecard_months(to_month, None, now, ("--to", "--to"))[1]
                from_month, to_month = str(Month(end.year - 1, end.month).next()), str(end)
            first, last = scorecard_months(from_month, to_month, now)
    with user_errors(), session_scope(cfg) as session:
        card = compute_scorecard(
            session,
            first=first,
            last=last,
            settings=settings,
            team=team,
            officer=officer,
            dfe_method=dfe,
        )
        # A published month's figure changed since is shown revised, with both values.
        attach_revisions(session, card, working_days=cfg.working_days)
    _write(render(card, fmt), output, binary=fmt == "xlsx")
