"""The web app under 20 concurrent users: the case page and the breach queue (p50/p95).

On a scratch copy of the scale's data set (a copied SQLite file, or a PostgreSQL
database made from the data set's as a template) with one manager added, the
real app (`web.app.create_app`, clock fixed at the data set's end) is served by
uvicorn in its own process, as `ehc serve --no-scheduler` serves it. Twenty
managers are signed in (a session each, made by `accounts.sign_in`, as the
sign-in page makes it); each then runs a closed loop for DURATION seconds with no
pause between requests: GET /cases/<a random case>, then GET /breaches (default
filters, first page). A request's time runs from sending it to reading the last
byte of the answer. Any answer but 200 is an error.

The load comes from one asyncio loop writing plain HTTP/1.1, a new connection per
page (see `_User`), so it takes little of the machine's CPU: the users' browsers are not
on the server. (The first version ran twenty threads of an HTTP client library,
which took more CPU than the server did, on the same two cores.) The server's and
the load's CPU seconds are both recorded, and the server's peak memory (VmHWM,
read before it is stopped).

Run alone: .venv/bin/python -m bench.run --scenarios web [--db postgresql]
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bench.config import END, ROOT
from bench.context import Context
from bench.timing import summary
from cli.serve import default_workers

USERS = 20
# As `ehc serve` runs by default: a worker process per core, at most four.
WORKERS = int(os.environ.get("BENCH_WEB_WORKERS") or default_workers())
DURATION = float(os.environ.get("BENCH_WEB_SECONDS", "60"))  # measured load (smoke: less)
WARM_UP = 2  # rounds per user before measuring (imports, templates, page cache)
PICK_SEED = 7
EMAIL = "bench.manager@bench.example"
PASSWORD = "bench-password-not-secret"
# Noon on the data set's last day, so the pages read the data as the other scenarios do.
NOW = datetime.combine(END, clock_time(12, 0), tzinfo=UTC)
PAGES = ("case_page", "breach_queue")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _scratch_copy(source: str) -> Iterator[str]:
    """A copy of the data set for the server to use (it adds a user and sessions)."""
    url = make_url(source)
    if url.get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory(prefix="ehc-bench-web-") as folder:
            path = Path(folder) / "web.db"
            shutil.copyfile(str(url.database), path)
            yield f"sqlite:///{path}"
        return
    copy = f"{url.database}_web"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{copy}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{copy}" TEMPLATE "{url.database}"'))
        yield url.set(database=copy).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)'))
        admin.dispose()


def _prepare(url: str) -> tuple[list[str], list[str]]:
    """Bring the copy to the newest schema and sign the managers in.

    Returns every case reference, and a session key per user.
    """
    from workflow import accounts, migrate, two_factor
    from workflow.db import make_engine, new_session

    engine = make_engine(url)
    migrate.upgrade(engine)
    keys = []
    with new_session(engine) as session:
        accounts.add_user(
            session=session,
            email=EMAIL,
            name="Bench Manager",
            role="manager",
            team=None,
            password=PASSWORD,
            actor="bench",
            clock=lambda: NOW,
        )
        # Managers sign in with a second factor: each sign-in passes it with the code of
        # its own 30-second step (a step's code is accepted once), in the minutes before
        # the server's fixed noon.
        secret = two_factor.enrol(session=session, email=EMAIL, actor="bench", clock=lambda: NOW)
        for n in range(USERS):
            at = NOW - timedelta(seconds=30 * (USERS - n))

            def clock(at: datetime = at) -> datetime:
                return at

            client = f"bench-user-{n}"
            signed = accounts.sign_in(
                session=session, email=EMAIL, password=PASSWORD, client=client, clock=clock
            )
            if signed.awaiting is not None:
                signed = two_factor.pass_second_factor(
                    session=session,
                    key=signed.key,
                    code=two_factor.current_code(secret.secret, at),
                    client=client,
                    clock=clock,
                )
            keys.append(signed.key)
    with engine.connect() as conn:
        refs = list(conn.execute(sa.text("SELECT reference FROM cases")).scalars())
    engine.dispose()
    return refs, keys


def app() -> Any:
    """The real app with a fixed clock, on the database in EHC_BENCH_WEB_URL."""
    import bootstrap
    from web.app import create_app
    from web.context import WebContext
    from workflow.config import Config
    from workflow.db import make_engine

    url = os.environ["EHC_BENCH_WEB_URL"]
    return create_app(
        WebContext(
            engine=make_engine(url),
            projections=bootstrap.projections(Config()),
            clock=lambda: NOW,
        )
    )


def serve(url: str, port: int) -> None:
    """The server process, as `ehc serve --no-scheduler` runs it."""
    import uvicorn

    os.environ["EHC_BENCH_WEB_URL"] = url
    uvicorn.run(
        "bench.scenarios.web:app",
        factory=True,
        workers=WORKERS,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
    )


def _wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"web server stopped (exit {server.returncode})")
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise SystemExit("web server did not answer /health within 60 seconds")


def _peak_rss(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) * 1024 if found else None


class _User:
    """One signed-in manager: GET a path on a new connection, time the whole answer.

    A new connection per page, as a person's browser makes after reading a page for
    longer than the server keeps an idle connection (uvicorn: 5 seconds). It also lets
    the workers share the load as they would: a connection kept for the whole run
    stays with whichever worker took it, however busy that worker is.
    """

    def __init__(self, port: int, key: str) -> None:
        self.port = port
        self.head = (
            f"Host: 127.0.0.1:{port}\r\nCookie: ehc_session={key}\r\nConnection: close\r\n\r\n"
        ).encode()

    async def get(self, path: str) -> int:
        """The answer's status, after reading all of its body; -1 if the connection failed."""
        writer = None
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            writer.write(f"GET {path} HTTP/1.1\r\n".encode() + self.head)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            headers = head.lower()
            if b"transfer-encoding: chunked" in headers:
                while size := int((await reader.readline()).strip(), 16):
                    await reader.readexactly(size + 2)
                await reader.readline()
            else:
                length = re.search(rb"content-length: *(\d+)", headers)
                await reader.readexactly(int(length.group(1)) if length else 0)
            return status
        except (OSError, asyncio.IncompleteReadError, ValueError):
            return -1
        finally:
            if writer is not None:
                writer.close()


class _Load:
    """Each user's closed loop; timings and errors per page."""

    def __init__(self, refs: list[str]) -> None:
        self.refs = refs
        self.seconds: dict[str, list[float]] = {page: [] for page in PAGES}
        self.errors: dict[str, int] = dict.fromkeys(PAGES, 0)
        self.statuses: dict[str, int] = {}

    async def _get(self, user: _User, page: str, path: str, until: float | None) -> None:
        started = time.perf_counter()
        status = await user.get(path)
        elapsed = time.perf_counter() - started
        if until is None:
            return
        self.seconds[page].append(elapsed)
        if status != 200:
            self.errors[page] += 1
            self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1

    async def warm_up(self, user: _User, pick: random.Random) -> None:
        for _ in range(WARM_UP):
            await self._get(user, "case_page", f"/cases/{pick.choice(self.refs)}", None)
            await self._get(user, "breach_queue", "/breaches", None)

    async def run(self, user: _User, pick: random.Random, until: float) -> None:
        while time.perf_counter() < until:
            await self._get(user, "case_page", f"/cases/{pick.choice(self.refs)}", until)
            await self._get(user, "breach_queue", "/breaches", until)


async def _drive(port: int, keys: list[str], load: _Load, server_pid: int) -> dict[str, float]:
    users = [_User(port, key) for key in keys]
    picks = [random.Random(PICK_SEED + n) for n in range(len(users))]
    await asyncio.gather(*(load.warm_up(u, p) for u, p in zip(users, picks, strict=True)))
    began = time.perf_counter()
    cpu_before, server_before = time.process_time(), _cpu_seconds(server_pid)
    until = began + DURATION
    await asyncio.gather(*(load.run(u, p, until) for u, p in zip(users, picks, strict=True)))
    measured = {
        "seconds": time.perf_counter() - began,
        "server_cpu_seconds": _cpu_seconds(server_pid) - server_before,
        "load_cpu_seconds": time.process_time() - cpu_before,
    }
    return measured


def run(ctx: Context) -> dict[str, Any]:
    with _scratch_copy(ctx.url) as url:
        refs, keys = _prepare(url)
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "bench.scenarios.web", url, str(port)], cwd=ROOT
        )
        try:
            _wait_until_up(f"http://127.0.0.1:{port}", server)
            load = _Load(refs)
            measured = asyncio.run(_drive(port, keys, load, server.pid))
            peak = _peak_rss_of_tree(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
    timings = {page: summary(s) for page, s in load.seconds.items()}
    for timing in timings.values():
        timing.pop("all")
    requests = sum(len(s) for s in load.seconds.values())
    if requests and sum(load.errors.values()) == requests:
        # Timing redirects to the sign-in page would measure nothing the goal is about.
        raise RuntimeError(f"every request failed ({load.statuses}): nothing measured")
    return {
        "timings": timings,
        "metrics": {
            "users": USERS,
            "workers": WORKERS,
            **measured,
            "requests": requests,
            "requests_per_second": requests / measured["seconds"],
            "server_cpu_ms_per_request": 1000 * measured["server_cpu_seconds"] / requests,
            "errors": sum(load.errors.values()),
            "errors_by_page": load.errors,
            "error_statuses": load.statuses,
            "server_peak_rss_bytes": peak,  # the largest of one process's peaks
            "cases": len(refs),
        },
    }


def _cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and its children (the server and its workers)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    seconds = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            seconds += _cpu_seconds(int(child))
    return seconds


def _peak_rss_of_tree(pid: int) -> int | None:
    """The largest peak memory of the server and each of its workers."""
    peaks = [_peak_rss(pid)]
    for task in Path(f"/proc/{pid}/task").iterdir():
        peaks += [_peak_rss(int(child)) for child in (task / "children").read_text().split()]
    known = [p for p in peaks if p is not None]
    return max(known) if known else None


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
