"""User accounts, for administrators: list, add, and change role, team, name,
password or whether someone can sign in; reset someone's two-factor sign-in (a lost
phone), after a confirmation page.

Every change goes through `workflow.accounts` (which writes the audit entry);
edits carry the version the form was read at, so two administrators never
overwrite each other (409). Nobody can deactivate themselves (accounts refuses).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from web import auth
from web.deps import context, db, reading
from web.templating import render
from workflow import accounts, caseload, teams, two_factor
from workflow.account_models import ROLES, User
from workflow.errors import ConcurrentUpdate, InvalidInput

router = APIRouter(include_in_schema=False)

ADMIN = auth.allow("admin")
ROLE_HINTS = {
    "officer": "Works on their own team's cases",
    "manager": "Every team's cases, the breach queue, the scorecard and reassigning cases",
    "viewer": "The scorecard only: no case or child details",
    "admin": "User accounts only",
}


def _field_errors(
    *, name: str, role: str, team: str, password: str, confirm: str, new: bool
) -> dict[str, str]:
    """Each field's problem, checked by the same rules `workflow.accounts` applies."""
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Enter their name"
    elif len(name.strip()) > 100:
        errors["name"] = "Their name must be 100 characters or fewer"
    try:
        accounts.check_role(role)
    except InvalidInput:
        errors["role"] = "Select a role"
    if role == "officer" and not team.strip():
        errors["team"] = "Select the team: an officer works in a team"
    elif len(team.strip()) > 100:
        errors["team"] = "The team must be 100 characters or fewer"
    if new or password or confirm:
        try:
            accounts.check_password(password)
        except InvalidInput as e:
            errors["password"] = str(e)
        if "password" not in errors and password != confirm:
            errors["password_confirm"] = "The passwords do not match"
    return errors


def _asked_to_enrol(request: Request, user: User) -> bool:
    """Whether, without a second factor, they must set one up at their next sign-in
    (their role needs one, or the council asks it of everyone); else it is their choice."""
    for_all = context(request).sign_in.two_factor_for_all
    return for_all or user.role in accounts.SECOND_FACTOR_ROLES


def _user(session: Session, email: str) -> User:
    try:
        found = accounts.find_user(session, email)
    except InvalidInput:
        found = None
    if found is None:
        raise HTTPException(status_code=404)
    return found


@router.get("/users")
def users_list(
    request: Request,
    session: Annotated[Session, Depends(db)],
    who: Annotated[auth.Principal, Depends(ADMIN)],
    added: str | None = None,
    changed: str | None = None,
    reset: str | None = None,
) -> Response:
    users = accounts.list_users(session)
    by_email = {u.email: u for u in users}
    left = by_email.get(changed or "")
    reset_user = by_email.get(reset or "")
    # A deactivated officer's open cases wait in the unassigned queue: say how many.
    held = caseload.cases_held(session, left.name) if left and not left.active else 0
    session.commit()
    return render(
        request,
        "users.html",
        users=users,
        # Only an address that is a user: the banner never repeats arbitrary text.
        added=added if added in by_email else None,
        changed=changed if changed in by_email else None,
        reset=reset_user.email if reset_user else None,
        asked_to_enrol=reset_user is not None and _asked_to_enrol(request, reset_user),
        held=held,
    )


def _team_choices(request: Request, current: str | None = None) -> list[tuple[str, str]]:
    """The council's teams (and a user's current one, should it have closed)."""
    with reading(request) as read:
        names = teams.team_names(read)
    if current and current not in names:
        names.append(current)
    return [(n, n) for n in names]


def _new_form(request: Request, status: int = 200, **values: object) -> Response:
    return render(
        request, "user_form.html", status_code=status, new=True, roles=ROLES, hints=ROLE_HINTS,
        team_choices=_team_choices(request),
        **{"errors": {}, "values": {"role": ""}, **values},
    )  # fmt: skip


@router.get("/users/new")
def new_user_page(request: Request, who: Annotated[auth.Principal, Depends(ADMIN)]) -> Response:
    return _new_form(request)


@router.post("/users/new", dependencies=[Depends(auth.check_csrf)])
def add_user(
    request: Request,
    session: Annotated[Session, Depends(db)],
    who: Annotated[auth.Principal, Depends(ADMIN)],
    email: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    team: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    password_confirm: Annotated[str, Form()] = "",
) -> Response:
    values = {"email": email, "name": name, "role": role, "team": team}
    errors = _field_errors(
        name=name, role=role, team=team, password=password, confirm=password_confirm, new=True
    )
    try:
        accounts.normal_email(email)
    except InvalidInput as e:
        errors = {"email": str(e), **errors}
    if not errors:
        try:
            user = accounts.add_user(
                session=session,
                email=email,
                name=name,
                role=role,
                team=team or None,
                password=password,
                actor=who.actor,
                clock=context(request).clock,
            )
        except InvalidInput as e:  # an address already taken, or a team that closed
            errors = {"team" if e.field == "team" else "email": str(e)}
        else:
            return RedirectResponse(f"/users?added={user.email}", status_code=303)
    return _new_form(request, 400, errors=errors, values=values)


def _edit_form(request: Request, user: User, status: int = 200, **values: object) -> Response:
    stored = {
        "name": user.name,
        "role": user.role,
        "team": user.team or "",
        "active": "yes" if user.active else "no",
        "version": user.version,
    }
    with reading(request) as read:
        held = caseload.cases_held(read, user.name)
    return render(
        request, "user_form.html", status_code=status, new=False, user=user, roles=ROLES,
        hints=ROLE_HINTS, team_choices=_team_choices(request, user.team), held=held,
        enrolled=two_factor.is_enrolled(user), asked_to_enrol=_asked_to_enrol(request, user),
        **{"errors": {}, "values": stored, **values},
    )  # fmt: skip


@router.get("/users/{email}/edit")
def edit_user_page(
    request: Request,
    email: str,
    session: Annotated[Session, Depends(db)],
    who: Annotated[auth.Principal, Depends(ADMIN)],
) -> Response:
    user = _user(session, email)
    session.commit()
    return _edit_form(request, user)


@router.post("/users/{email}/edit", dependencies=[Depends(auth.check_csrf)])
def edit_user(
    request: Request,
    email: str,
    session: Annotated[Session, Depends(db)],
    who: Annotated[auth.Principal, Depends(ADMIN)],
    version: Annotated[int, Form()],
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    team: Annotated[str, Form()] = "",
    active: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    password_confirm: Annotated[str, Form()] = "",
) -> Response:
    user = _user(session, email)
    values = {"name": name, "role": role, "team": team, "active": active, "version": version}
    errors = _field_errors(
        name=name, role=role, team=team, password=password, confirm=password_confirm, new=False
    )
    if active not in ("yes", "no"):
        errors["active"] = "Select whether they can sign in"
    if errors:
        session.rollback()
        return _edit_form(request, user, 400, errors=errors, values=values)
    try:
        accounts.update_user(
            session=session,
            email=user.email,
            actor=who.actor,
            clock=context(request).clock,
            name=name,
            role=role,
            team=team,
            active=active == "yes",
            password=password or None,
            expected_version=version,
        )
    except ConcurrentUpdate:
        fresh = _user(session, email)
        session.commit()
        message = (
            "Someone else changed this user while you were editing, so nothing was saved. "
            "Their details as they are now are shown below: make your changes again"
        )
        return _edit_form(request, fresh, 409, errors={"name": message})
    except InvalidInput as e:  # the account rules: e.g. deactivating yourself
        field = "active" if "deactivate" in str(e) else "team" if "team" in str(e) else "name"
        return _edit_form(request, user, 400, errors={field: str(e)}, values=values)
    return RedirectResponse(f"/users?changed={user.email}", status_code=303)


def _reset_page(request: Request, user: User, status: int = 200, refused: str = "") -> Response:
    return render(
        request, "user_two_factor_reset.html", status_code=status, user=user,
        enrolled=two_factor.is_enrolled(user), asked_to_enrol=_asked_to_enrol(request, user),
        errors={"reset": refused} if refused else {},
    )  # fmt: skip


@router.get("/users/{email}/reset-two-factor")
def reset_two_factor_page(
    request: Request,
    email: str,
    session: Annotated[Session, Depends(db)],
    who: Annotated[auth.Principal, Depends(ADMIN)],
) -> Response:
    """The confirmation step: what a reset does, before the button that does it."""
    user = _user(session, email)
    session.commit()
    return _reset_page(request, user)


@router.post("/users/{email}/reset-two-factor", dependencies=[Depends(auth.check_csrf)])
def reset_two_factor(
    request: Request,
    email: str,
    session: Annotated[Session, Depends(db)],
    who: Annotated[auth.Principal, Depends(ADMIN)],
) -> Response:
    user = _user(session, email)
    try:
        # The same function as `ehc users set --reset-two-factor`: it ends their
        # sessions and writes the audit entry.
        two_factor.reset(
            session=session, email=user.email, actor=who.actor, clock=context(request).clock
        )
    except two_factor.NotEnrolled as e:
        fresh = _user(session, email)
        session.commit()
        return _reset_page(request, fresh, e.http_status, refused=str(e))
    return RedirectResponse(f"/users?reset={user.email}", status_code=303)
