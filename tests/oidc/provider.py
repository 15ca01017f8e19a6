"""The real OpenID Connect provider of the tests (provider.mjs on node's oidc-provider,
pinned in package.json and installed by `npm ci`), started on a free port.

With no node or no oidc-provider the tests that need it skip with the reason, except
under CI=true, where that fails the run (as a missing Chromium does)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("provider.mjs")
CLIENT_ID = "ehc-tests"  # as provider.mjs registers it
CLIENT_SECRET = "a-test-client-secret-of-enough-length"
START_SECONDS = 30


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def need_provider() -> str:
    """node's path; skip (or, under CI, fail) when the provider cannot run."""
    node = shutil.which("node")
    reason = None
    if node is None:
        reason = "node is not installed: the OpenID provider of the tests needs it"
    elif not (ROOT / "node_modules" / "oidc-provider" / "package.json").exists():
        reason = "oidc-provider is not installed: run npm ci (make assets does)"
    if reason is not None:
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    assert node is not None
    return node


@contextmanager
def running_provider(redirect_uri: str, post_logout_uri: str) -> Iterator[str]:
    """Start provider.mjs for a client returning to `redirect_uri`; yields its issuer."""
    node = need_provider()
    port = free_port()
    process = subprocess.Popen(
        [node, str(SCRIPT), str(port), redirect_uri, post_logout_uri],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # its development-mode warnings
        text=True,
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + START_SECONDS
        line = ""
        while not line.startswith("ready "):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the OpenID provider did not start (exit {process.poll()})")
            line = process.stdout.readline()
        yield line.split()[1]
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
