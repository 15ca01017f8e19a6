"""The API and teams as data: team and officer matched ignoring case and spaces, an
unknown one refused with 422 naming it; the breach queue's team filter ignores case."""

from __future__ import annotations

from tests.web.conftest import OFFICER_NAME, TEAM, Client, People

BODY = {"type": "request_received", "date": "2026-11-02", "source": "school"}


def test_a_manager_opens_a_case_with_a_team_and_officer_in_any_spelling(
    api: Client, people: People
) -> None:
    client = api(people.manager)
    body = BODY | {"team": " north ", "officer": "OFFICER@council.example"}
    response = client.post("/api/cases/T001/events", json=body)
    assert response.status_code == 201, response.text
    case = response.json()["case"]
    assert (case["team"], case["officer"]) == (TEAM, OFFICER_NAME)


def test_an_unknown_team_or_officer_is_422_naming_it(api: Client, people: People) -> None:
    client = api(people.manager)
    response = client.post("/api/cases/T002/events", json=BODY | {"team": "Nroth"})
    assert response.status_code == 422
    assert "There is no team called “Nroth”. Enter one of: North, South" in response.text
    response = client.post(
        "/api/cases/T002/events", json=BODY | {"team": "North", "officer": "J Smtih"}
    )
    assert response.status_code == 422
    assert "There is no active officer “J Smtih”" in response.text
    assert client.get("/api/cases/T002").status_code == 404  # nothing was saved


def test_an_officer_names_their_own_team_in_any_spelling(api: Client, people: People) -> None:
    response = api(people.officer).post("/api/cases/T003/events", json=BODY | {"team": "NORTH"})
    assert response.status_code == 201, response.text
    assert response.json()["case"]["team"] == TEAM
