"""`ehc serve`: the web app (uvicorn) and, unless told not to, the scheduler beside it.

The app runs in several worker processes (one per CPU core, up to four, by
default): one Python process serves about 150 pages a second at council scale,
and its threads queue for the interpreter lock under load. The workers share
nothing but the database (sessions, CSRF tokens and throttling live there), so
any worker can answer any request. The scheduler runs once, in this process.
"""

from __future__ import annotations

import logging
import os
import threading

import typer

from cli.common import user_errors
from cli.context import config


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
) -> None:
    """Serve the web app at http://HOST:PORT (and run the scheduler for a single machine)."""
    import uvicorn

    from scheduler import process
    from web.app import create_app
    from web.context import WebContext

    cfg = config()
    with user_errors():
        # Here too, so a bad set-up stops before any worker starts.
        app = create_app(WebContext.from_config(cfg))
    workers = workers or default_workers()
    stop = threading.Event()
    runner = None
    if not no_scheduler:
        process.configure_logging(logging.INFO)
        runner = threading.Thread(
            target=process.run, args=(cfg,), kwargs={"stop": stop}, name="scheduler", daemon=True
        )
        runner.start()
    plural = "es" if workers > 1 else ""
    typer.echo(
        f"Serving on http://{host}:{port} with {workers} worker process{plural} (Ctrl-C stops it)"
    )
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
            access_log=False,  # URLs hold case references; keep them out of the log
        )
    finally:
        stop.set()
        if runner is not None:
            runner.join(timeout=10)


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 4))
