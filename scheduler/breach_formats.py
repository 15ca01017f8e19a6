"""The breach queue written out: a text table, CSV, and its counts.

Shared by `ehc breaches` and the web breach queue, so the CSV a manager
downloads is byte for byte the one the command prints for the same filters.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field

from scheduler.breaches import FIELDS, QueueItem
from scheduler.spreadsheet import spreadsheet_safe


@dataclass(frozen=True)
class TeamCounts:
    overdue: int = 0
    breaches: int = 0
    due_soon: int = 0


@dataclass(frozen=True)
class QueueCounts:
    overdue: int
    breaches: int  # overdue and in breach of a statutory time limit
    due_soon: int
    by_team: dict[str, TeamCounts] = field(default_factory=dict)  # "" for no team


def count(items: list[QueueItem]) -> QueueCounts:
    overdue: Counter[str] = Counter()
    breaches: Counter[str] = Counter()
    due_soon: Counter[str] = Counter()
    for i in items:
        team = i.team or ""
        if i.status == "overdue":
            overdue[team] += 1
            breaches[team] += i.breach
        else:
            due_soon[team] += 1
    teams = sorted(set(overdue) | set(due_soon))
    return QueueCounts(
        overdue=sum(overdue.values()),
        breaches=sum(breaches.values()),
        due_soon=sum(due_soon.values()),
        by_team={t: TeamCounts(overdue[t], breaches[t], due_soon[t]) for t in teams},
    )


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
    c = count(items)
    lines.append(f"\n{c.overdue} overdue ({c.breaches} in breach), {c.due_soon} due soon")
    return "\n".join(lines) + "\n"


def render_csv(items: list[QueueItem]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    # The csv module quotes a field with a newline but not one with a lone CR (it is not
    # in the line terminator), and spreadsheets start a new row at a CR: a stored
    # "x\r=formula" would begin a row of its own with a live formula. Such rows are
    # written with every field quoted; every other row is byte for byte as before.
    quoted = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writeheader()
    for item in items:
        row = item.to_json()
        row["breach"] = "true" if item.breach else "false"
        cells = {k: "" if v is None else spreadsheet_safe(str(v)) for k, v in row.items()}
        (quoted if any("\r" in c for c in cells.values()) else writer).writerow(cells)
    return out.getvalue()
