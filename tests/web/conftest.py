"""Web fixtures: the app on a fresh database (SQLite and PostgreSQL), users of each role
and signed-in test clients.

Passwords are hashed with argon2id at the lowest cost here, so tests stay fast;
the hashing code is the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from tests.wiring import projections
from web.app import create_app
from web.context import WebContext
from workflow import accounts, teams, two_factor
from workflow.db import new_session
from workflow.service import record_event

Client = Callable[[str | None], TestClient]

PASSWORD = "correct horse battery"
TEAM = "North"
OFFICER_NAME = "North officer 1"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
RECOVERY_CODES: dict[str, list[str]] = {}  # the unused codes of each enrolled test user


@pytest.fixture(autouse=True)
def _cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def app(engine: Engine, clock: Callable[[], datetime]) -> Iterator[FastAPI]:
    made = create_app(WebContext(engine=engine, projections=projections(), clock=clock))
    yield made
    # A client used without its lifespan leaves the read audit's recorder running: stop it
    # before the engine goes, or a write still under way hands its connection back to a
    # disposed pool, which the garbage collector later finds open (a ResourceWarning,
    # failing whichever test is running then).
    recorder = getattr(made.state, "read_recorder", None)
    if recorder is not None:
        recorder.stop()


@dataclass(frozen=True)
class People:
    officer: str = "officer@council.example"
    other_officer: str = "south.officer@council.example"
    manager: str = "manager@council.example"
    viewer: str = "viewer@council.example"
    admin: str = "admin@council.example"


@pytest.fixture
def people(engine: Engine, clock: Callable[[], datetime]) -> People:
    p = People()
    with new_session(engine) as session:
        for team in (TEAM, "South"):  # teams are data (workflow.teams): they exist first
            teams.add_team(session=session, name=team, actor="test", clock=clock)
        for email, name, role, team in (
            (p.officer, OFFICER_NAME, "officer", TEAM),
            (p.other_officer, "South officer 1", "officer", "South"),
            (p.manager, "Mo Manager", "manager", None),
            (p.viewer, "Vi Viewer", "viewer", None),
            (p.admin, "Ad Admin", "admin", None),
        ):
            accounts.add_user(
                session=session,
                email=email,
                name=name,
                role=role,
                team=team,
                password=PASSWORD,
                actor="test",
                clock=clock,
            )
        # Managers and admins need a second factor (workflow.two_factor): enrolled here,
        # and `sign_in` passes it with one of their recovery codes (the clock is fixed,
        # so a TOTP code would work only once per test).
        RECOVERY_CODES.clear()
        for email in (p.manager, p.admin):
            enrolment = two_factor.enrol(session=session, email=email, actor="test", clock=clock)
            RECOVERY_CODES[email] = list(enrolment.recovery_codes)
    return p


def csrf_of(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


class Browser(TestClient):
    """A test client that remembers the CSRF token of the last page it read."""

    csrf: str = ""

    def page(self, url: str, **kw: object) -> str:
        response = self.get(url, **kw)  # type: ignore[arg-type]
        assert response.status_code == 200, (url, response.status_code, response.text[:500])
        found = CSRF_FIELD.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response.text

    def submit(self, url: str, data: dict[str, str], **kw: object):  # type: ignore[no-untyped-def]
        return self.post(url, data={"csrf_token": self.csrf, **data}, **kw)  # type: ignore[arg-type]


def sign_in(client: Browser, email: str, password: str = PASSWORD) -> Browser:
    client.page("/sign-in")
    response = client.submit(
        "/sign-in", {"email": email, "password": password}, follow_redirects=False
    )
    assert response.status_code == 303, response.text[:500]
    if response.headers["location"].startswith("/sign-in/two-factor"):
        client.page(response.headers["location"])
        code = RECOVERY_CODES[email].pop()
        response = client.submit(
            "/sign-in/two-factor", {"recovery_code": code}, follow_redirects=False
        )
        assert response.status_code == 303, response.text[:500]
    return client


@pytest.fixture
def browser(app: FastAPI) -> Iterator[Callable[[str | None], Browser]]:
    """Make clients: `browser(email)` signed in as that user, `browser(None)` anonymous."""
    made: list[Browser] = []

    def make(email: str | None) -> Browser:
        client = Browser(app, base_url="http://testserver")
        client.__enter__()
        made.append(client)
        return sign_in(client, email) if email else client

    yield make
    for client in made:
        client.__exit__(None, None, None)


@pytest.fixture
def open_case(session: Session, clock: Callable[[], datetime], people: People) -> str:
    """A North-team case of the officer, with a request and a decision to assess."""
    ref = "WEB001"
    record_event(
        projections=projections(),
        session=session,
        case_ref=ref,
        event={"type": "request_received", "date": "2026-09-01", "source": "parent"},
        actor="test",
        clock=clock,
        case_fields={"team": TEAM, "officer": OFFICER_NAME},
    )
    record_event(
        projections=projections(),
        session=session,
        case_ref=ref,
        event={"type": "decision_to_assess", "date": "2026-10-05"},
        actor="test",
        clock=clock,
    )
    return ref


@pytest.fixture
def api(
    app: FastAPI, engine: Engine, people: People, clock: Callable[[], datetime]
) -> Iterator[Client]:
    """`api(email)`: a client sending that user's API token; `api(None)` sends none."""
    made: list[TestClient] = []

    def make(email: str | None) -> TestClient:
        headers = {}
        if email is not None:
            with new_session(engine) as session:
                token = accounts.issue_token(
                    session=session, email=email, actor="test", clock=clock
                )
            headers["Authorization"] = f"Bearer {token}"
        client = TestClient(app, headers=headers)
        client.__enter__()
        made.append(client)
        return client

    yield make
    for client in made:
        client.__exit__(None, None, None)


@pytest.fixture
def south_case(session: Session, clock: Callable[[], datetime], people: People) -> str:
    record_event(
        projections=projections(),
        session=session,
        case_ref="SOUTH01",
        event={"type": "request_received", "date": "2026-10-01", "source": "school"},
        actor="test",
        clock=clock,
        case_fields={"team": "South", "officer": "South officer 1"},
    )
    return "SOUTH01"
