"""What every CLI command shares: parsing dates and turning refusals into exit codes.

Exit 0 on success; a `WorkflowError` prints its message on stderr and exits with its
type's `exit_code` (2: bad input); anything else exits 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import NoReturn

import typer

from workflow.clock import system_clock, today_in_england
from workflow.errors import EXIT_BAD_INPUT, WorkflowError


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn a refused input into one line on stderr and its exit code."""
    try:
        yield
    except WorkflowError as e:
        fail(str(e), e.exit_code)


def parse_day(value: str | None, what: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{what} must be a real date in the form YYYY-MM-DD (got {value!r})")


def today() -> date:
    """Today in England, from the system clock: read only here, at the edge."""
    return today_in_england(system_clock)
