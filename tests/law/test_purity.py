"""The law is a function of events, `as_of` and settings: it never reads the clock.

import-linter (`make lint`) keeps databases, the web and the service out of `workflow.law`;
reading the clock is a call, not an import, so it is checked here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import workflow.law

LAW = Path(workflow.law.__file__).parent
CLOCK_CALLS = {"now", "today", "utcnow", "time", "monotonic", "localtime"}


def clock_reads(source: str) -> list[str]:
    """`x.now()`, `date.today()`, `time.time()` and the like in a module's source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in CLOCK_CALLS:
                found.append(f"line {node.lineno}: {ast.unparse(node.func)}()")
    return found


def test_the_check_finds_a_clock_read() -> None:
    assert clock_reads("from datetime import date\ndef f():\n    return date.today()\n") == [
        "line 3: date.today()"
    ]


def test_no_rule_reads_the_clock() -> None:
    modules = sorted(LAW.glob("*.py"))
    assert modules, LAW
    reads = {p.name: clock_reads(p.read_text()) for p in modules}
    assert {name: found for name, found in reads.items() if found} == {}
