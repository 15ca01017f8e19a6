"""The web app under 20 concurrent users: the case page and the breach queue (p50/p95).

On a scratch copy of the scale's data set (SQLite) with one manager added, the real
app (`web.app.create_app`, clock fixed at the data set's end) is served by uvicorn in
its own process, so the load generator does not share the server's GIL. Twenty users
sign in, then each runs a closed loop for DURATION seconds: GET /cases/<a random
case>, then GET /breaches (default filters, first page). Any answer but 200 is an
error. The server's peak memory is its VmHWM, read before it is stopped.

Run alone: .venv/bin/python -m bench.run --scenarios web
"""

from __future__ import annotations

import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bench.config import END, ROOT
from bench.context import Context, Skipped
from bench.timing import summary

USERS = 20
DURATION = float(os.environ.get("BENCH_WEB_SECONDS", "60"))  # measured load (smoke: less)
WARM_UP = 2  # rounds per user before measuring (imports, templates, page cache)
PICK_SEED = 7
EMAIL = "bench.manager@bench.example"
PASSWORD = "bench-password-not-secret"
# Noon on the data set's last day, so the pages read the data as the other scenarios do.
NOW = datetime.combine(END, clock_time(12, 0), tzinfo=UTC)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _scratch_copy(source: str, folder: Path) -> str:
    path = folder / "web.db"
    shutil.copyfile(str(make_url(source).database), path)
    return f"sqlite:///{path}"


def _prepare(url: str) -> list[str]:
    """Bring the copy to the newest schema, add the manager; return every case reference."""
    from workflow import accounts, migrate
    from workflow.db import make_engine, new_session

    engine = make_engine(url)
    migrate.upgrade(engine)
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
    with engine.connect() as conn:
        refs = list(conn.execute(sa.text("SELECT reference FROM cases")).scalars())
    engine.dispose()
    return refs


def serve(url: str, port: int) -> None:
    """The server process: the real app with a fixed clock, as `ehc serve --no-scheduler`."""
    import uvicorn

    from web.app import create_app
    from web.context import WebContext
    from workflow.db import make_engine

    app = create_app(WebContext(engine=make_engine(url), clock=lambda: NOW))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"web server stopped (exit {server.returncode})")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("web server did not answer /health within 60 seconds")


def _sign_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    form = client.get("/sign-in")
    found = CSRF.search(form.text)
    assert found, "no CSRF token on the sign-in page"
    answer = client.post(
        "/sign-in",
        data={"email": EMAIL, "password": PASSWORD, "csrf_token": found.group(1), "next": "/"},
    )
    if answer.status_code != 303:
        raise SystemExit(f"bench manager could not sign in (status {answer.status_code})")
    return client


def _peak_rss(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) * 1024 if found else None


class _Load:
    """Each user's closed loop; timings and errors per page, shared under a lock."""

    def __init__(self, refs: list[str]) -> None:
        self.refs = refs
        self.lock = threading.Lock()
        self.seconds: dict[str, list[float]] = {"case_page": [], "breach_queue": []}
        self.errors: dict[str, int] = {"case_page": 0, "breach_queue": 0}
        self.statuses: dict[str, int] = {}
        self.warm = threading.Barrier(USERS + 1)  # every user has warmed up
        self.go = threading.Event()  # set once `until` is
        self.until = 0.0

    def _get(self, client: httpx.Client, page: str, path: str, measure: bool) -> None:
        started = time.perf_counter()
        try:
            status = client.get(path).status_code
        except httpx.HTTPError as e:
            status = -1
            label = type(e).__name__
        else:
            label = str(status)
        elapsed = time.perf_counter() - started
        if not measure:
            return
        with self.lock:
            self.seconds[page].append(elapsed)
            if status != 200:
                self.errors[page] += 1
                self.statuses[label] = self.statuses.get(label, 0) + 1

    def user(self, client: httpx.Client, seed: int) -> None:
        pick = random.Random(seed)
        for _ in range(WARM_UP):
            self._get(client, "case_page", f"/cases/{pick.choice(self.refs)}", False)
            self._get(client, "breach_queue", "/breaches", False)
        self.warm.wait()
        self.go.wait()
        while time.perf_counter() < self.until:
            self._get(client, "case_page", f"/cases/{pick.choice(self.refs)}", True)
            self._get(client, "breach_queue", "/breaches", True)


def run(ctx: Context) -> dict[str, Any]:
    if ctx.scale.database != "sqlite":
        raise Skipped("the web scenario runs at council scale on SQLite")
    with tempfile.TemporaryDirectory(prefix="ehc-bench-web-") as folder:
        url = _scratch_copy(ctx.url, Path(folder))
        refs = _prepare(url)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "bench.scenarios.web", url, str(port)], cwd=ROOT
        )
        try:
            _wait_until_up(base, server)
            clients = [_sign_in(base) for _ in range(USERS)]
            load = _Load(refs)
            threads = [
                threading.Thread(target=load.user, args=(c, PICK_SEED + n))
                for n, c in enumerate(clients)
            ]
            for t in threads:
                t.start()
            load.warm.wait()
            began, cpu_before = time.perf_counter(), _cpu_seconds(server.pid)
            load.until = began + DURATION
            load.go.set()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - began
            server_cpu = _cpu_seconds(server.pid) - cpu_before
            peak = _peak_rss(server.pid)
            for c in clients:
                c.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    timings = {page: summary(s) for page, s in load.seconds.items()}
    for timing in timings.values():
        timing.pop("all")
    requests = sum(len(s) for s in load.seconds.values())
    return {
        "timings": timings,
        "metrics": {
            "users": USERS,
            "seconds": elapsed,
            "requests": requests,
            "requests_per_second": requests / elapsed,
            "errors": sum(load.errors.values()),
            "errors_by_page": load.errors,
            "error_statuses": load.statuses,
            "server_peak_rss_bytes": peak,
            "server_cpu_seconds": server_cpu,
            "cases": len(refs),
        },
    }


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
