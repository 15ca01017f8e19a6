"""The benchmark harness: each scenario at a scale, in its own process; results and docs.

    .venv/bin/python -m bench.run                      # council scale (SQLite, 50,000 cases)
    .venv/bin/python -m bench.run --scale national     # PostgreSQL, 500,000 cases
    .venv/bin/python -m bench.run --scenarios breaches,kpis --runs 3
    .venv/bin/python -m bench.run --fresh              # rebuild (and re-time) the data set
    .venv/bin/python -m bench.run --report             # only regenerate docs/performance.md

Each scenario writes bench/results/<date>-<scenario>-<scale>.json; afterwards
docs/performance.md and its charts are regenerated from the latest results.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import data, machine, report
from bench.config import RESULTS, ROOT, SCALES, Scale
from bench.context import Context, Skipped
from bench.scenarios import ORDER, SELF_CONTAINED, load

SKIPPED_EXIT = 3  # a worker's exit code when its scenario raised Skipped


def _scale(args: argparse.Namespace) -> Scale:
    scale = SCALES[args.scale]
    if args.db:
        scale = replace(scale, database=args.db)
    if args.cases:
        scale = replace(scale, cases=args.cases)
    return replace(scale, runs=args.runs or scale.runs)


def _worker(args: argparse.Namespace) -> int:
    """Run one scenario in this process and write its result to --out."""
    module = load(args.worker)
    assert module is not None, args.worker
    scale = _scale(args)
    ctx = Context(scale=scale, runs=scale.runs, fresh=args.fresh, keep_data=args.keep_data)
    try:
        result = module.run(ctx)
    except Skipped as e:
        Path(args.out).write_text(json.dumps({"skipped": str(e)}))
        return SKIPPED_EXIT
    result["data_key"] = (data.read_meta(ctx.scale) or {}).get("key")
    Path(args.out).write_text(json.dumps(result, default=str))
    return 0


def _spawn(name: str, args: argparse.Namespace, fresh: bool) -> dict[str, Any]:
    """Run a scenario in a child process; its peak RSS comes from wait4's rusage."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        path = Path(out.name)
    command = [sys.executable, "-m", "bench.run", "--worker", name, "--out", str(path)]
    command += ["--scale", args.scale, "--runs", str(_scale(args).runs)]
    if args.db:
        command += ["--db", args.db]
    if args.cases:
        command += ["--cases", str(args.cases)]
    if fresh:
        command.append("--fresh")
    if args.keep_data:
        command.append("--keep-data")
    load_before = machine.load_average()
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT)
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    text = path.read_text() if path.exists() else ""
    path.unlink(missing_ok=True)
    if child.returncode not in (0, SKIPPED_EXIT):
        raise SystemExit(f"bench: scenario {name} failed (exit {child.returncode})")
    result: dict[str, Any] = json.loads(text)
    if child.returncode == SKIPPED_EXIT:
        return result
    result.update(
        peak_rss_bytes=usage.ru_maxrss * 1024,  # Linux reports kilobytes
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        wall_seconds=wall,
        load_average={"before": load_before, "after": machine.load_average()},
    )
    return result


def _save(name: str, scale: Scale, result: dict[str, Any], described: dict[str, Any]) -> Path:
    now = datetime.now(UTC)
    record = {
        "scenario": name,
        "scale": scale.to_json(),
        "measured_at": now.isoformat(timespec="seconds"),
        "machine": described,
        **result,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{now:%Y-%m-%d}-{name}-{scale.label}.json"
    path.write_text(json.dumps(record, indent=2, default=str) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="council")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), help="override the database")
    parser.add_argument("--cases", type=int, help="override the number of cases (smoke runs)")
    parser.add_argument("--scenarios", help=f"comma-separated, from: {', '.join(ORDER)}")
    parser.add_argument("--runs", type=int, help="timed repeats of each query")
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached data set")
    parser.add_argument(
        "--keep-data",
        action="store_true",
        help="use the cached data set even if the generator changed since it was built",
    )
    parser.add_argument("--no-save", action="store_true", help="print only: no results, no docs")
    parser.add_argument("--report", action="store_true", help="only regenerate the docs")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return _worker(args)
    if args.report:
        print(report.write())
        return 0

    scale = _scale(args)
    names = args.scenarios.split(",") if args.scenarios else list(ORDER)
    unknown = sorted(set(names) - set(ORDER))
    if unknown:
        parser.error(f"unknown scenarios {', '.join(unknown)}; choose from {', '.join(ORDER)}")
    names = [n for n in ORDER if n in names]
    described = machine.describe()
    print(f"bench: {scale.label}, {scale.cases:,} cases on {scale.database}; {described['cpu']}")
    fresh = args.fresh
    needs_data = [n for n in names if n != "import_events" and n not in SELF_CONTAINED]
    if needs_data and "import_events" not in names:
        if fresh or not data.is_current(scale, any_key=args.keep_data):
            names.insert(0, "import_events")  # the data set must be built first
    for name in names:
        if load(name) is None:
            print(f"== {name}: not yet measured (no bench/scenarios/{name}.py)")
            continue
        print(f"== {name}", flush=True)
        result = _spawn(name, args, fresh and name == "import_events")
        if "skipped" in result:
            print(f"   skipped: {result['skipped']}")
            continue
        print("   " + report.one_line(name, result))
        if not args.no_save:
            print(f"   -> {_save(name, scale, result, described).relative_to(ROOT)}")
    if not args.no_save:
        print(report.write())
    return 0


if __name__ == "__main__":
    sys.exit(main())
