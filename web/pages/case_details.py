"""The people on a case: the child's and family's details that letters need.

Saving goes through `service.update_case`, which checks each field, stores them
and makes the letters that were waiting for them, in one transaction. The form
carries the case version it was read at, so a change made meanwhile is never
overwritten (409). An empty field clears what was stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from letters import service as letter_service
from letters import store as letter_store
from web import auth
from web.date_input import read_date
from web.deps import context, db, posted_form, reading
from web.pages.cases import read_case, read_case_read_only
from web.read_audit import record_read
from web.templating import case_path, render
from workflow import service
from workflow.errors import ConcurrentUpdate, InvalidInput
from workflow.people import BOOL_FIELDS, FIELDS, parse_details
from workflow.service import CaseView

router = APIRouter(include_in_schema=False)

Casework = Annotated[auth.Principal, Depends(auth.allow(*auth.CASEWORK))]
Db = Annotated[Session, Depends(db)]

# How each field is named in a message (the service's messages name the field's key).
NAMED = {
    "child_name": "the child's name",
    "date_of_birth": "the date of birth",
    "setting": "the school or setting",
    "parent_name": "the parent's name",
    "parent_address": "the parent's address",
    "parent_email": "the parent's email address",
    "young_person_address": "the young person's address",
    "young_person_email": "the young person's email address",
    "communication": "how letters are sent",
    "large_print": "large print",
    "parent_copy": "a copy to the parent",
}
CHOICES = {
    "communication": ("post", "email"),
    "large_print": ("yes", "no"),
    "parent_copy": ("yes", "no"),
}


def _stored(session: Session, view: CaseView) -> dict[str, Any]:
    """The stored details as the form shows them (date in parts, flags as yes/no)."""
    people = letter_store.people_of(session, view.case)
    shown: dict[str, Any] = {
        name: value for name, value in people.items() if name != "date_of_birth"
    }
    for name in BOOL_FIELDS:
        value = people.get(name)
        shown[name] = None if value is None else ("yes" if value else "no")
    born = people.get("date_of_birth")
    shown["date_of_birth"] = (
        {"day": str(born.day), "month": str(born.month), "year": str(born.year)} if born else {}
    )
    return shown


def _form(
    request: Request,
    view: CaseView,
    shown: Mapping[str, Any],
    version: str,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    return render(
        request,
        "case_details.html",
        status_code=status_code,
        case=view.case,
        shown=shown,
        version=version,
        **extra,
    )


def _message(error: InvalidInput, name: str) -> str:
    """The service's message for one field, in words a person reads ("the child's name")."""
    text = str(error).split(": ", 1)[-1]
    if name in CHOICES:
        return f"Select {' or '.join(CHOICES[name])} for {NAMED[name]}"
    text = text.replace(name, NAMED[name]).replace("YYYY-MM-DD", "day, month and year")
    return text[0].upper() + text[1:]


def _field_of(error: InvalidInput) -> str:
    """The field the service refused (the first field, if it names none)."""
    return error.field if error.field in FIELDS else FIELDS[0]


@router.get("/cases/{ref:path}/details")
def details_page(request: Request, ref: str, session: Db, who: Casework) -> Response:
    view = read_case(request, session, who, ref)
    record_read(request, who, view.case.id, "child and family details")
    return _form(request, view, _stored(session, view), str(view.case.version))


@router.post("/cases/{ref:path}/details", dependencies=[Depends(auth.check_csrf)])
def update_details(
    request: Request,
    ref: str,
    session: Db,
    who: Casework,
    form: Annotated[FormData, Depends(posted_form)],
) -> Response:
    # Sync (a worker thread) and read without the write lock: only the save takes it.
    view = read_case_read_only(request, who, ref)
    ctx = context(request)
    version = str(form.get("version") or "")
    shown: dict[str, Any] = {
        name: str(form.get(name) or "").strip() for name in FIELDS if name != "date_of_birth"
    }
    born = read_date(form, "date_of_birth", "Date of birth", required=False, latest=ctx.today())
    shown["date_of_birth"] = born.entered
    errors: dict[str, str] = {}
    anchors: dict[str, str] = {}
    if born.error:
        errors["date_of_birth"], anchors["date_of_birth"] = born.error, born.anchor
    details: dict[str, Any] = {name: shown[name] for name in FIELDS if name != "date_of_birth"}
    details["date_of_birth"] = born.value.isoformat() if born.value else None
    # Each field on its own through the service's own checks, so every mistake shows at once.
    for name in FIELDS:
        if name in errors:
            continue
        try:
            parse_details({name: details[name]}, ctx.today(), f"Case {view.case.reference}")
        except InvalidInput as e:
            errors[name] = _message(e, name)
    anchors.setdefault("date_of_birth", "date_of_birth-day")
    if not version.isdigit():
        return _form(request, view, shown, version, 409, conflict=True)
    if errors:
        ordered = {name: errors[name] for name in FIELDS if name in errors}
        return _form(request, view, shown, version, 400, errors=ordered, anchors=anchors)
    if int(version) != view.case.version:  # refused without queueing for the write lock
        return _form(request, view, shown, version, 409, conflict=True)
    with reading(request) as read:
        before = letter_service.waiting_ids(session=read, case_ref=view.case.reference)
    try:
        service.update_case(
            projections=context(request).projections,
            session=session,
            case_ref=view.case.reference,
            details=details,
            actor=who.actor,
            clock=ctx.clock,
            expected_version=int(version),
        )
    except ConcurrentUpdate:
        return _form(request, view, shown, version, 409, conflict=True)
    except InvalidInput as e:
        name = _field_of(e)
        errors = {name: _message(e, name)}
        return _form(request, view, shown, version, 400, errors=errors, anchors=anchors)
    # Which letters the details made (and the case page says which still wait, for what).
    with reading(request) as read:
        made = letter_service.letters_made_since(
            session=read, case_ref=view.case.reference, before=before
        ).made
    ids = ",".join(str(x.id) for x in made) or "none"
    return RedirectResponse(
        f"{case_path(view.case.reference)}?details=1&letters_made={ids}", status_code=303
    )
