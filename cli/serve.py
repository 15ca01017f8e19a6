"""`ehc serve`: the web app (uvicorn) and, unless told not to, the scheduler beside it.

The app runs in several worker processes (one per CPU core, up to four, by
default): one Python process serves about 150 pages a second at council scale,
and its threads queue for the interpreter lock under load. The workers share
nothing but the database (sessions, CSRF tokens and throttling live there), so
any worker can answer any request. The scheduler runs once, in this process.
"""

from __future__ import annotations

import os
import socket
import threading
import time

import typer

from cli.common import user_errors
from cli.context import config, database_url
from workflow.logs import configure_logging, logging_config


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on"),
    port: int = typer.Option(8000, "--port", help="Port to listen on"),
    no_scheduler: bool = typer.Option(
        False, "--no-scheduler", help="Do not run the scheduler in this process"
    ),
    proxy: bool = typer.Option(
        False,
        "--behind-proxy",
        help="Trust X-Forwarded-Proto and X-Forwarded-For from the proxy (HTTPS ends there; "
        "cookies become Secure), only from the addresses in EHC_FORWARDED_ALLOW_IPS "
        "[default: 127.0.0.1]",
    ),
    workers: int | None = typer.Option(
        None,
        "--workers",
        min=1,
        max=64,
        help="Web worker processes [default: one per CPU core, at most 4]",
        show_default=False,
    ),
    demo_users: bool = typer.Option(
        False,
        "--demo-users",
        help="Reset the demo users' passwords (and the manager's and admin's second factor) "
        "and print their sign-ins once the server is up (`make run`)",
    ),
) -> None:
    """Serve the web app at http://HOST:PORT (and run the scheduler for a single machine)."""
    import uvicorn

    from scheduler import process
    from web.app import create_app
    from web.context import WebContext

    cfg = config()
    url = database_url(cfg)  # none configured and no ehc.db here: exit 2, create nothing
    with user_errors():
        # Here too, so a bad set-up stops before any worker starts.
        app = create_app(WebContext.from_config(cfg))
    workers = workers or default_workers()
    stop = threading.Event()
    runner = None
    if not no_scheduler:
        configure_logging(cfg.log_format)
        runner = threading.Thread(
            target=process.run, args=(cfg,), kwargs={"stop": stop}, name="scheduler", daemon=True
        )
        runner.start()
    plural = "es" if workers > 1 else ""
    typer.echo(
        f"Serving on http://{host}:{port} with {workers} worker process{plural} (Ctrl-C stops it)"
    )
    if demo_users:
        # Printed last, once the server answers, so the scheduler's start-up log and
        # uvicorn's lines do not scroll the sign-ins away.
        near = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # an address to connect to
        from cli.demo import demo_sign_ins  # the service, only for --demo-users

        banner = demo_sign_ins(cfg) + "\n\n" + _open_hint(near, port, url)
        threading.Thread(
            target=_print_when_listening, args=(near, port, banner), daemon=True
        ).start()
    try:
        uvicorn.run(
            # Several workers each build the app from the configuration, as create_app() does.
            "web.app:create_app" if workers > 1 else app,
            factory=workers > 1,
            workers=workers,
            host=host,
            port=port,
            proxy_headers=proxy,
            # Only these proxies may say who the client is: anyone else could forge it and
            # escape the per-client sign-in limit. A forwarded value that is not an IP
            # address is counted as one unknown client (`accounts.client_address`).
            forwarded_allow_ips=cfg.forwarded_allow_ips if proxy else None,
            log_level="info",
            log_config=logging_config(cfg.log_format),  # JSON lines, with request ids
            access_log=False,  # URLs hold case references; keep them out of the log
        )
    finally:
        stop.set()
        if runner is not None:
            runner.join(timeout=10)


def _open_hint(host: str, port: int, url: str) -> str:
    from sqlalchemy.engine import make_url

    shown = make_url(url).render_as_string(hide_password=True)
    return (
        f"Open http://{host}:{port} and sign in with one of the users above.\n"
        f"Database: {shown}. The CLI works beside it, e.g. ehc breaches (Ctrl-C stops the server)"
    )


def _print_when_listening(host: str, port: int, text: str, timeout: float = 60) -> None:
    """Print `text` once HOST:PORT accepts a connection (and a moment for the start-up
    log lines written at the same time); nothing if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1):
                break
        except OSError:
            time.sleep(0.2)
    else:
        return
    time.sleep(1)
    typer.echo("\n" + text + "\n")


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 4))
