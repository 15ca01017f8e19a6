"""The teams page: admins list and add teams (CSRF, no duplicates by case or spaces)."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session, select

from tests.web.conftest import Browser, People
from workflow.account_models import Team


def test_an_admin_adds_a_team_and_sees_it_listed(
    browser: Callable[[str | None], Browser], people: People, session: Session
) -> None:
    admin = browser(people.admin)
    assert 'href="/teams"' in admin.page("/users")
    html = admin.page("/teams")
    assert '<h1 class="govuk-heading-l">Teams</h1>' in html
    response = admin.submit("/teams", {"name": "  North   East "}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/teams?added=North%20East"
    html = admin.page("/teams?added=North East")
    assert "The team North East was added" in html
    assert sorted(t.name for t in session.exec(select(Team))) == ["North", "North East", "South"]
    session.commit()


def test_a_team_that_differs_only_in_case_is_refused_on_the_form(
    browser: Callable[[str | None], Browser], people: People, session: Session
) -> None:
    admin = browser(people.admin)
    assert "North" in admin.page("/teams")  # the fixtures' teams: North and South
    response = admin.submit("/teams", {"name": "north "})
    assert response.status_code == 400
    assert "There is already a team called “North”" in response.text
    assert "govuk-error-summary" in response.text
    assert len(session.exec(select(Team)).all()) == 2
    session.commit()


def test_the_banner_repeats_only_a_team_name(
    browser: Callable[[str | None], Browser], people: People
) -> None:
    html = browser(people.admin).page("/teams?added=<b>nonsense</b>")
    assert "nonsense" not in html


def test_only_admins_see_or_add_teams(
    browser: Callable[[str | None], Browser], people: People
) -> None:
    for email in (people.officer, people.manager, people.viewer):
        client = browser(email)
        assert client.get("/teams").status_code == 403
        client.page("/")
        assert client.submit("/teams", {"name": "Sneaky"}).status_code == 403
    assert browser(None).get("/teams", follow_redirects=False).status_code in (303, 401)


def test_adding_a_team_needs_the_csrf_token(
    browser: Callable[[str | None], Browser], people: People
) -> None:
    admin = browser(people.admin)
    admin.page("/teams")
    assert admin.post("/teams", data={"name": "North"}).status_code == 403
