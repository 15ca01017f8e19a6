"""What every CLI command shares: parsing dates and mapping errors to exit codes.

Exit 0 on success, 2 on bad input (a `WorkflowError`, message on stderr), 1 on
anything else.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

import typer

from workflow.errors import WorkflowError

EXIT_BAD_INPUT = 2
EXIT_FAULT = 1


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn a refused input into one line on stderr and exit 2."""
    try:
        yield
    except WorkflowError as e:
        fail(str(e))


def parse_day(value: str | None, what: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{what} must be a real date in the form YYYY-MM-DD (got {value!r})")


LONDON = ZoneInfo("Europe/London")


def today() -> date:
    """Today in England, from the system clock: read only here, at the edge."""
    return datetime.now(LONDON).date()


def utcnow() -> datetime:
    return datetime.now(UTC)


def write_output(text: str, output: str | None) -> None:
    if output:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


Clock = Callable[[], datetime]


def jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value
