"""`ehc serve`: the web app (uvicorn) and, unless told not to, the scheduler beside it."""

from __future__ import annotations

import logging
import threading

import typer

from workflow.cli.common import user_errors
from workflow.config import database_url


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on"),
    port: int = typer.Option(8000, "--port", help="Port to listen on"),
    no_scheduler: bool = typer.Option(
        False, "--no-scheduler", help="Do not run the scheduler in this process"
    ),
    proxy: bool = typer.Option(
        False,
        "--behind-proxy",
        help="Trust X-Forwarded-Proto from the proxy (HTTPS ends there; cookies become Secure)",
    ),
) -> None:
    """Serve the web app at http://HOST:PORT (and run the scheduler for a single machine)."""
    import uvicorn

    from scheduler import process
    from web.app import create_app

    with user_errors():
        app = create_app()
    stop = threading.Event()
    runner = None
    if not no_scheduler:
        process.configure_logging(logging.INFO)
        url = database_url()
        runner = threading.Thread(
            target=process.run, args=(url,), kwargs={"stop": stop}, name="scheduler", daemon=True
        )
        runner.start()
    typer.echo(f"Serving on http://{host}:{port} (Ctrl-C stops it)")
    try:
        uvicorn.run(
            app,
            host=host,
            port=port,
            proxy_headers=proxy,
            forwarded_allow_ips="*" if proxy else None,
            log_level="info",
            access_log=False,  # URLs hold case references; keep them out of the log
        )
    finally:
        stop.set()
        if runner is not None:
            runner.join(timeout=10)
