"""User accounts pages: admins only; add, change, deactivate (and not yourself),
stale forms (409), validation and CSRF."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote

import pytest
from sqlmodel import Session, select

from tests.web.conftest import PASSWORD, Browser, People
from workflow import accounts, two_factor
from workflow.account_models import AuditEntry, User
from workflow.errors import InvalidInput

NEW = "new.officer@council.example"
NEW_PASSWORD = PASSWORD  # so `browser(NEW)` can sign them in


def _add(client: Browser, **changes: str):  # type: ignore[no-untyped-def]
    client.page("/users/new")
    form = {
        "email": NEW,
        "name": "New Officer",
        "role": "officer",
        "team": "North",
        "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD,
        **changes,
    }
    return client.submit("/users/new", form, follow_redirects=False)


def _edit_form(client: Browser, email: str) -> dict[str, str]:
    html = client.page(f"/users/{email}/edit")
    version = html.split('name="version" value="')[1].split('"')[0]
    return {"version": version, "name": "New Officer", "role": "officer", "team": "North",
            "active": "yes"}  # fmt: skip


def _find(session: Session, email: str) -> User | None:
    """The user as stored now (ending the read, which on SQLite holds the write lock)."""
    session.expire_all()
    user = accounts.find_user(session, email)
    session.commit()
    return user


def _stored(session: Session, email: str) -> User:
    user = _find(session, email)
    assert user is not None, email
    return user


def test_the_list_shows_every_user_with_role_team_and_status(
    browser: Callable[[str | None], Browser], people: People
) -> None:
    html = browser(people.admin).page("/users")
    for email in (people.officer, people.manager, people.viewer, people.admin):
        assert email in html
    assert "North" in html and "Active" in html


def test_an_admin_adds_a_user_who_can_then_sign_in(
    browser: Callable[[str | None], Browser], people: People, session: Session
) -> None:
    response = _add(browser(people.admin))
    assert response.status_code == 303 and response.headers["location"] == f"/users?added={NEW}"
    user = _stored(session, NEW)
    assert (user.role, user.team, user.name) == ("officer", "North", "New Officer")
    audit = session.exec(select(AuditEntry).where(AuditEntry.subject == NEW)).all()
    session.commit()
    assert [(a.actor, a.action) for a in audit] == [(people.admin, "user_added")]
    signed = browser(NEW)  # signs in with the initial password, or fails
    assert "My cases" in signed.page("/")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "Enter an email address in the correct format"),
        ({"email": "manager@council.example"}, "email", "There is already a user"),
        ({"name": ""}, "name", "Enter their name"),
        ({"role": ""}, "role", "Select a role"),
        ({"team": ""}, "team", "an officer works in a team"),
        ({"password": "short", "password_confirm": "short"}, "password", "12 characters or more"),
        ({"password_confirm": "something else"}, "password_confirm", "do not match"),
    ],
)
def test_adding_refuses_bad_input_field_by_field(
    browser: Callable[[str | None], Browser],
    people: People,
    session: Session,
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    response = _add(browser(people.admin), **changes)
    assert response.status_code == 400
    assert "<title>Error: Add a user" in response.text
    assert f'href="#{field}">' in response.text and message in response.text
    assert _find(session, NEW) is None


def test_an_admin_changes_role_and_team_and_deactivates(
    browser: Callable[[str | None], Browser], people: People, session: Session
) -> None:
    admin = browser(people.admin)
    _add(admin)
    officer = browser(NEW)
    form = {**_edit_form(admin, NEW), "role": "manager", "team": ""}
    response = admin.submit(f"/users/{NEW}/edit", form, follow_redirects=False)
    assert response.status_code == 303, response.text[:300]
    assert _stored(session, NEW).role == "manager"
    assert officer.get("/breaches").status_code == 200  # now a manager: the queue opens
    form = {**_edit_form(admin, NEW), "role": "manager", "team": "", "active": "no"}
    assert admin.submit(f"/users/{NEW}/edit", form, follow_redirects=False).status_code == 303
    assert _stored(session, NEW).active is False
    assert "Deactivated" in admin.page("/users")
    # Their session ended, and they cannot sign in again.
    assert officer.get("/breaches", follow_redirects=False).status_code == 303
    again = browser(None)
    again.page("/sign-in")
    refused = again.submit("/sign-in", {"email": NEW, "password": NEW_PASSWORD})
    assert refused.status_code == 401


def test_a_new_password_replaces_the_old(
    browser: Callable[[str | None], Browser], people: People
) -> None:
    admin = browser(people.admin)
    _add(admin)
    form = {**_edit_form(admin, NEW), "password": "another password!", "password_confirm":
            "another password!"}  # fmt: skip
    assert admin.submit(f"/users/{NEW}/edit", form, follow_redirects=False).status_code == 303
    client = browser(None)
    client.page("/sign-in")
    old = client.submit("/sign-in", {"email": NEW, "password": NEW_PASSWORD})
    assert old.status_code == 401
    new = client.submit(
        "/sign-in", {"email": NEW, "password": "another password!"}, follow_redirects=False
    )
    assert new.status_code == 303


def test_an_admin_cannot_deactivate_themselves(
    browser: Callable[[str | None], Browser],
    people: People,
    session: Session,
    clock: Callable[[], datetime],
) -> None:
    admin = browser(people.admin)
    html = admin.page(f"/users/{people.admin}/edit")
    version = html.split('name="version" value="')[1].split('"')[0]
    form = {"version": version, "name": "Ad Admin", "role": "admin", "team": "", "active": "no"}
    response = admin.submit(f"/users/{people.admin}/edit", form)
    assert response.status_code == 400
    assert 'href="#active">You cannot deactivate your own account' in response.text
    assert _stored(session, people.admin).active is True
    # The rule lives in workflow.accounts, so the command line keeps it too.
    with pytest.raises(InvalidInput, match="cannot deactivate your own account"):
        accounts.update_user(
            session=session, email=people.admin, active=False, actor=people.admin, clock=clock
        )


def test_a_stale_form_is_refused_with_409_and_saves_nothing(
    browser: Callable[[str | None], Browser],
    people: People,
    session: Session,
    clock: Callable[[], datetime],
) -> None:
    admin = browser(people.admin)
    _add(admin)
    form = _edit_form(admin, NEW)
    accounts.update_user(session=session, email=NEW, name="Renamed Elsewhere", actor="other",
                         clock=clock)  # fmt: skip
    response = admin.submit(f"/users/{NEW}/edit", {**form, "role": "viewer"})
    assert response.status_code == 409
    assert "Someone else changed this user" in response.text
    assert 'value="Renamed Elsewhere"' in response.text  # the form shows them as they are now
    assert _stored(session, NEW).role == "officer"


def test_forms_without_the_csrf_token_are_refused(
    browser: Callable[[str | None], Browser], people: People, session: Session
) -> None:
    admin = browser(people.admin)
    admin.page("/users/new")
    response = admin.post(
        "/users/new",
        data={"email": NEW, "name": "X", "role": "viewer", "password": NEW_PASSWORD,
              "password_confirm": NEW_PASSWORD, "csrf_token": "forged"},
    )  # fmt: skip
    assert response.status_code == 403
    edit = admin.post(f"/users/{people.viewer}/edit", data={"version": "0", "active": "no"})
    assert edit.status_code == 403
    assert _find(session, NEW) is None
    assert _stored(session, people.viewer).active is True


def test_an_unknown_user_is_not_found(
    browser: Callable[[str | None], Browser], people: People
) -> None:
    assert browser(people.admin).get("/users/nobody@council.example/edit").status_code == 404


@pytest.mark.parametrize("role", ["officer", "manager", "viewer"])
def test_only_admins_manage_users(
    browser: Callable[[str | None], Browser], people: People, role: str, session: Session
) -> None:
    client = browser(getattr(people, role))
    reset = f"/users/{people.manager}/reset-two-factor"
    for url in ("/users", "/users/new", f"/users/{people.viewer}/edit", reset):
        assert client.get(url).status_code == 403, url
    token = client.csrf
    added = client.post("/users/new", data={"csrf_token": token, "email": NEW, "name": "X",
                        "role": "admin", "password": NEW_PASSWORD,
                        "password_confirm": NEW_PASSWORD})  # fmt: skip
    assert added.status_code == 403
    assert _find(session, NEW) is None
    # A manager resetting another manager's second factor (or their own) is refused too.
    assert client.post(reset, data={"csrf_token": token}).status_code == 403
    assert _stored(session, people.manager).totp_confirmed_at is not None


def test_an_admin_resets_a_managers_two_factor_sign_in_after_a_warning(
    browser: Callable[[str | None], Browser], people: People, session: Session
) -> None:
    manager = browser(people.manager)  # signed in before the reset
    assert manager.get("/breaches").status_code == 200
    admin = browser(people.admin)
    edit = admin.page(f"/users/{people.manager}/edit")
    assert f'href="/users/{quote(people.manager)}/reset-two-factor"' in edit
    confirm = admin.page(f"/users/{people.manager}/reset-two-factor")
    assert "They will set up two-factor sign-in again the next time they sign in" in confirm
    done = admin.submit(f"/users/{people.manager}/reset-two-factor", {}, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == f"/users?reset={people.manager}"
    banner = admin.page(done.headers["location"])
    assert "govuk-notification-banner--success" in banner
    assert f"Two-factor sign-in was reset for {people.manager}" in banner
    stored = _stored(session, people.manager)
    assert (stored.totp_secret, stored.totp_confirmed_at) == (None, None)
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "two_factor_reset")).all()
    session.commit()
    assert [(a.actor, a.subject) for a in audit] == [(people.admin, people.manager)]
    # Their sessions ended, and at their next sign-in they set up an app again.
    gone = manager.get("/breaches", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/sign-in")
    again = browser(None)
    again.page("/sign-in")
    signed = again.submit(
        "/sign-in", {"email": people.manager, "password": PASSWORD}, follow_redirects=False
    )
    assert signed.headers["location"] == "/sign-in/set-up-two-factor"


def test_a_user_without_two_factor_sign_in_has_nothing_to_reset(
    browser: Callable[[str | None], Browser],
    people: People,
    session: Session,
    clock: Callable[[], datetime],
) -> None:
    admin = browser(people.admin)
    edit = admin.page(f"/users/{people.officer}/edit")
    assert f"{people.officer} has not set up two-factor sign-in" in edit
    assert "/reset-two-factor" not in edit
    page = admin.page(f"/users/{people.officer}/reset-two-factor")
    assert "so there is nothing to reset" in page and 'type="submit"' not in page.split("<main")[1]
    refused = admin.submit(f"/users/{people.officer}/reset-two-factor", {})
    assert refused.status_code == 409
    assert refused.text.count("has not set up two-factor sign-in, so there is nothing") == 2
    assert "<title>Error: " in refused.text
    # The refusal is the service's, so `ehc users set --reset-two-factor` gives it too.
    with pytest.raises(two_factor.NotEnrolled):
        two_factor.reset(session=session, email=people.officer, actor="cli", clock=clock)
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "two_factor_reset")).all()
    session.commit()
    assert audit == []


def test_an_officer_who_chose_two_factor_is_told_it_stays_their_choice(
    browser: Callable[[str | None], Browser],
    people: People,
    session: Session,
    clock: Callable[[], datetime],
) -> None:
    two_factor.enrol(session=session, email=people.officer, actor="test", clock=clock)
    admin = browser(people.admin)
    confirm = admin.page(f"/users/{people.officer}/reset-two-factor")
    assert "They will sign in with their password only" in confirm
    done = admin.submit(f"/users/{people.officer}/reset-two-factor", {})
    assert done.status_code == 200 and "They will sign in with their password only" in done.text
    assert _stored(session, people.officer).totp_confirmed_at is None


def test_the_reset_needs_the_csrf_token(
    browser: Callable[[str | None], Browser], people: People, session: Session
) -> None:
    admin = browser(people.admin)
    admin.page(f"/users/{people.manager}/reset-two-factor")
    for data in ({}, {"csrf_token": "forged"}):
        response = admin.post(f"/users/{people.manager}/reset-two-factor", data=data)
        assert response.status_code == 403
    assert _stored(session, people.manager).totp_confirmed_at is not None
