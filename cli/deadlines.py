"""`ehc deadlines`: a case's deadlines and windows from a file, without a database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from cli.common import fail, parse_day, today
from cli.context import config
from workflow.errors import WorkflowError
from workflow.law.deadlines import evaluate
from workflow.law.events import Event, parse_event


def read_case_file(path: Path) -> tuple[str, list[Event]]:
    """Read `{"case": REF, "events": [...]}`; raise WorkflowError naming the bad event."""
    try:
        doc: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        fail(f"Cannot read {path}: {e.strerror}")
    except json.JSONDecodeError as e:
        fail(f"{path} is not valid JSON: {e.msg} at line {e.lineno}")
    if not isinstance(doc, dict) or not isinstance(doc.get("events"), list):
        fail(f'{path} must hold an object with a list of events under "events"')
    case_ref = str(doc.get("case") or path.stem)
    if doc.get("date_of_birth") is not None:
        parse_day(str(doc["date_of_birth"]), "date_of_birth")
    events = [parse_event(raw, index=i) for i, raw in enumerate(doc["events"])]
    return case_ref, events


def deadlines(
    events: Path = typer.Option(..., "--events", help="Case file: {case, events: [...]}"),
    as_of: str | None = typer.Option(None, "--as-of", help="YYYY-MM-DD; default today"),
    twenty_week_days: int | None = typer.Option(
        None, "--twenty-week-days", help="140 (default) or 139"
    ),
    phase_transfer_rule: str | None = typer.Option(
        None, "--phase-transfer-rule", help="before (default) or by"
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (spec section 7)"),
) -> None:
    """Compute a case's statutory deadlines and windows from its events."""
    cfg = config()
    day = parse_day(as_of, "--as-of") or today()
    try:
        settings = cfg.clock_settings(twenty_week_days, phase_transfer_rule)
        case_ref, parsed = read_case_file(events)
        result = evaluate(case_ref, parsed, day, settings, cfg.working_days)
    except WorkflowError as e:
        where = e.event
        prefix = f"Event {where.index}: " if isinstance(where, Event) else ""
        fail(f"{prefix}{e}")
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=1))
        return
    typer.echo(f"Case {result.case} as of {result.as_of.isoformat()}: {result.state}")
    for d in result.deadlines:
        what = d.kind + (f" ({d.advice})" if d.advice else "") + (f" [{d.ref}]" if d.ref else "")
        late = f", {d.days_late} days late" if d.days_late is not None else ""
        exc = f", exception {d.exception}" if d.exception else ""
        typer.echo(f"  {d.due.isoformat()}  {what:40} {d.status}{late}{exc}")
    for w in result.windows:
        typer.echo(f"  window {w.kind}: {w.opens.isoformat()} to {w.closes.isoformat()}")
    for warning in result.warnings:
        typer.echo(f"  Warning: {warning}")
