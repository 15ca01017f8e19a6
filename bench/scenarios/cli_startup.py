"""`ehc` start-up as a user meets it: `ehc --help`, `ehc --version` and `ehc breaches --json`
on a small database (the 300-case demo cohort on SQLite, built here in a scratch directory:
this scenario does not use the scale's data set), each run as its own process through the
installed `ehc` script, with the interpreter's own start-up (`python -c pass`) alongside."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.config import ROOT
from bench.context import Context
from bench.timing import summary

CASES = 300  # `ehc demo load`'s default: a small council's open cases
RUNS = 21  # start-up takes a fraction of a second: more runs than the queries get

EHC = Path(sys.executable).parent / "ehc"


def _timed(command: list[str], env: dict[str, str], cwd: Path, runs: int) -> dict[str, Any]:
    def once() -> float:
        started = time.perf_counter()
        subprocess.run(command, env=env, cwd=cwd, check=True, capture_output=True)
        return time.perf_counter() - started

    once()  # warm-up: the page cache and the .pyc files
    return summary([once() for _ in range(runs)])


def run(ctx: Context) -> dict[str, Any]:
    runs = max(ctx.runs, RUNS)
    with tempfile.TemporaryDirectory(prefix="ehc-bench-cli-") as tmp:
        cwd = Path(tmp)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),  # this checkout's code, whichever venv `ehc` is in
            "EHC_DATABASE_URL": f"sqlite:///{cwd / 'ehc.db'}",
            "EHC_ACTOR": "bench",
        }
        for setup in (["db", "upgrade"], ["demo", "load", "--cases", str(CASES)]):
            subprocess.run([str(EHC), *setup], env=env, cwd=cwd, check=True, capture_output=True)
        shown = subprocess.run(
            [str(EHC), "breaches", "--json"], env=env, cwd=cwd, check=True, capture_output=True
        )
        timings = {
            "help": _timed([str(EHC), "--help"], env, cwd, runs),
            "version": _timed([str(EHC), "--version"], env, cwd, runs),
            "breaches_json": _timed([str(EHC), "breaches", "--json"], env, cwd, runs),
            "python_itself": _timed([sys.executable, "-c", "pass"], env, cwd, runs),
        }
    return {
        "timings": timings,
        "metrics": {"cases": CASES, "breaches_json_bytes": len(shown.stdout)},
    }
