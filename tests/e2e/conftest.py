"""Browser tests: the real app served by uvicorn, driven by Playwright in headless Chromium.

One server per engine, as on the rest of the suite: each test that uses it runs
once on SQLite ([sqlite]) and once on PostgreSQL ([postgres]), each on a fresh
migrated database loaded with the same demo cohort and one user of each role, on
the fixed clock (20 November 2026). The PostgreSQL database (ehc_e2e_*) is made on
the server of EHC_TEST_POSTGRES_URL and dropped at the end; with no server those
runs skip with the reason, except under CI=true, where they fail.
One browser per session and a new browser context per test.

Chromium is Debian's (`.ci/run` installs it); Playwright's own browser download
is not used. With no Chromium the tests skip with the reason, except under
CI=true, where a missing browser fails the run.

Screenshots of every step go to EHC_SCREENSHOTS (default
test-artifacts/screenshots, which git ignores), named after the test's id, so
the engine is in the name (test_x-sqlite-01-step.png, test_x-postgres-01-step.png).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from argon2 import PasswordHasher
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlmodel import Session

from letters import service as letter_service
from scheduler.scorecard.compute import compute_scorecard
from scheduler.scorecard.months import Month
from scheduler.scorecard.publications import publish
from tests.conftest import IN_CI, NOW, POSTGRES_URL, TODAY, postgres_admin
from tests.wiring import projections
from web.app import create_app
from web.context import WebContext
from workflow import accounts, demo, migrate, two_factor
from workflow.db import make_engine, new_session
from workflow.law.deadlines import Settings
from workflow.service import correct_event, import_events, record_event, update_case

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("EHC_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# The machine's network is closed: Chromium's background fetches would only fail and slow it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("EHC_SCREENSHOTS", ROOT / "test-artifacts" / "screenshots"))
PASSWORD = "correct horse battery"
COHORT_SIZE = 300
TEAM = "North"
OFFICER_NAME = demo.OFFICERS[TEAM][0]
# A North case of the officer's with a request and a decision to assess, for tests that
# need a known open case (the cohort's cases are whatever the generator makes).
OPEN_CASE = "E2E-OPEN-1"
# Decided on time in September 2026; that month is published, then the decision is
# corrected to a later day (late): the scorecard shows the figure revised.
REVISED_CASE = "E2E-CORR-1"
PUBLISHED_MONTH = Month(2026, 9)
# A case whose decision letter was downloaded, then withdrawn by a correction of the
# decision's date: its page has the Corrections section and offers a correction letter.
CORRECTED_CASE = "E2E-CORRECTED-1"
FAMILY = {
    "child_name": "Robin Example",
    "date_of_birth": "2016-05-04",
    "parent_name": "Sam Example",
    "parent_address": "1 Test Street\nExampletown\nEX1 1AA",
}


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    role: str
    team: str | None = None


RECOVERY_CODES: dict[str, list[str]] = {}  # the unused codes of each enrolled person

PEOPLE = {
    "officer": Person("officer@council.example", OFFICER_NAME, "officer", TEAM),
    "manager": Person("manager@council.example", "Mo Manager", "manager"),
    "viewer": Person("viewer@council.example", "Vi Viewer", "viewer"),
    "admin": Person("admin@council.example", "Ad Admin", "admin"),
}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep the call's report on the test, so `visit` can screenshot a failure."""
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report


def _clock() -> datetime:
    return NOW


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


def _load_demo(engine: Engine) -> None:
    """The same data on either engine: the cohort, the known open case and the users."""
    with new_session(engine) as session:
        # The cohort's teams and officers are the council's (the test officer is one).
        demo.add_demo_staff(session=session, clock=_clock, first_officer=PEOPLE["officer"].email)
        lines = (json.dumps(x) for x in demo.generate(COHORT_SIZE, end=TODAY, seed=7))
        import_events(
            projections=projections(),
            session=session,
            lines=lines,
            actor="e2e",
            clock=_clock,
        )
        session.commit()
        opening = {"team": TEAM, "officer": OFFICER_NAME}
        for event, fields in (
            ({"type": "request_received", "date": "2026-09-01", "source": "parent"}, opening),
            ({"type": "decision_to_assess", "date": "2026-10-05"}, None),
        ):
            record_event(
                projections=projections(),
                session=session,
                case_ref=OPEN_CASE,
                event=event,
                actor="e2e",
                clock=_clock,
                case_fields=fields,
            )
        _publish_then_correct(session)
        _load_corrected_case(session)
        for person in PEOPLE.values():
            if accounts.find_user(session, person.email) is not None:  # the demo officer
                accounts.update_user(
                    session=session, email=person.email, password=PASSWORD, actor="e2e",
                    clock=_clock,
                )  # fmt: skip
                continue
            accounts.add_user(
                session=session,
                email=person.email,
                name=person.name,
                role=person.role,
                team=person.team,
                password=PASSWORD,
                actor="e2e",
                clock=_clock,
            )
        # Managers and admins need a second factor: `sign_in` gives a recovery code (the
        # server's clock is fixed, so each TOTP code would work once in the whole run).
        for person in PEOPLE.values():
            if person.role in accounts.SECOND_FACTOR_ROLES:
                enrolment = two_factor.enrol(
                    session=session, email=person.email, actor="e2e", clock=_clock
                )
                RECOVERY_CODES[person.email] = list(enrolment.recovery_codes)


def _publish_then_correct(session: Any) -> None:
    for event in (
        {"type": "request_received", "date": "2026-08-03", "source": "parent"},
        {"type": "decision_to_assess", "date": "2026-09-07"},
    ):
        record_event(
            projections=projections(),
            session=session,
            case_ref=REVISED_CASE,
            event=event,
            actor="e2e",
            clock=_clock,
            case_fields={"team": TEAM, "officer": OFFICER_NAME},
        )
    card = compute_scorecard(
        session, first=PUBLISHED_MONTH, last=PUBLISHED_MONTH, settings=Settings()
    )
    at = NOW - timedelta(days=40)
    publish(session, card, month=PUBLISHED_MONTH, as_of=at.date(), at=at, by="monthly KPI export")
    session.commit()
    correct_event(
        session=session,
        case_ref=REVISED_CASE,
        sequence=2,
        date="2026-09-21",
        reason="The decision letter was sent on 21 September, not 7 September",
        actor="mo.manager@example.gov.uk",
        clock=_clock,
        projections=projections(),
    )


def _load_corrected_case(session: Session) -> None:
    common: dict[str, Any] = {"projections": projections(), "session": session, "clock": _clock}
    update_case(case_ref=CORRECTED_CASE, details=FAMILY, actor="e2e", **common)
    for event, fields in (
        ({"type": "request_received", "date": "2026-09-01", "source": "parent"}, {"team": TEAM}),
        ({"type": "decision_to_assess", "date": "2026-10-06"}, None),
    ):
        record_event(
            case_ref=CORRECTED_CASE, event=event, actor="e2e", case_fields=fields, **common
        )
    decision = letter_service.list_letters(session=session, case_ref=CORRECTED_CASE)[-1]
    assert decision.id is not None and decision.type == "decision_to_assess"
    letter_service.record_download(
        session=session, letter_id=decision.id, actor="e2e", how="web", clock=_clock
    )
    correct_event(
        case_ref=CORRECTED_CASE,
        sequence=2,
        date="2026-10-05",
        reason="The panel met on the 5th",
        actor=PEOPLE["officer"].email,
        **common,
    )


@contextmanager
def _postgres_database() -> Iterator[str]:
    """A fresh, empty database on the test PostgreSQL server, dropped on leaving."""
    admin = postgres_admin()
    name = f"ehc_e2e_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _serve(url: str) -> Iterator[str]:
    """Migrate the empty database at `url`, load the demo data and serve the app on
    127.0.0.1 at a free port; yields its base URL."""
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        with pytest.MonkeyPatch.context() as patch:
            # The lowest argon2id cost keeps sign-ins fast; the hashing code is the same.
            patch.setattr(
                accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
            )
            _load_demo(engine)
            app = create_app(WebContext(engine=engine, projections=projections(), clock=_clock))
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
            config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
            server = uvicorn.Server(config)
            thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
            thread.start()
            try:
                deadline = time.monotonic() + 20
                while not server.started:
                    if not thread.is_alive() or time.monotonic() > deadline:
                        raise RuntimeError("the test server did not start")
                    time.sleep(0.02)
                yield f"http://127.0.0.1:{port}"
            finally:
                server.should_exit = True
                thread.join(timeout=10)
                sock.close()
    finally:
        engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def live_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The app on a fresh database of each engine in turn: every test that uses the
    server runs once on SQLite and once on PostgreSQL. Yields the base URL."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("e2e") / "e2e.db"
        yield from _serve(f"sqlite:///{path}")
    else:
        with _postgres_database() as url:
            yield from _serve(url)


@pytest.fixture(scope="session")
def chromium(chromium_path: str) -> Iterator[Browser]:
    for old in SCREENSHOTS.glob("*.png"):  # this run's screenshots only
        old.unlink()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def signed_in_state(
    chromium: Browser, live_server: str
) -> Iterator[Callable[[str], dict[str, Any]]]:
    """The cookies of a signed-in session per role, made once per engine (it follows
    live_server's parameter) and shared by the tests that do not test signing in."""
    states: dict[str, dict[str, Any]] = {}

    def state(role: str) -> dict[str, Any]:
        if role not in states:
            context = chromium.new_context(base_url=live_server)
            page = context.new_page()
            sign_in(page, role)
            states[role] = dict(context.storage_state())
            context.close()
        return states[role]

    yield state


def sign_in(page: Page, role: str) -> None:
    person = PEOPLE[role]
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/sign-in/two-factor" in page.url:
        page.get_by_text("I cannot use my authenticator app").click()
        page.get_by_label("Recovery code").fill(RECOVERY_CODES[person.email].pop())
        page.get_by_role("button", name="Use recovery code").click()
        page.wait_for_load_state()
    assert "/sign-in" not in page.url, f"{role} could not sign in: {page.url}"


@dataclass
class Visit:
    """A browser context for one test: pages, screenshots and what the console said."""

    context: BrowserContext
    name: str
    console: list[str] = field(default_factory=list)
    shots: int = 0

    def page(self) -> Page:
        page = self.context.new_page()
        page.on("console", self._heard)
        page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        return page

    def _heard(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.console.append(f"{message.type}: {message.text}")

    def shot(self, page: Page, step: str) -> Path:
        """A full-page screenshot, numbered in the order of the test's steps."""
        self.shots += 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.name}-{self.shots:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def csp_violations(self) -> list[str]:
        return [m for m in self.console if "Content Security Policy" in m]


@pytest.fixture
def visit(
    request: pytest.FixtureRequest,
    chromium: Browser,
    live_server: str,
    signed_in_state: Callable[[str], dict[str, Any]],
) -> Iterator[Callable[..., Visit]]:
    """Open a browser context: `visit()` anonymous, `visit("manager")` signed in as that
    role; `bypass_csp=True` only for injecting axe-core. A CSP violation on any page
    of a context that enforces the CSP fails the test."""
    made: list[tuple[Visit, bool]] = []
    test_name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")

    def make(role: str | None = None, bypass_csp: bool = False) -> Visit:
        context = chromium.new_context(
            base_url=live_server,
            viewport={"width": 1280, "height": 900},
            bypass_csp=bypass_csp,
            storage_state=signed_in_state(role) if role else None,  # type: ignore[arg-type]
            accept_downloads=True,
        )
        context.set_default_timeout(10_000)  # a missing element fails in seconds, not 30
        v = Visit(context, test_name if not made else f"{test_name}-{len(made) + 1}")
        made.append((v, bypass_csp))
        return v

    yield make
    report = getattr(request.node, "rep_call", None)
    for v, _ in made:
        if report is not None and report.failed:
            for page in v.context.pages:
                v.shot(page, "failed")
        v.context.close()
    for v, bypass in made:
        if not bypass:
            assert not v.csp_violations(), v.csp_violations()
