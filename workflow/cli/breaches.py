"""`ehc breaches`: the breach queue, overdue work first (a table, JSON or CSV)."""

from __future__ import annotations

import csv
import io
import json

import typer

from scheduler.breaches import (
    DEFAULT_DUE_WITHIN_DAYS,
    FIELDS,
    Filters,
    QueueItem,
    breach_queue,
    queue_json,
)
from workflow.cli.common import fail, parse_day, today, user_errors
from workflow.cli.context import session_scope


def _what(item: QueueItem) -> str:
    return (
        item.kind
        + (f" ({item.advice})" if item.advice else "")
        + (f" [{item.ref}]" if item.ref else "")
    )


def render_table(items: list[QueueItem]) -> str:
    if not items:
        return "Nothing is overdue or due in the window.\n"
    header = (
        "Case", "Deadline", "Starts", "Due", "Status", "Days late", "Breach", "Exception",
        "Team", "Officer",
    )  # fmt: skip
    rows = [
        (
            i.case,
            _what(i),
            i.starts.isoformat(),
            i.due.isoformat(),
            i.status,
            "" if i.days_late is None else str(i.days_late),
            "BREACH" if i.breach else "",
            i.exception or "",
            i.team or "",
            i.officer or "",
        )
        for i in items
    ]
    widths = [max(len(r[n]) for r in [header, *rows]) for n in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *rows]
    ]
    overdue = sum(1 for i in items if i.status == "overdue")
    breaches = sum(1 for i in items if i.breach)
    lines.append(f"\n{overdue} overdue ({breaches} in breach), {len(items) - overdue} due soon")
    return "\n".join(lines) + "\n"


def render_csv(items: list[QueueItem]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for item in items:
        row = item.to_json()
        row["breach"] = "true" if item.breach else "false"
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()


def breaches(
    as_of: str | None = typer.Option(None, "--as-of", help="YYYY-MM-DD; default today"),
    team: str | None = typer.Option(None, "--team", help="Only this team's cases"),
    officer: str | None = typer.Option(None, "--officer", help="Only this officer's cases"),
    kind: str | None = typer.Option(None, "--kind", help="Only this deadline kind"),
    due_within: int = typer.Option(
        DEFAULT_DUE_WITHIN_DAYS, "--due-within", help="Also list deadlines due within DAYS"
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON"),
    as_csv: bool = typer.Option(False, "--csv", help="Print CSV"),
) -> None:
    """List overdue deadlines, most days late first, then those due soon."""
    if as_json and as_csv:
        fail("Select one of --json or --csv, not both")
    day = parse_day(as_of, "--as-of") or today()
    with user_errors():
        filters = Filters(team=team, officer=officer, kind=kind, due_within=due_within)
        with session_scope() as session:
            items = breach_queue(session=session, as_of=day, filters=filters)
    if as_json:
        typer.echo(json.dumps(queue_json(day, items), indent=1))
    elif as_csv:
        typer.echo(render_csv(items), nl=False)
    else:
        typer.echo(f"Breach queue as of {day.isoformat()}\n")
        typer.echo(render_table(items), nl=False)
