"""Voiding and correcting events through the API (issue 18), on SQLite and PostgreSQL:
the answers, the refusals exactly as recording's (422 naming the field, 409, 404), who
may do it, and the OpenAPI document.

`open_case` (tests/web/conftest.py) is WEB001 of the North team: request_received on
2026-09-01 (event 1), decision_to_assess on 2026-10-05 (event 2), version 2.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from sqlmodel import Session

from cli.cases import case_json
from tests.web.conftest import Client, People
from workflow import service

VOID = "/api/cases/{ref}/events/{sequence}/void"
CORRECT = "/api/cases/{ref}/events/{sequence}/correct"


def void_url(ref: str, sequence: int | str) -> str:
    return VOID.format(ref=ref, sequence=sequence)


def correct_url(ref: str, sequence: int | str) -> str:
    return CORRECT.format(ref=ref, sequence=sequence)


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_an_officer_voids_an_event_on_their_teams_case(
    api: Client, people: People, open_case: str
) -> None:
    client = api(people.officer)
    body = {"reason": "Recorded on the wrong case", "expected_version": 2}
    response = client.post(void_url(open_case, 2), json=body)
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["case"]["version"] == 3 and out["case"]["state"] == "requested"
    assert out["void"] == {
        "sequence": 2,
        "type": "decision_to_assess",
        "date": "2026-10-05",
        "fields": {},
        "reason": "Recorded on the wrong case",
        "voided_by": people.officer,
        "voided_at": out["void"]["voided_at"],
        "replaced_by": None,
    }
    # Without the decision the case waits for one again: its deadline is open, no plan's.
    kinds = {d["kind"]: d["status"] for d in out["deadlines"]}
    assert kinds.get("decision_to_assess") == "overdue" and "final_plan" not in kinds

    case = client.get(f"/api/cases/{open_case}").json()
    assert [e["sequence"] for e in case["events"]] == [1]
    assert case["corrections"] == [out["void"]]
    events = client.get(f"/api/cases/{open_case}/events").json()["events"]
    assert [e["type"] for e in events] == ["request_received"]


def test_an_officer_corrects_an_events_date_and_the_case_lists_it_as_the_cli_does(
    api: Client, people: People, open_case: str, session: Session
) -> None:
    client = api(people.officer)
    body = {"date": "2026-10-06", "reason": "Typed the wrong day"}
    response = client.post(correct_url(open_case, 2), json=body, headers={"If-Match": '"2"'})
    assert response.status_code == 201, response.text
    out = response.json()
    assert out["case"]["version"] == 3 and out["case"]["state"] == "assessing"
    assert out["event"]["sequence"] == 3
    assert (out["event"]["type"], out["event"]["date"]) == ("decision_to_assess", "2026-10-06")
    assert out["event"]["recorded_by"] == people.officer
    assert out["void"]["sequence"] == 2 and out["void"]["date"] == "2026-10-05"
    assert out["void"]["replaced_by"] == 3
    met = {d["kind"]: d["met_on"] for d in out["deadlines"]}
    assert met["decision_to_assess"] == "2026-10-06"

    case = client.get(f"/api/cases/{open_case}").json()
    assert [(e["sequence"], e["date"]) for e in case["events"]] == [
        (1, "2026-09-01"),
        (3, "2026-10-06"),
    ]
    # The corrections are exactly those of `ehc case show --json` (timestamps as instants).
    view = service.get_case(session=session, case_ref=open_case, as_of=date(2026, 11, 20))
    cli = case_json(view)["corrections"]
    assert len(cli) == len(case["corrections"]) == 1
    for ours, theirs in zip(case["corrections"], cli, strict=True):
        assert _moment(ours.pop("voided_at")) == _moment(theirs.pop("voided_at"))
        assert ours == theirs


def test_a_correction_sets_and_clears_the_events_own_fields_and_note(
    api: Client, people: People, open_case: str
) -> None:
    client = api(people.manager)
    body = {"source": "school", "note": "from the head teacher", "reason": "Wrong source"}
    response = client.post(correct_url(open_case, 1), json=body)
    assert response.status_code == 201, response.text
    event = response.json()["event"]
    assert (event["sequence"], event["fields"], event["note"]) == (
        3,
        {"source": "school"},
        "from the head teacher",
    )
    assert event["date"] == "2026-09-01"
    # null clears the note; the event keeps its other fields.
    cleared = client.post(correct_url(open_case, 3), json={"note": None, "reason": "No note"})
    assert cleared.status_code == 201, cleared.text
    assert cleared.json()["event"]["note"] is None
    assert cleared.json()["event"]["fields"] == {"source": "school"}
    case = client.get(f"/api/cases/{open_case}").json()
    assert [c["replaced_by"] for c in case["corrections"]] == [3, 4]


@pytest.mark.parametrize(
    ("url", "body", "field", "message"),
    [
        (VOID, {}, "reason", "Field required"),
        (VOID, {"reason": "   "}, "reason", "Enter the reason for voiding the event"),
        (VOID, {"reason": "x", "colour": "red"}, "colour", "Extra inputs are not permitted"),
        (CORRECT, {"date": "2026-10-06"}, "reason", "Field required"),
        (CORRECT, {"date": "2026-13-01", "reason": "x"}, "date", "not a real date"),
        (CORRECT, {"date": "2027-01-04", "reason": "x"}, "date", "future"),
        (CORRECT, {"colour": "red", "reason": "x"}, "colour", "unknown field colour"),
        (CORRECT, {"type": "decision_not_to_assess", "reason": "x"}, "type", "cannot change"),
        (CORRECT, {"reason": "x"}, "body", "the correction changes nothing"),
        (CORRECT, {"note": "a\x00b", "reason": "x"}, "note", "control characters"),
        (CORRECT, {"date": "2026-10-06", "reason": "x\x1b"}, "reason", "control characters"),
        (VOID, {"reason": "x", "expected_version": -1}, "expected_version", "greater than"),
    ],
)
def test_invalid_requests_are_a_422_naming_the_field_and_save_nothing(
    api: Client,
    people: People,
    open_case: str,
    url: str,
    body: dict[str, Any],
    field: str,
    message: str,
) -> None:
    client = api(people.officer)
    response = client.post(url.format(ref=open_case, sequence=2), json=body)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field], errors
    assert message in errors[0]["message"], errors
    case = client.get(f"/api/cases/{open_case}").json()
    assert case["case"]["version"] == 2 and case["corrections"] == []


def test_an_event_later_events_depend_on_is_refused_naming_them(
    api: Client, people: People, open_case: str
) -> None:
    client = api(people.officer)
    response = client.post(void_url(open_case, 1), json={"reason": "Wrong case"})
    assert response.status_code == 422
    detail = response.json()["detail"]
    first = "event 1 (“Request for an assessment received” on 1 September 2026)"
    assert f"{first} cannot be voided" in detail
    assert "event 2 (“Decision to assess” on 5 October 2026)" in detail
    # A correction that puts the decision before the request is refused the same way.
    early = {"date": "2026-10-10", "reason": "Wrong day"}
    response = client.post(correct_url(open_case, 1), json=early)
    assert response.status_code == 422
    assert "event 2 (“Decision to assess” on 5 October 2026)" in response.json()["detail"]
    assert client.get(f"/api/cases/{open_case}").json()["case"]["version"] == 2


def test_a_bad_or_disagreeing_if_match_is_a_422(
    api: Client, people: People, open_case: str
) -> None:
    client = api(people.officer)
    bad = client.post(void_url(open_case, 2), json={"reason": "x"}, headers={"If-Match": "x"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "expected_version"
    body = {"reason": "x", "expected_version": 2}
    both = client.post(void_url(open_case, 2), json=body, headers={"If-Match": "1"})
    assert both.status_code == 422
    assert "disagree" in both.json()["detail"]


@pytest.mark.parametrize("url", [VOID, CORRECT])
def test_a_stale_version_is_a_409_and_nothing_is_saved(
    api: Client, people: People, open_case: str, url: str
) -> None:
    client = api(people.officer)
    body = {"reason": "Typed the wrong day", "date": "2026-10-06"}
    if url == VOID:
        body.pop("date")
    target = url.format(ref=open_case, sequence=2)
    for stale, headers in (({"expected_version": 1}, {}), ({}, {"If-Match": '"1"'})):
        response = client.post(target, json=body | stale, headers=headers)
        assert response.status_code == 409, response.text
        assert "was changed by someone else" in response.json()["detail"]
        assert response.json()["errors"] == []
    case = client.get(f"/api/cases/{open_case}").json()
    assert case["case"]["version"] == 2 and case["corrections"] == []


@pytest.mark.parametrize("url", [VOID, CORRECT])
def test_an_event_already_voided_is_a_409(
    api: Client, people: People, open_case: str, url: str
) -> None:
    client = api(people.officer)
    first = client.post(void_url(open_case, 2), json={"reason": "Wrong case"})
    assert first.status_code == 200, first.text
    again = {"reason": "Again", "date": "2026-10-06", "expected_version": 3}
    if url == VOID:
        again.pop("date")
    response = client.post(url.format(ref=open_case, sequence=2), json=again)
    assert response.status_code == 409, response.text
    detail = response.json()["detail"]
    assert "event 2 (“Decision to assess” on 5 October 2026) was already voided by" in detail
    assert client.get(f"/api/cases/{open_case}").json()["case"]["version"] == 3


@pytest.mark.parametrize("url", [VOID, CORRECT])
def test_no_such_case_or_event_is_a_404(
    api: Client, people: People, open_case: str, south_case: str, url: str
) -> None:
    body = {"reason": "x", "date": "2026-10-06"}
    if url == VOID:
        body.pop("date")
    officer = api(people.officer)
    for ref, sequence, detail in (
        ("NOPE1", 1, "There is no case NOPE1"),
        (south_case, 1, f"There is no case {south_case}"),  # another team's
        (open_case, 99, f"Case {open_case} has no event 99"),
    ):
        response = officer.post(url.format(ref=ref, sequence=sequence), json=body)
        assert response.status_code == 404, (ref, response.text)
        assert response.json() == {"detail": detail, "errors": []}
    # A sequence that is not a number at all is a bad request, not a missing event.
    response = officer.post(url.format(ref=open_case, sequence="0"), json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "sequence"


@pytest.mark.parametrize("role", ["viewer", "admin"])
@pytest.mark.parametrize("url", [VOID, CORRECT])
def test_viewers_and_admins_cannot_void_or_correct(
    api: Client, people: People, open_case: str, role: str, url: str
) -> None:
    body = {"reason": "x", "date": "2026-10-06"}
    response = api(getattr(people, role)).post(url.format(ref=open_case, sequence=2), json=body)
    assert response.status_code == 403
    assert response.json()["detail"] == "You do not have access to this page"
    manager = api(people.manager).get(f"/api/cases/{open_case}").json()
    assert manager["case"]["version"] == 2


def test_a_manager_voids_and_corrects_on_any_teams_case(
    api: Client, people: People, south_case: str
) -> None:
    client = api(people.manager)
    corrected = client.post(
        correct_url(south_case, 1), json={"source": "parent", "reason": "Wrong source"}
    )
    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["void"]["voided_by"] == people.manager
    # A later event recorded by mistake is voided.
    step = {"type": "decision_to_assess", "date": "2026-10-20"}
    assert client.post(f"/api/cases/{south_case}/events", json=step).status_code == 201
    voided = client.post(void_url(south_case, 3), json={"reason": "Not decided yet"})
    assert voided.status_code == 200, voided.text
    assert voided.json()["case"]["version"] == 4


def test_the_openapi_document_lists_both_routes_with_their_answers(
    api: Client, people: People
) -> None:
    doc = api(people.officer).get("/openapi.json").json()
    void = doc["paths"]["/api/cases/{ref}/events/{sequence}/void"]["post"]
    correct = doc["paths"]["/api/cases/{ref}/events/{sequence}/correct"]["post"]
    assert void["summary"] == "Void a recorded event"
    assert correct["summary"] == "Correct a recorded event's date or fields"
    assert set(void["responses"]) == {"200", "401", "403", "404", "409", "422"}
    assert set(correct["responses"]) == {"201", "401", "403", "404", "409", "422"}
    for operation, request, answer in (
        (void, "VoidIn", ("200", "VoidedOut")),
        (correct, "CorrectIn", ("201", "CorrectedOut")),
    ):
        assert operation["security"] == [{"bearerAuth": []}]
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": f"#/components/schemas/{request}"}
        status, model = answer
        schema = operation["responses"][status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": f"#/components/schemas/{model}"}
        for refused in ("404", "409", "422"):
            schema = operation["responses"][refused]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Problem"}
        names = {p["name"] for p in operation["parameters"]}
        assert {"ref", "sequence", "if-match"} <= names
    schemas = doc["components"]["schemas"]
    assert schemas["VoidIn"]["required"] == ["reason"]
    assert "corrections" in schemas["CaseDetail"]["required"]
    assert set(schemas["CorrectionOut"]["properties"]) == {
        "sequence",
        "type",
        "date",
        "fields",
        "reason",
        "voided_by",
        "voided_at",
        "replaced_by",
    }
