"""The JSON API: every endpoint authorised, forbidden, refused without a token,
validation errors with field messages, conflicts; the breach queue and the
scorecard equal to what the CLI prints for the same database.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from cli import kpi as kpi_cli
from cli.app import app as cli_app
from tests.web.conftest import OFFICER_NAME, TEAM, Browser, Client, People
from tests.workflow.factories import import_all
from workflow import accounts
from workflow.db import new_session
from workflow.demo import generate
from workflow.models import Case

COHORT_END = date(2026, 11, 1)


def test_the_openapi_document_describes_every_endpoint_and_the_bearer_scheme(
    api: Client, people: People
) -> None:
    assert api(None).get("/openapi.json").status_code == 401
    doc = api(people.viewer).get("/openapi.json").json()
    assert set(doc["paths"]) == {
        "/api/cases",
        "/api/cases/{ref}",
        "/api/cases/{ref}/deadlines",
        "/api/cases/{ref}/events",
        "/api/cases/{ref}/events/{sequence}/void",
        "/api/cases/{ref}/events/{sequence}/correct",
        "/api/breaches",
        "/api/kpi",
    }
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token: `ehc users token EMAIL` prints one",
    }
    post = doc["paths"]["/api/cases/{ref}/events"]["post"]
    assert {"201", "401", "403", "404", "409", "422"} <= set(post["responses"])
    assert post["security"] == [{"bearerAuth": []}]


# -- reading cases ----------------------------------------------------------------------


def test_an_officer_lists_and_reads_their_teams_cases(
    api: Client, people: People, open_case: str, south_case: str
) -> None:
    client = api(people.officer)
    listed = client.get("/api/cases")
    assert listed.status_code == 200
    body = listed.json()
    assert [c["reference"] for c in body["items"]] == [open_case]
    assert body["total"] == 1 and body["pages"] == 1
    assert "child_name" not in body["items"][0]
    # Asking for another team shows nothing, not that team's cases.
    assert client.get("/api/cases", params={"team": "South"}).json()["items"] == []

    case = client.get(f"/api/cases/{open_case}").json()
    assert case["case"]["reference"] == open_case
    assert case["case"]["team"] == TEAM and case["case"]["version"] == 2
    assert case["as_of"] == "2026-11-20"
    assert [e["type"] for e in case["events"]] == ["request_received", "decision_to_assess"]
    assert case["events"][0]["fields"] == {"source": "parent"}
    assert case["events"][0]["recorded_by"] == "test"
    assert {"decision_to_assess", "final_plan"} <= {d["kind"] for d in case["deadlines"]}

    deadlines = client.get(f"/api/cases/{open_case}/deadlines", params={"as_of": "2026-09-10"})
    assert deadlines.status_code == 200
    assert deadlines.json()["as_of"] == "2026-09-10"
    statuses = {d["kind"]: d["status"] for d in deadlines.json()["deadlines"]}
    assert statuses["decision_to_assess"] == "pending"

    events = client.get(f"/api/cases/{open_case}/events").json()
    assert events["case"] == open_case and len(events["events"]) == 2


def test_a_manager_sees_every_team(
    api: Client, people: People, open_case: str, south_case: str
) -> None:
    client = api(people.manager)
    assert {c["reference"] for c in client.get("/api/cases").json()["items"]} == {
        open_case,
        south_case,
    }
    south = client.get("/api/cases", params={"team": "South"}).json()["items"]
    assert [c["reference"] for c in south] == [south_case]
    assert client.get(f"/api/cases/{south_case}").status_code == 200


@pytest.mark.parametrize("path", ["", "/deadlines", "/events"])
def test_another_teams_case_is_not_found_for_an_officer(
    api: Client, people: People, south_case: str, path: str
) -> None:
    response = api(people.officer).get(f"/api/cases/{south_case}{path}")
    assert response.status_code == 404
    assert response.json() == {"detail": f"There is no case {south_case}", "errors": []}
    assert api(people.officer).get(f"/api/cases/NOSUCH{path}").json() == {
        "detail": "There is no case NOSUCH",
        "errors": [],
    }


@pytest.mark.parametrize("role", ["viewer", "admin"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/cases"),
        ("GET", "/api/cases/WEB001"),
        ("GET", "/api/cases/WEB001/deadlines"),
        ("GET", "/api/cases/WEB001/events"),
        ("POST", "/api/cases/WEB001/events"),
    ],
)
def test_viewers_and_admins_cannot_touch_cases(
    api: Client, people: People, open_case: str, role: str, method: str, path: str
) -> None:
    body = {"type": "advice_requested", "date": "2026-10-06", "advice": "health"}
    response = api(getattr(people, role)).request(method, path, json=body)
    assert response.status_code == 403
    assert response.json()["detail"] == "You do not have access to this page"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/cases"),
        ("GET", "/api/cases/WEB001"),
        ("GET", "/api/cases/WEB001/deadlines"),
        ("GET", "/api/cases/WEB001/events"),
        ("POST", "/api/cases/WEB001/events"),
        ("GET", "/api/breaches"),
        ("GET", "/api/kpi?from=2026-01"),
    ],
)
def test_no_token_or_a_bad_one_is_refused(
    app: FastAPI, open_case: str, method: str, path: str
) -> None:
    with TestClient(app) as client:
        for headers in ({}, {"Authorization": "Bearer ehc_wrong"}, {"Authorization": "Basic x"}):
            response = client.request(method, path, headers=headers, json={})
            assert response.status_code == 401, headers
            assert response.headers["www-authenticate"] == "Bearer"


def test_a_revoked_users_token_stops_working(
    api: Client, people: People, session: Session, clock: Any
) -> None:
    client = api(people.officer)
    assert client.get("/api/cases").status_code == 200
    accounts.update_user(
        session=session, email=people.officer, active=False, actor="test", clock=clock
    )
    assert client.get("/api/cases").status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": "0"}, "page"),
        ({"page": "many"}, "page"),
        ({"q": "x" * 101}, "q"),
    ],
)
def test_bad_list_parameters_name_the_field(
    api: Client, people: People, params: dict[str, str], field: str
) -> None:
    response = api(people.manager).get("/api/cases", params=params)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "The request is not valid"
    assert [e["field"] for e in body["errors"]] == [field]


def test_a_bad_as_of_names_the_field(api: Client, people: People, open_case: str) -> None:
    response = api(people.officer).get(f"/api/cases/{open_case}", params={"as_of": "2026-02-30"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["as_of"]


# -- recording events -------------------------------------------------------------------


def test_an_officer_records_an_event_with_the_version_they_read(
    api: Client, people: People, open_case: str
) -> None:
    client = api(people.officer)
    body = {
        "type": "advice_requested",
        "date": "2026-10-06",
        "advice": "health",
        "note": "asked the CCG",
        "expected_version": 2,
    }
    response = client.post(f"/api/cases/{open_case}/events", json=body)
    assert response.status_code == 201, response.text
    out = response.json()
    assert out["case"]["version"] == 3 and out["case"]["state"] == "assessing"
    assert out["event"]["type"] == "advice_requested"
    assert out["event"]["fields"] == {"advice": "health"}
    assert out["event"]["note"] == "asked the CCG"
    assert out["event"]["recorded_by"] == people.officer
    advice = [d for d in out["deadlines"] if d["kind"] == "advice"]
    assert advice == [
        {
            "kind": "advice",
            "advice": "health",
            "ref": None,
            "regulation": advice[0]["regulation"],
            "party": advice[0]["party"],
            "starts": "2026-10-06",
            "due": "2026-11-17",
            "met_on": None,
            "status": "overdue",
            "exception": None,
            "breach": True,
            "days_late": 3,
        }
    ]
    # If-Match works as well as expected_version.
    again = {"type": "advice_received", "date": "2026-11-02", "advice": "health"}
    response = client.post(
        f"/api/cases/{open_case}/events", json=again, headers={"If-Match": '"3"'}
    )
    assert response.status_code == 201, response.text
    assert response.json()["case"]["version"] == 4


def test_a_stale_version_is_a_conflict_and_nothing_is_saved(
    api: Client, people: People, open_case: str
) -> None:
    client = api(people.officer)
    body = {"type": "advice_requested", "date": "2026-10-06", "advice": "health"}
    for stale in ({"expected_version": 1}, {}):
        headers = {} if stale else {"If-Match": "1"}
        response = client.post(f"/api/cases/{open_case}/events", json=body | stale, headers=headers)
        assert response.status_code == 409
        assert "was changed by someone else" in response.json()["detail"]
    assert client.get(f"/api/cases/{open_case}").json()["case"]["version"] == 2


def test_an_event_the_case_cannot_take_is_a_conflict(
    api: Client, people: People, open_case: str
) -> None:
    body = {"type": "request_received", "date": "2026-10-06", "source": "parent"}
    response = api(people.officer).post(f"/api/cases/{open_case}/events", json=body)
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert detail.startswith(
        f"Case {open_case} is being assessed, so it cannot take "
        "\u201cRequest for an assessment received\u201d on 6 October 2026. It can take instead: "
    )
    assert "\u201cDraft plan issued\u201d" in detail and "_" not in detail


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"type": "advice_requested", "date": "2026-10-06"}, "advice", "enter the advice"),
        (
            {"type": "advice_requested", "date": "2026-10-06", "advice": "tea"},
            "advice",
            "advice must be one of",
        ),
        (
            {"type": "advice_requested", "date": "2026-10-06", "advice": "health", "colour": 1},
            "colour",
            "unknown field colour",
        ),
        ({"type": "decision_to_assess", "date": "2026-12-25"}, "date", "in the future"),
        ({"type": "decision_to_assess", "date": "2026-02-30"}, "date", "not a real date"),
        ({"type": "tea_break", "date": "2026-10-06"}, "type", "Input should be"),
        ({"type": "decision_to_assess", "date": "6 Oct"}, "date", "should match"),
        ({"date": "2026-10-06"}, "type", "Field required"),
        (
            {"type": "decision_to_assess", "date": "2026-10-06", "expected_version": -1},
            "expected_version",
            "greater than or equal to 0",
        ),
    ],
)
def test_invalid_events_are_refused_with_field_messages(
    api: Client, people: People, open_case: str, body: dict[str, Any], field: str, words: str
) -> None:
    response = api(people.officer).post(f"/api/cases/{open_case}/events", json=body)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert words in errors[0]["message"]


def test_a_bad_if_match_header_is_refused(api: Client, people: People, open_case: str) -> None:
    client = api(people.officer)
    body = {"type": "advice_requested", "date": "2026-10-06", "advice": "health"}
    response = client.post(f"/api/cases/{open_case}/events", json=body, headers={"If-Match": "x"})
    assert response.status_code == 422
    assert "If-Match" in response.json()["detail"]
    response = client.post(
        f"/api/cases/{open_case}/events",
        json=body | {"expected_version": 2},
        headers={"If-Match": "1"},
    )
    assert response.status_code == 422
    assert "disagree" in response.json()["detail"]


def test_a_first_event_opens_a_case_in_the_officers_own_team(api: Client, people: People) -> None:
    client = api(people.officer)
    body = {"type": "request_received", "date": "2026-11-02", "source": "school"}
    response = client.post("/api/cases/NEW001/events", json=body)
    assert response.status_code == 201, response.text
    case = response.json()["case"]
    assert (case["team"], case["officer"], case["version"]) == (TEAM, OFFICER_NAME, 1)
    # Opening it again: it exists now, so the first event is not allowed.
    assert client.post("/api/cases/NEW001/events", json=body).status_code == 409
    # Team and officer are set only when a case opens.
    step = {"type": "decision_to_assess", "date": "2026-11-03", "team": "North"}
    response = client.post("/api/cases/NEW001/events", json=step)
    assert response.status_code == 422
    assert "a manager reassigns it" in response.json()["detail"]
    # An officer cannot open a case in another team.
    response = client.post("/api/cases/NEW002/events", json=body | {"team": "South"})
    assert response.status_code == 422
    assert "your own team only" in response.json()["errors"][0]["message"]
    # A case that does not exist takes only a first event.
    later = {"type": "decision_to_assess", "date": "2026-11-03"}
    assert client.post("/api/cases/NEW003/events", json=later).status_code == 404
    assert client.get("/api/cases/NEW003").status_code == 404


def test_a_manager_opens_a_case_for_any_team(api: Client, people: People) -> None:
    body = {
        "type": "plan_transferred_in",
        "date": "2026-11-02",
        "last_reviewed": "2026-03-01",
        "team": "South",
        "officer": "South officer 1",
    }
    response = api(people.manager).post("/api/cases/MOVED1/events", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["case"]["team"] == "South"
    assert api(people.officer).get("/api/cases/MOVED1").status_code == 404
    assert api(people.other_officer).get("/api/cases/MOVED1").status_code == 200


def test_an_officer_cannot_record_on_another_teams_case(
    api: Client, people: People, south_case: str
) -> None:
    body = {"type": "request_received", "date": "2026-10-06", "source": "parent"}
    response = api(people.officer).post(f"/api/cases/{south_case}/events", json=body)
    # Opening it is refused without saying whose it is (issue 17 item 12).
    assert response.status_code == 409
    assert "You cannot use the reference" in response.json()["detail"]
    step = {"type": "decision_to_assess", "date": "2026-10-06"}
    assert api(people.officer).post(f"/api/cases/{south_case}/events", json=step).status_code == 404
    assert api(people.manager).get(f"/api/cases/{south_case}").json()["case"]["version"] == 1


def test_a_session_cookie_must_send_the_csrf_header_to_write(
    browser: Callable[[str | None], Browser], people: People, open_case: str
) -> None:
    client = browser(people.officer)
    body = {"type": "advice_requested", "date": "2026-10-06", "advice": "health"}
    assert client.get("/api/cases").status_code == 200  # reads need no header
    response = client.post(f"/api/cases/{open_case}/events", json=body)
    assert response.status_code == 403
    assert response.json()["detail"] == "Send the X-CSRF-Token header"
    response = client.post(
        f"/api/cases/{open_case}/events", json=body, headers={"X-CSRF-Token": "forged"}
    )
    assert response.status_code == 403
    client.page("/")  # remembers the session's CSRF token
    response = client.post(
        f"/api/cases/{open_case}/events", json=body, headers={"X-CSRF-Token": client.csrf}
    )
    assert response.status_code == 201, response.text


# -- breaches and KPIs: the CLI's JSON --------------------------------------------------


@pytest.fixture
def cohort(session: Session, clock: Callable[[], datetime]) -> dict[str, str]:
    """A synthetic cohort; answers the team and officer of its first case."""
    lines = list(generate(80, end=COHORT_END, years=2, seed=11))
    import_all(
        session=session, lines=[json.dumps(line) for line in lines], clock=clock, actor="test"
    )
    return {"TEAM": lines[0]["team"], "OFFICER": lines[0]["officer"]}


def _cli(monkeypatch: pytest.MonkeyPatch, db_url: str, *args: str) -> Any:
    monkeypatch.setenv("EHC_DATABASE_URL", db_url)
    result = CliRunner().invoke(cli_app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"as_of": "2026-06-15", "team": "TEAM"},
        {"as_of": "2026-11-01", "kind": "final_plan", "due_within": "30"},
        {"as_of": "2026-11-01", "officer": "OFFICER", "due_within": "0"},
    ],
)
def test_the_breach_queue_is_what_the_cli_prints(
    api: Client,
    people: People,
    cohort: dict[str, str],
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    filters: dict[str, str],
) -> None:
    filters = {k: cohort.get(v, v) for k, v in filters.items()}
    response = api(people.manager).get("/api/breaches", params=filters)
    assert response.status_code == 200
    args = [f"--{k.replace('_', '-')}={v}" for k, v in filters.items()]
    if "as_of" not in filters:
        args.append("--as-of=2026-11-20")  # the CLI's today is the real one; the app's is fixed
    expected = _cli(monkeypatch, db_url, "breaches", "--json", *args)
    assert response.json() == expected
    assert expected["items"] or filters.get("due_within") == "0"


@pytest.mark.parametrize("role", ["officer", "viewer", "admin"])
def test_only_managers_see_the_breach_queue(api: Client, people: People, role: str) -> None:
    assert api(getattr(people, role)).get("/api/breaches").status_code == 403


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "tea"}, "kind"),
        ({"due_within": "-1"}, "due_within"),
        ({"due_within": "100000"}, "due_within"),
        ({"as_of": "yesterday"}, "as_of"),
    ],
)
def test_bad_breach_filters_name_the_field(
    api: Client, people: People, params: dict[str, str], field: str
) -> None:
    response = api(people.manager).get("/api/breaches", params=params)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


@pytest.mark.parametrize("role", ["manager", "viewer"])
@pytest.mark.parametrize(
    "params", [{"from": "2026-01", "to": "2026-10"}, {"from": "2025-06", "team": "TEAM"}]
)
def test_the_scorecard_is_what_the_cli_prints(
    api: Client,
    people: People,
    cohort: dict[str, str],
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    role: str,
    params: dict[str, str],
) -> None:
    params = {k: cohort.get(v, v) for k, v in params.items()}
    response = api(getattr(people, role)).get("/api/kpi", params=params)
    assert response.status_code == 200, response.text
    monkeypatch.setattr(kpi_cli, "today", lambda: date(2026, 11, 20))
    args = [f"--{k}={v}" for k, v in params.items()]
    assert response.json() == _cli(monkeypatch, db_url, "kpi", "--format=json", *args)
    assert response.json()["indicators"]


@pytest.mark.parametrize("role", ["officer", "admin"])
def test_officers_and_admins_cannot_read_the_scorecard(
    api: Client, people: People, role: str
) -> None:
    assert api(getattr(people, role)).get("/api/kpi?from=2026-01").status_code == 403


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({}, "from", "Field required"),
        ({"from": "2026-1"}, "from", "should match"),
        ({"from": "2026-13"}, "from", "from must be a month in the form YYYY-MM"),
        ({"from": "2026-05", "to": "2026-04"}, "to", "to (2026-04) must not be before from"),
        ({"from": "2026-11"}, "query", "2026-11 has not ended yet"),
    ],
)
def test_bad_scorecard_months_are_refused_as_the_cli_refuses_them(
    api: Client, people: People, params: dict[str, str], field: str, words: str
) -> None:
    response = api(people.viewer).get("/api/kpi", params=params)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert words in errors[0]["message"]


def test_absurd_inputs_are_refused_not_crashed_on(
    api: Client, people: People, open_case: str
) -> None:
    """What fuzzing found: a scorecard of 1,500 months, a date in year 9999."""
    manager = api(people.manager)
    response = manager.get("/api/kpi", params={"from": "1900-01", "to": "2026-10"})
    assert response.status_code == 422
    assert "enter at most 120" in response.json()["detail"]
    body = {"type": "draft_plan_issued", "date": "2026-10-10", "served_on": "9999-12-31"}
    response = manager.post(f"/api/cases/{open_case}/events", json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "served_on"
    assert "from 1900 to 2999" in response.json()["detail"]
    far = manager.get("/api/breaches", params={"as_of": "9999-12-31", "due_within": "3660"})
    assert far.status_code == 200


# -- hostile input, disclosure and races (issue 17) ---------------------------------------


@pytest.mark.parametrize(
    "who, url, body, field",
    [
        ("officer", "/api/cases/NEW9/events", {"note": "a\x00b"}, "note"),
        ("officer", "/api/cases/NEW9/events", {"officer": "J\r\nSmith"}, "officer"),
        ("manager", "/api/cases/NEW9/events", {"team": "North\x00"}, "team"),
        ("officer", "/api/cases/NEW9/events", {"note": "Late\rsick"}, "note"),
        ("officer", "/api/cases/NEW%009/events", {}, "reference"),
        ("officer", "/api/cases/NEW\u04219/events", {}, "reference"),  # a Cyrillic Es
    ],
)
def test_control_characters_and_look_alikes_are_a_422_naming_the_field(
    api: Client, people: People, who: str, url: str, body: dict[str, str], field: str
) -> None:
    """NUL was a 500 on PostgreSQL (logging the SQL parameters); CR/LF in an officer's
    name stopped the notification sweep; a Cyrillic letter made a reference that looked
    like another."""
    client = api(getattr(people, who))
    event = {"type": "request_received", "date": "2026-11-02", "source": "school"}
    response = client.post(url, json=event | body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert api(people.manager).get("/api/cases").json()["total"] == 0


@pytest.mark.parametrize("name", ["q", "team", "officer"])
def test_a_list_filter_with_a_control_character_is_a_422(
    api: Client, people: People, name: str
) -> None:
    response = api(people.manager).get("/api/cases", params={name: "DEMO\x00"})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == name
    assert "must not contain control characters" in response.json()["detail"]


def test_a_full_width_reference_is_the_same_case(api: Client, people: People) -> None:
    client = api(people.officer)
    body = {"type": "request_received", "date": "2026-11-02", "source": "school"}
    response = client.post("/api/cases/ＥＨＣ７/events", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["case"]["reference"] == "EHC7"
    assert client.get("/api/cases/EHC7").status_code == 200


def test_another_teams_case_is_answered_as_a_reference_with_no_case(
    api: Client, people: People, south_case: str
) -> None:
    """An officer could tell another team's references from unused ones by the answer."""
    client = api(people.officer)
    opening = {"type": "request_received", "date": "2026-10-06", "source": "parent"}
    step = {"type": "decision_to_assess", "date": "2026-10-06"}

    def answer(ref: str, body: dict[str, str]) -> tuple[int, str]:
        response = client.post(f"/api/cases/{ref}/events", json=body)
        return response.status_code, response.json()["detail"].replace(ref, "REF")

    # Naming another team: refused the same way whether the case exists or not.
    assert answer(south_case, opening | {"team": "South"}) == answer(
        "UNUSED1", opening | {"team": "South"}
    )
    # Any other event: 404 "There is no case" for both.
    assert answer(south_case, step) == answer("UNUSED2", step) == (404, "There is no case REF")
    assert client.get(f"/api/cases/{south_case}").json() == {
        "detail": f"There is no case {south_case}",
        "errors": [],
    }
    # Opening it: a conflict that does not say whose, or that there is a case.
    status, detail = answer(south_case, opening)
    assert status == 409
    assert detail == "You cannot use the reference REF for a new case. Enter a different reference"
    assert api(people.manager).get(f"/api/cases/{south_case}").json()["case"]["version"] == 1


@pytest.mark.parametrize("team", [None, TEAM])
def test_the_loser_of_two_concurrent_new_cases_gets_409(
    api: Client, people: People, team: str | None
) -> None:
    """On SQLite the loser read the case its rival had just opened and was told 422
    (team and officer are set when a case opens); on PostgreSQL it was 409."""
    clients = [api(people.officer), api(people.manager)]
    body: dict[str, Any] = {"type": "request_received", "date": "2026-11-02", "source": "school"}
    if team is not None:
        body["team"] = team
    doc = clients[1].get("/openapi.json").json()
    documented = set(doc["paths"]["/api/cases/{ref}/events"]["post"]["responses"])
    for round_ in range(6):
        ref = f"RACE{round_}"
        barrier = threading.Barrier(2)

        def post(client: TestClient, ref: str = ref, barrier: threading.Barrier = barrier) -> Any:
            barrier.wait()
            return client.post(f"/api/cases/{ref}/events", json=body)

        with ThreadPoolExecutor(2) as pool:
            responses = list(pool.map(post, clients))
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201, 409], [r.text for r in responses]
        assert {str(s) for s in statuses} <= documented
        loser = next(r for r in responses if r.status_code == 409).json()
        assert set(loser) == {"detail", "errors"}


def test_a_stale_save_is_refused_without_waiting_for_the_writer_holding_the_case(
    api: Client, people: People, open_case: str, engine: Engine
) -> None:
    """A stale version is a 409 at once, not after queueing behind the write in progress
    (on SQLite the whole database's write lock; on PostgreSQL the case's row lock)."""
    client = api(people.officer)
    body = {"type": "advice_requested", "date": "2026-10-06", "advice": "health"}
    with new_session(engine) as writer:
        writer.exec(select(Case).where(Case.reference == open_case).with_for_update()).one()
        answered = ThreadPoolExecutor(1).submit(
            client.post, f"/api/cases/{open_case}/events", json=body | {"expected_version": 1}
        )
        response = answered.result(timeout=10)  # the writer holds on for 30 s otherwise
        writer.rollback()
    assert response.status_code == 409
    assert "was changed by someone else" in response.json()["detail"]
