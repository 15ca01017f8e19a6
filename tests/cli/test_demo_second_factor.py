"""`make run`'s promise (issue 22): a newcomer can sign in as each demo user. `ehc users
demo` enrols the demo manager and admin in two-factor sign-in and prints, beside their
passwords, an authenticator app key and a recovery code; both pass the real check."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pyotp

from tests.web.conftest import Browser
from tests.wiring import projections
from web.app import create_app
from web.context import WebContext
from workflow.db import make_engine

EHC = str(Path(sys.executable).parent / "ehc")
LINE = re.compile(r"^\s+(\w+)\s+(\S+@demo\.example)\s+(\S+)$")


def _ehc(*args: str, cwd: Path, url: str) -> str:
    env = {**os.environ, "EHC_DATABASE_URL": url}
    done = subprocess.run(
        [EHC, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _sign_in(client: Browser, email: str, password: str) -> str:
    client.page("/sign-in")
    response = client.submit(
        "/sign-in", {"email": email, "password": password}, follow_redirects=False
    )
    assert response.status_code == 303
    return str(response.headers["location"])


def test_each_demo_user_can_sign_in_with_what_is_printed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ehc.db'}"
    _ehc("db", "upgrade", cwd=tmp_path, url=url)
    printed = _ehc("users", "demo", cwd=tmp_path, url=url).splitlines()
    users = {m.group(1): (m.group(2), m.group(3)) for m in map(LINE.match, printed) if m}
    assert set(users) == {"officer", "manager", "viewer", "admin"}
    keys = [line.split("app key", 1)[1].replace(" ", "") for line in printed if "app key" in line]
    recovery = [line.split()[-1] for line in printed if "recovery code" in line]
    assert len(keys) == len(recovery) == 2  # the manager's and the admin's, in that order
    engine = make_engine(url)
    app = create_app(WebContext(engine=engine, projections=projections()))  # the real clock
    try:
        for role in ("officer", "viewer"):
            with Browser(app, base_url="http://testserver") as client:
                assert not _sign_in(client, *users[role]).startswith("/sign-in")
        for role, key, code in zip(("manager", "admin"), keys, recovery, strict=True):
            with Browser(app, base_url="http://testserver") as client:
                assert _sign_in(client, *users[role]) == "/sign-in/two-factor"
                client.page("/sign-in/two-factor")
                done = client.submit(
                    "/sign-in/two-factor", {"code": pyotp.TOTP(key).now()}, follow_redirects=False
                )
                assert done.status_code == 303, done.text[:300]
            with Browser(app, base_url="http://testserver") as client:
                _sign_in(client, *users[role])
                client.page("/sign-in/two-factor")
                done = client.submit(
                    "/sign-in/two-factor", {"recovery_code": code}, follow_redirects=False
                )
                assert done.status_code == 303, done.text[:300]
    finally:
        engine.dispose()
