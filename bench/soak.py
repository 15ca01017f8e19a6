"""Concurrency soak (issue 17, "Also"): officers saving on the same few cases at once.

    .venv/bin/python -m bench.soak --db sqlite --officers 50 --seconds 180
    .venv/bin/python -m bench.soak --db postgresql --officers 50 --seconds 180

Not a harness scenario (`bench.run` would first build the 50,000-case data set, and
this is about concurrency, not size): it makes its own scratch database (a SQLite file
in a temporary folder, or a PostgreSQL database `ehc_soak_<pid>` dropped afterwards),
brings it to the newest schema, loads a demo cohort (`workflow.demo`, up to today),
adds one officer account per simulated officer (`workflow.accounts`) with a sign-in
session and an API token each, and serves the app with `ehc serve --no-scheduler`
itself (its default worker processes) on that database.

Each officer is in the team of some of the HOT cases (assessing or draft issued, so an
advice request is always acceptable) and runs a closed loop, no pause, on a random one:
- read:       GET /cases/<ref> (the case page)
- web_event:  GET the record-event form for an advice request (its version and CSRF
              token), POST it to the "Check your answers" page, then POST it to record
              it; 303 saved, 409 refused as stale
- api_event:  GET /api/cases/<ref> (its version), then POST /api/cases/<ref>/events
              with expected_version; 201 saved, 409 refused
- details:    GET the details form, then POST a new child's name; 303 or 409
- api_correct: GET /api/cases/<ref>, then POST /api/cases/<ref>/events/<n>/correct to
              change the reference of an advice request this officer saved through the
              API (the event is voided and recorded again); 201 or 409
Beside them, a process runs the scheduler's sweep (`scheduler.jobs.sweep_from_config`,
no SMTP) in a loop for the whole run: back to back, or `--sweep-pause` seconds apart
(the real sweep runs once a day; back to back, its process takes SQLite's write lock
dozens of times a second and the officers' writes wait behind it).

Every advice request carries a unique `ref` (the soak's tag), so afterwards the stored
events are checked against the answers: each 303/201 tag is stored exactly once, no 409
tag is stored, and each case's version grew by exactly its accepted writes.
Errors: any 5xx, a failed connection, "database is locked" in an answer or the server's
log, a write slower than WRITE_LIMIT seconds.

The result goes to bench/results/<date>-soak-<db>[-<label>].json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa

from bench import machine
from bench.config import PG_SERVER, RESULTS, ROOT
from bench.scenarios.web import _free_port, _wait_until_up
from bench.timing import summary

PASSWORD = "soak-password-not-secret"
WRITE_LIMIT = 2.0  # seconds: a write answered later than this is an error
TIMEOUT = 60.0  # seconds: a request not answered by then is an error (status -1)
SEED = 17
KINDS = ("read", "web_event", "api_event", "details", "api_correct")
WEIGHTS = (4, 2, 2, 2, 1)
WRITES = ("web_event_post", "api_event_post", "details_post", "api_correct_post")


# -- the scratch database ---------------------------------------------------------------


def _create(db: str, folder: Path) -> str:
    if db == "sqlite":
        return f"sqlite:///{folder / 'soak.db'}"
    name = f"ehc_soak_{os.getpid()}"
    admin = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{PG_SERVER}/{name}"


def _drop(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    name = url.rsplit("/", 1)[1]
    assert name.startswith("ehc_soak_"), name
    admin = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _prepare(url: str, cases: int, officers: int, hot: int) -> dict[str, Any]:
    """Schema, demo cohort, officer accounts; returns the hot cases and the officers."""
    import bootstrap
    from workflow import accounts, demo, migrate, service
    from workflow.clock import system_clock, today_in_england
    from workflow.config import Config
    from workflow.db import make_engine, new_session

    cfg = Config(database_url=url)
    engine = make_engine(url)
    migrate.upgrade(engine)
    with new_session(engine) as session:
        service.import_events(
            projections=bootstrap.projections(cfg),
            session=session,
            lines=demo.json_lines(cases, end=today_in_england(system_clock), seed=SEED),
            actor="soak",
            clock=system_clock,
            settings=cfg.clock_settings(),
            working_days=cfg.working_days,
        )
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT reference, team FROM cases WHERE state IN ('assessing', 'draft_issued') "
                "ORDER BY reference"
            )
        ).all()
    picked = random.Random(SEED).sample(list(rows), min(hot, len(rows)))
    teams = sorted({str(team) for _ref, team in picked})
    people: list[dict[str, Any]] = []
    with new_session(engine) as session:
        for n in range(officers):
            team = teams[n % len(teams)]
            email = f"soak.officer{n}@soak.example"
            accounts.add_user(
                session=session,
                email=email,
                name=f"Soak Officer {n}",
                role="officer",
                team=team,
                password=PASSWORD,
                actor="soak",
                clock=system_clock,
            )
            signed = accounts.sign_in(
                session=session,
                email=email,
                password=PASSWORD,
                client=f"soak-{n}",
                clock=system_clock,
            )
            token = accounts.issue_token(
                session=session, email=email, actor="soak", clock=system_clock
            )
            refs = [str(ref) for ref, t in picked if t == team]
            people.append({"n": n, "key": signed.key, "token": token, "refs": refs})
    engine.dispose()
    return {"hot": [str(ref) for ref, _t in picked], "teams": teams, "officers": people}


def _stored(url: str, refs: list[str]) -> dict[str, dict[str, Any]]:
    """Per case: version, number of effective events, and the soak tags of its advice requests."""
    from workflow.db import make_engine

    engine = make_engine(url)
    found: dict[str, dict[str, Any]] = {}
    with engine.connect() as conn:
        for ref in refs:
            case_id, version = conn.execute(
                sa.text("SELECT id, version FROM cases WHERE reference = :r"), {"r": ref}
            ).one()
            events = conn.execute(  # the effective events: voided ones no longer count
                sa.text(
                    "SELECT type, fields FROM events e WHERE case_id = :c AND NOT EXISTS "
                    "(SELECT 1 FROM event_voids v WHERE v.event_id = e.id)"
                ),
                {"c": case_id},
            ).all()
            tags: list[str] = []
            for kind, fields in events:
                data = json.loads(fields) if isinstance(fields, str) else fields
                tag = (data or {}).get("ref") or ""
                if kind == "advice_requested" and str(tag).startswith("soak-"):
                    tags.append(str(tag))
            found[ref] = {"version": int(version), "events": len(events), "tags": tags}
    engine.dispose()
    return found


# -- the sweep beside the load ----------------------------------------------------------


def sweeper(url: str, until: float, out: str, pause: float = 0.0) -> None:
    """Run the scheduler's sweep again and again until `until` (epoch seconds), `pause`
    seconds apart."""
    from scheduler.jobs import sweep_from_config
    from workflow.config import Config

    cfg = Config(database_url=url)
    seconds: list[float] = []
    failures: list[str] = []
    while time.time() < until:
        started = time.perf_counter()
        try:
            sweep_from_config(cfg)
        except Exception as e:  # recorded: a sweep that fails under load is a finding
            failures.append(f"{type(e).__name__}: {e}"[:300])
        seconds.append(time.perf_counter() - started)
        time.sleep(pause)
    Path(out).write_text(json.dumps({"seconds": seconds, "failures": failures}))


# -- the officers -----------------------------------------------------------------------


class Answer:
    def __init__(self, status: int, body: bytes, seconds: float) -> None:
        self.status, self.body, self.seconds = status, body, seconds


class Officer:
    """One signed-in officer: a session cookie for the pages, a token for the API."""

    def __init__(self, port: int, spec: dict[str, Any]) -> None:
        self.port = port
        self.n: int = spec["n"]
        self.key: str = spec["key"]
        self.token: str = spec["token"]
        self.refs: list[str] = spec["refs"]
        self.writes = 0
        self.saved: list[tuple[str, int, str]] = []  # (case, sequence, tag) it may correct

    def tag(self) -> str:
        self.writes += 1
        return f"soak-{self.n}-{self.writes}"

    async def request(
        self, method: str, path: str, body: bytes = b"", kind: str = "form", api: bool = False
    ) -> Answer:
        started = time.perf_counter()
        writer = None
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            head += (
                f"Authorization: Bearer {self.token}\r\n"
                if api
                else f"Cookie: ehc_session={self.key}\r\n"
            )
            if method == "POST":
                ctype = (
                    "application/json" if kind == "json" else "application/x-www-form-urlencoded"
                )
                head += f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
            writer.write((head + "Connection: close\r\n\r\n").encode() + body)
            answer = await asyncio.wait_for(self._read(reader), TIMEOUT)
            status, content = answer
        except (OSError, asyncio.IncompleteReadError, ValueError, TimeoutError):
            status, content = -1, b""
        finally:
            if writer is not None:
                writer.close()
        return Answer(status, content, time.perf_counter() - started)

    @staticmethod
    async def _read(reader: asyncio.StreamReader) -> tuple[int, bytes]:
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        headers = head.lower()
        if b"transfer-encoding: chunked" in headers:
            parts = []
            while size := int((await reader.readline()).strip(), 16):
                parts.append((await reader.readexactly(size + 2))[:-2])
            await reader.readline()
            return status, b"".join(parts)
        length = re.search(rb"content-length: *(\d+)", headers)
        return status, await reader.readexactly(int(length.group(1)) if length else 0)


def _hidden(body: bytes, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"'.encode(), body)
    return found.group(1).decode() if found else ""


class Soak:
    """The officers' loops; what each request took and answered, and each write's tag."""

    def __init__(self) -> None:
        self.seconds: dict[str, list[float]] = {}
        self.statuses: dict[str, Counter[int]] = {}
        self.errors: Counter[str] = Counter()
        self.examples: list[str] = []
        self.accepted: dict[str, list[str]] = {}  # case -> tags saved (303/201)
        self.refused: dict[str, list[str]] = {}  # case -> tags refused (409)
        self.unknown: dict[str, list[str]] = {}  # case -> tags with no answer
        self.details_saved: Counter[str] = Counter()
        self.corrected: dict[str, list[tuple[str, str]]] = {}  # case -> (old tag, new tag)
        self.longest_write = 0.0

    def note(self, kind: str, answer: Answer, measuring: bool) -> None:
        if not measuring:
            return
        self.seconds.setdefault(kind, []).append(answer.seconds)
        self.statuses.setdefault(kind, Counter())[answer.status] += 1
        why = None
        if answer.status >= 500 or answer.status == -1:
            why = f"status {answer.status}"
        elif b"database is locked" in answer.body:
            why = "database is locked"
        elif kind in WRITES and answer.seconds > WRITE_LIMIT:
            why = f"write slower than {WRITE_LIMIT:g} s"
        if kind in WRITES:
            self.longest_write = max(self.longest_write, answer.seconds)
        if why:
            self.errors[why] += 1
            if self.errors[why] <= 5 or (why.startswith("status") and self.errors[why] <= 20):
                self.examples.append(
                    f"{kind}: {why} ({answer.seconds:.2f} s) {answer.body[:200]!r}"
                )

    def outcome(self, ref: str, tag: str, status: int, saved: int) -> None:
        target = (
            self.accepted if status == saved else self.refused if status == 409 else self.unknown
        )
        target.setdefault(ref, []).append(tag)

    async def step(self, who: Officer, pick: random.Random, today: str, measuring: bool) -> None:
        ref = pick.choice(who.refs)
        kind = pick.choices(KINDS, WEIGHTS)[0]
        if kind == "read":
            self.note("read", await who.request("GET", f"/cases/{ref}"), measuring)
        elif kind == "web_event":
            form = await who.request("GET", f"/cases/{ref}/events/new?type=advice_requested")
            self.note("web_event_form", form, measuring)
            if form.status != 200:
                return
            tag = who.tag()
            day, month, year = today[8:], today[5:7], today[:4]
            body = urlencode(
                {
                    "csrf_token": _hidden(form.body, "csrf_token"),
                    "type": "advice_requested",
                    "version": _hidden(form.body, "version"),
                    "date-day": day,
                    "date-month": month,
                    "date-year": year,
                    "advice": "health",
                    "ref": tag,
                }
            ).encode()
            # As an officer does: the "Check your answers" page, then "Record this event".
            checked = await who.request("POST", f"/cases/{ref}/events/check", body)
            self.note("web_event_check", checked, measuring)
            if checked.status != 200:
                self.outcome(ref, tag, 409 if checked.status == 409 else -1, 303)
                return
            saved = await who.request("POST", f"/cases/{ref}/events", body)
            self.note("web_event_post", saved, measuring)
            self.outcome(ref, tag, saved.status, 303)
        elif kind == "api_event":
            read = await who.request("GET", f"/api/cases/{ref}", api=True)
            self.note("api_read", read, measuring)
            if read.status != 200:
                return
            version = json.loads(read.body)["case"]["version"]
            tag = who.tag()
            event = {
                "type": "advice_requested",
                "date": today,
                "advice": "educational",
                "ref": tag,
                "expected_version": version,
            }
            saved = await who.request(
                "POST", f"/api/cases/{ref}/events", json.dumps(event).encode(), "json", api=True
            )
            self.note("api_event_post", saved, measuring)
            self.outcome(ref, tag, saved.status, 201)
            if saved.status == 201:
                who.saved.append((ref, json.loads(saved.body)["event"]["sequence"], tag))
        elif kind == "api_correct":
            await self.correct(who, pick, measuring)
        else:
            form = await who.request("GET", f"/cases/{ref}/details")
            self.note("details_form", form, measuring)
            if form.status != 200:
                return
            body = urlencode(
                {
                    "csrf_token": _hidden(form.body, "csrf_token"),
                    "version": _hidden(form.body, "version"),
                    "child_name": f"Soak Child {who.tag()}",
                    "setting": "Soak Primary School",
                    "communication": "post",
                }
            ).encode()
            saved = await who.request("POST", f"/cases/{ref}/details", body)
            self.note("details_post", saved, measuring)
            if saved.status == 303:
                self.details_saved[ref] += 1
            elif saved.status != 409:
                self.unknown.setdefault(ref, []).append("details")

    async def correct(self, who: Officer, pick: random.Random, measuring: bool) -> None:
        """Correct the reference of an advice request this officer saved through the API."""
        if not who.saved:
            return
        ref, sequence, tag = who.saved.pop(pick.randrange(len(who.saved)))
        read = await who.request("GET", f"/api/cases/{ref}", api=True)
        self.note("api_read", read, measuring)
        if read.status != 200:
            return
        new_tag = f"{tag}-corrected"
        body = {
            "ref": new_tag,
            "reason": "Soak: the adviser's reference was mistyped",
            "expected_version": json.loads(read.body)["case"]["version"],
        }
        saved = await who.request(
            "POST",
            f"/api/cases/{ref}/events/{sequence}/correct",
            json.dumps(body).encode(),
            "json",
            api=True,
        )
        self.note("api_correct_post", saved, measuring)
        if saved.status == 201:
            self.corrected.setdefault(ref, []).append((tag, new_tag))
        elif saved.status == 409:
            who.saved.append((ref, sequence, tag))  # stale: it may try again later
        else:
            self.unknown.setdefault(ref, []).append(new_tag)

    async def loop(self, who: Officer, until: float, today: str, warm_up: int) -> None:
        pick = random.Random(SEED * 1000 + who.n)
        for _ in range(warm_up):
            await self.step(who, pick, today, measuring=False)
        while time.perf_counter() < until:
            await self.step(who, pick, today, measuring=True)


async def _drive(port: int, people: list[dict[str, Any]], seconds: float, soak: Soak) -> float:
    from workflow.clock import system_clock, today_in_england

    today = today_in_england(system_clock).isoformat()
    officers = [Officer(port, spec) for spec in people]
    await asyncio.gather(*(soak.loop(o, 0.0, today, warm_up=1) for o in officers))
    began = time.perf_counter()
    until = began + seconds
    await asyncio.gather(*(soak.loop(o, until, today, warm_up=0) for o in officers))
    return time.perf_counter() - began


# -- the run ----------------------------------------------------------------------------


def _check(
    before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]], soak: Soak
) -> dict[str, Any]:
    """Lost and phantom updates, case by case."""
    problems: list[str] = []
    accepted_total = stored_total = 0
    for ref, was in before.items():
        now = after[ref]
        corrected = soak.corrected.get(ref, [])
        # A correction voids the tagged event and records it again under a new tag.
        accepted = [t for t in soak.accepted.get(ref, []) if t not in {o for o, _ in corrected}]
        accepted += [new for _, new in corrected]
        refused = set(soak.refused.get(ref, []))
        unknown = soak.unknown.get(ref, [])
        stored = Counter(now["tags"]) - Counter(was["tags"])
        accepted_total += len(soak.accepted.get(ref, []))
        stored_total += sum(stored.values())
        lost = sorted(set(accepted) - set(stored))
        saved_409 = sorted(refused & set(stored))
        twice = sorted(t for t, k in stored.items() if k > 1)
        strays = sorted(set(stored) - set(accepted) - refused - set(unknown))
        new_events = now["events"] - was["events"]
        writes = len(soak.accepted.get(ref, [])) + len(corrected) + soak.details_saved[ref]
        grew = now["version"] - was["version"]
        if lost:
            problems.append(f"{ref}: {len(lost)} accepted events not stored, e.g. {lost[:3]}")
        if saved_409:
            problems.append(f"{ref}: {len(saved_409)} events refused with 409 but stored")
        if twice:
            problems.append(f"{ref}: events stored twice: {twice[:3]}")
        if strays:
            problems.append(f"{ref}: events stored that no answer accepted: {strays[:3]}")
        if new_events != len(accepted) and not unknown:
            problems.append(f"{ref}: {new_events} new effective events, {len(accepted)} accepted")
        if grew != writes and not unknown:
            problems.append(f"{ref}: version grew by {grew}, {writes} writes accepted")
    return {
        "accepted_events": accepted_total,
        "stored_new_events": stored_total,
        "accepted_details": sum(soak.details_saved.values()),
        "accepted_corrections": sum(len(v) for v in soak.corrected.values()),
        "writes_without_answer": sum(len(v) for v in soak.unknown.values()),
        "problems": problems,
        "lost_updates": sum(1 for p in problems if "not stored" in p),
    }


def _brief(seconds: list[float] | None) -> dict[str, Any] | None:
    if not seconds:
        return None
    timing = summary(seconds)
    timing.pop("all")
    return timing


def run(
    db: str, officers: int, seconds: float, cases: int, hot: int, sweep_pause: float = 0.0
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ehc-soak-") as folder_name:
        folder = Path(folder_name)
        url = _create(db, folder)
        try:
            print(f"soak: preparing {cases} demo cases and {officers} officers on {db}", flush=True)
            prepared = _prepare(url, cases, officers, hot)
            before = _stored(url, prepared["hot"])
            port = _free_port()
            log = folder / "server.log"
            env = {**os.environ, "EHC_DATABASE_URL": url}
            ehc = str(Path(sys.executable).parent / "ehc")
            with log.open("wb") as log_file:
                server = subprocess.Popen(
                    [ehc, "serve", "--no-scheduler", "--port", str(port)],
                    cwd=folder,
                    env=env,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                )
                sweep = None
                try:
                    _wait_until_up(f"http://127.0.0.1:{port}", server)
                    soak = Soak()
                    sweep_out = folder / "sweep.json"
                    print(
                        f"soak: {officers} officers on {len(prepared['hot'])} cases "
                        f"({', '.join(prepared['hot'])}) for {seconds:g} s, sweeping beside",
                        flush=True,
                    )
                    sweep = subprocess.Popen(
                        [sys.executable, "-m", "bench.soak", "--sweeper", url, "--until",
                         str(time.time() + seconds + 5), "--out", str(sweep_out),
                         "--sweep-pause", str(sweep_pause)],
                        cwd=ROOT,
                        env={k: v for k, v in os.environ.items() if not k.startswith("EHC_")},
                    )  # fmt: skip
                    load_before = machine.load_average()
                    elapsed = asyncio.run(_drive(port, prepared["officers"], seconds, soak))
                    load_after = machine.load_average()
                    sweep.wait(timeout=600)
                finally:
                    server.terminate()
                    server.wait(timeout=30)
                    if sweep is not None and sweep.poll() is None:
                        sweep.terminate()
            server_log = log.read_text(errors="replace")
            swept = json.loads(sweep_out.read_text()) if sweep_out.exists() else {}
            after = _stored(url, prepared["hot"])
        finally:
            _drop(url)
    check = _check(before, after, soak)
    requests = sum(len(v) for v in soak.seconds.values())
    locked_in_log = server_log.count("database is locked")
    tracebacks = server_log.count("Traceback")
    noted = re.compile(r"error|exception|traceback|locked|warning", re.IGNORECASE)
    log_lines = [line for line in server_log.splitlines() if noted.search(line)][:100]
    errors = sum(soak.errors.values()) + locked_in_log
    timings = {k: summary(v) for k, v in sorted(soak.seconds.items())}
    for t in timings.values():
        t.pop("all", None)
    return {
        "scenario": "soak",
        "database": db,
        "timings": timings,
        "metrics": {
            "officers": officers,
            "hot_cases": prepared["hot"],
            "cases": cases,
            "seconds": elapsed,
            "requests": requests,
            "requests_per_second": requests / elapsed,
            "statuses": {
                k: {str(s): n for s, n in sorted(c.items())} for k, c in soak.statuses.items()
            },
            "longest_write_seconds": soak.longest_write,
            "errors": errors,
            "errors_by_kind": dict(soak.errors),
            "error_examples": soak.examples,
            "database_is_locked_in_server_log": locked_in_log,
            "tracebacks_in_server_log": tracebacks,
            "server_log_lines": log_lines,  # those naming an error, a warning or a lock
            "sweeps": len(swept.get("seconds", [])),
            "sweep_seconds": _brief(swept.get("seconds")),
            "sweep_failures": swept.get("failures"),
            **check,
            "load_average": {"before": load_before, "after": load_after},
        },
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--officers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--cases", type=int, default=300, help="demo cases loaded")
    parser.add_argument("--hot", type=int, default=10, help="cases the officers share")
    parser.add_argument("--no-save", action="store_true")
    parser.add_argument("--label", help="added to the result file's name")
    parser.add_argument(
        "--sweep-pause", type=float, default=0.0, help="seconds between sweeps (0: back to back)"
    )
    parser.add_argument("--sweeper", help=argparse.SUPPRESS)
    parser.add_argument("--until", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sweeper:
        sweeper(args.sweeper, args.until, args.out, args.sweep_pause)
        return 0
    result = run(args.db, args.officers, args.seconds, args.cases, args.hot, args.sweep_pause)
    m = result["metrics"]
    print(
        f"soak {args.db}: {m['requests']} requests in {m['seconds']:.0f} s "
        f"({m['requests_per_second']:.1f}/s); errors {m['errors']} {m['errors_by_kind']}; "
        f"longest write {m['longest_write_seconds']:.2f} s; sweeps {m['sweeps']} "
        f"(failures {len(m['sweep_failures'] or [])}); accepted events "
        f"{m['accepted_events']}, stored {m['stored_new_events']}; details saved "
        f"{m['accepted_details']}; corrections saved {m['accepted_corrections']}; "
        f"lost updates {m['lost_updates']}; problems {m['problems']}"
    )
    for kind, t in result["timings"].items():
        print(
            f"  {kind:15} n={t['runs']:5}  p50 {t['median'] * 1000:7.1f} ms  "
            f"p95 {t['p95'] * 1000:7.1f} ms  max {t['max'] * 1000:7.1f} ms  "
            f"statuses {m['statuses'][kind]}"
        )
    for example in m["error_examples"]:
        print("  error:", example)
    for line in m["server_log_lines"][:20]:
        print("  server log:", line[:300])
    if not args.no_save:
        now = datetime.now(UTC)
        record = {
            "measured_at": now.isoformat(timespec="seconds"),
            "machine": machine.describe(),
            "sweep_pause_seconds": args.sweep_pause,
        }
        RESULTS.mkdir(parents=True, exist_ok=True)
        label = f"-{args.label}" if args.label else ""
        path = RESULTS / f"{now:%Y-%m-%d}-soak-{args.db}{label}.json"
        path.write_text(json.dumps({**record, **result}, indent=2, default=str) + "\n")
        print(f"  -> {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
