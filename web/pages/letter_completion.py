"""Completing a waiting letter in the browser: every missing detail asked at once, a
preview ("Check the letter before it is made"), then the letter is made.

The form asks what the letter still needs: its own details (the reasons for a decision,
whether the council will assess after a transfer in: `letters.catalogue`) and the people
details it waits for. While the child's date of birth is not known, the letter may turn
out to be for the parent or the young person, so the form asks for both addresses and
checks, once the date is given, that the one the letter needs is there: no second round.

The people details are checked field by field as the case details page checks them, and
written by the same service function (`workflow.service.update_case`, called by
`letters.service.finish_letter` in the letter's transaction). Every other letter of the
case waiting for the same details is made with it; the case page's banner says which
letters were made and which still wait, and for what. A case changed since the form was
read gives the conflict page (409) and nothing is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from letters import service as letter_service
from letters.catalogue import CATALOGUE, detail_name
from letters.models import Letter
from letters.recipients import delivery
from letters.render import html_to_text
from letters.store import people_of, role_and_missing
from web import auth
from web.date_input import read_date
from web.deps import context, db, posted_form, reading
from web.pages.case_details import NAMED, _message
from web.pages.case_letters import _council
from web.pages.cases import read_case
from web.templating import case_path, render
from workflow.errors import ConcurrentUpdate, InvalidInput, WorkflowError
from workflow.people import parse_details
from workflow.service import CaseView

router = APIRouter(include_in_schema=False)

Casework = Annotated[auth.Principal, Depends(auth.allow(*auth.CASEWORK))]
Db = Annotated[Session, Depends(db)]
Form = Annotated[FormData, Depends(posted_form)]

# The people details the form may ask, in the order it asks them.
PEOPLE_ORDER = (
    "child_name",
    "date_of_birth",
    "parent_name",
    "parent_address",
    "parent_email",
    "young_person_address",
    "young_person_email",
)


@dataclass(frozen=True)
class Asked:
    """What the form asks for one waiting letter."""

    people: list[str]  # people fields, in PEOPLE_ORDER
    letter: list[str]  # the letter's own details


def asked(letter: Letter, people: dict[str, Any], today: Any) -> Asked:
    """Every detail the letter still needs. Without a date of birth the letter may be
    for the parent or the young person: both are asked, and the check sorts it out."""
    role, missing = role_and_missing(letter, people, today)
    spec = CATALOGUE[letter.type]
    wanted = set(missing)
    if role is None and spec.audience == "family":
        email = delivery(people) == "email"
        wanted |= {"parent_name", "parent_email" if email else "parent_address"}
        wanted |= {"young_person_email" if email else "young_person_address"}
        wanted = {name for name in wanted if name in spec.letter_fields or not people.get(name)}
    return Asked(
        [name for name in PEOPLE_ORDER if name in wanted],
        [name for name in spec.letter_fields if name in wanted],
    )


def _find(
    request: Request, session: Session, who: auth.Principal, ref: str, key: str
) -> tuple[CaseView, Letter]:
    view = read_case(request, session, who, ref)
    if not key.isdigit():
        raise HTTPException(status_code=404)
    try:
        letter = letter_service.waiting_letter(session=session, case=view.case, letter_id=int(key))
    except letter_service.LetterNotFound:
        raise HTTPException(status_code=404) from None
    return view, letter


def _already_made(request: Request, view: CaseView, error: InvalidInput) -> Response:
    return render(
        request,
        "letter_complete.html",
        status_code=409,
        case=view.case,
        gone=str(error),
    )


def _form(
    request: Request,
    view: CaseView,
    letter: Letter,
    ask: Asked,
    shown: dict[str, Any],
    version: str,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    return render(
        request,
        "letter_complete.html",
        status_code=status_code,
        case=view.case,
        letter=letter,
        title=CATALOGUE[letter.type].title,
        ask=ask,
        shown=shown,
        version=version,
        named=NAMED,
        **extra,
    )


@router.get("/cases/{ref:path}/letters/{key}/complete")
def complete_page(request: Request, ref: str, key: str, session: Db, who: Casework) -> Response:
    try:
        view, letter = _find(request, session, who, ref, key)
    except InvalidInput as e:
        return _already_made(request, read_case(request, session, who, ref), e)
    people = people_of(session, view.case)
    ask = asked(letter, people, context(request).today())
    return _form(request, view, letter, ask, {}, str(view.case.version))


@dataclass
class _Answers:
    shown: dict[str, Any]
    people: dict[str, Any]  # as the service takes them (date of birth as YYYY-MM-DD)
    parsed_people: dict[str, Any]  # checked (date of birth as a date)
    details: dict[str, Any]
    errors: dict[str, str]
    anchors: dict[str, str]


def _read(
    request: Request,
    view: CaseView,
    letter: Letter,
    ask: Asked,
    stored: dict[str, Any],
    form: FormData,
) -> _Answers:
    """The posted answers, each checked on its own (every mistake shows at once), then
    checked together: once the date of birth says whom the letter is for, what it needs."""
    today = context(request).today()
    where = f"Case {view.case.reference}"
    shown: dict[str, Any] = {}
    people: dict[str, Any] = {}
    parsed: dict[str, Any] = {}
    details: dict[str, Any] = {}
    errors: dict[str, str] = {}
    anchors: dict[str, str] = {"date_of_birth": "date_of_birth-day"}
    for name in ask.people:
        if name == "date_of_birth":
            born = read_date(form, name, "Date of birth", required=False, latest=today)
            shown[name] = born.entered
            if born.error:
                errors[name], anchors[name] = born.error, born.anchor
                continue
            people[name] = born.value.isoformat() if born.value else None
        else:
            shown[name] = str(form.get(name) or "").strip()
            people[name] = shown[name]
        try:
            parsed.update(parse_details({name: people[name]}, today, where))
        except InvalidInput as e:
            errors[name] = _message(e, name)
    for name in ask.letter:
        shown[name] = str(form.get(name) or "").strip()
        if name == "will_assess" and not shown[name]:
            errors[name] = "Select yes if we will carry out an EHC needs assessment"
            continue
        try:
            details.update(letter_service.parse_letter_details(letter, {name: shown[name]}))
        except InvalidInput as e:
            errors[name] = str(e).split(": ", 1)[-1]
    if "date_of_birth" not in errors:  # whom the letter is for, so what it still needs
        merged = {**stored, **parsed}
        trial_details = {**letter.context.get("details", {}), **details}
        trial = Letter(
            type=letter.type,
            template=letter.template,
            template_version=letter.template_version,
            recipient=letter.recipient,
            is_copy=letter.is_copy,
            context={**letter.context, "details": trial_details},
            case_id=letter.case_id,
            dedupe_key="check",
            created_at=letter.created_at,
        )
        _, still = role_and_missing(trial, merged, today)
        for name in still:
            if name not in errors and name not in ("reasons", "will_assess"):
                errors[name] = f"Enter {detail_name(name)}"
    ordered = [*PEOPLE_ORDER, *CATALOGUE[letter.type].letter_fields]
    errors = {name: errors[name] for name in sorted(errors, key=_position(ordered))}
    # Only the details entered are written: an empty answer leaves the stored one alone.
    people = {k: v for k, v in people.items() if v not in (None, "")}
    return _Answers(shown, people, parsed, details, errors, anchors)


def _position(order: list[str]) -> Any:
    return lambda name: order.index(name) if name in order else len(order)


def _checked(
    request: Request, session: Session, who: auth.Principal, ref: str, key: str, form: FormData
) -> tuple[CaseView, Letter, Asked, _Answers] | Response:
    try:
        view, letter = _find(request, session, who, ref, key)
    except InvalidInput as e:
        return _already_made(request, read_case(request, session, who, ref), e)
    version = str(form.get("version") or "")
    stored = people_of(session, view.case)
    # The fields asked when the form was drawn: from the stored details as they were.
    ask = asked(letter, stored, context(request).today())
    answers = _read(request, view, letter, ask, stored, form)
    if not version.isdigit() or int(version) != view.case.version:
        return _form(request, view, letter, ask, answers.shown, version, 409, conflict=True)
    if answers.errors:
        return _form(
            request,
            view,
            letter,
            ask,
            answers.shown,
            version,
            400,
            errors=answers.errors,
            anchors=answers.anchors,
        )
    return view, letter, ask, answers


@router.post("/cases/{ref:path}/letters/{key}/change", dependencies=[Depends(auth.check_csrf)])
def change(request: Request, ref: str, key: str, who: Casework, form: Form) -> Response:
    """The preview's Change button: the form again, as the officer filled it in."""
    with reading(request) as session:
        try:
            view, letter = _find(request, session, who, ref, key)
        except InvalidInput as e:
            return _already_made(request, read_case(request, session, who, ref), e)
        stored = people_of(session, view.case)
        ask = asked(letter, stored, context(request).today())
        answers = _read(request, view, letter, ask, stored, form)
    return _form(request, view, letter, ask, answers.shown, str(form.get("version") or ""))


@router.post("/cases/{ref:path}/letters/{key}/check", dependencies=[Depends(auth.check_csrf)])
def check(request: Request, ref: str, key: str, who: Casework, form: Form) -> Response:
    """Check the letter before it is made: the letter as it will read, nothing stored."""
    ctx = context(request)
    with reading(request) as session:
        found = _checked(request, session, who, ref, key, form)
        if isinstance(found, Response):
            return found
        view, letter, ask, answers = found
        people = {**people_of(session, view.case), **answers.parsed_people}
        try:
            html = letter_service.preview_letter(
                letter=letter,
                case=view.case,
                people=people,
                details=answers.details,
                clock=ctx.clock,
                council=_council(request),
            )
        except WorkflowError as e:
            return _form(
                request,
                view,
                letter,
                ask,
                answers.shown,
                str(view.case.version),
                400,
                errors={"letter": str(e)},
            )
    hidden = [(name, value) for name, value in _flat(answers.shown).items()]
    text = html_to_text(html)
    return render(
        request,
        "letter_complete_check.html",
        case=view.case,
        letter=letter,
        title=CATALOGUE[letter.type].title,
        version=str(view.case.version),
        hidden=hidden,
        paragraphs=[p.splitlines() for p in text.split("\n\n") if p.strip()],
        today=ctx.today(),
    )


def _flat(shown: dict[str, Any]) -> dict[str, str]:
    """The answers as hidden fields (the date of birth in its three parts)."""
    out: dict[str, str] = {}
    for name, value in shown.items():
        if isinstance(value, dict):
            for part, v in value.items():
                out[f"{name}-{part}"] = str(v or "")
        else:
            out[name] = str(value or "")
    return out


@router.post("/cases/{ref:path}/letters/{key}/make", dependencies=[Depends(auth.check_csrf)])
def make(request: Request, ref: str, key: str, session: Db, who: Casework, form: Form) -> Response:
    """Make the letter (and every other letter now complete), then back to the case."""
    ctx = context(request)
    with reading(request) as read:
        found = _checked(request, read, who, ref, key, form)
        if isinstance(found, Response):
            return found
        view, letter, ask, answers = found
    assert letter.id is not None
    try:
        finished = letter_service.finish_letter(
            session=session,
            case_ref=view.case.reference,
            letter_id=letter.id,
            details=answers.details,
            people=answers.people,
            actor=who.actor,
            clock=ctx.clock,
            council=_council(request),
            projections=ctx.projections,
            expected_version=view.case.version,
        )
    except ConcurrentUpdate:
        return _form(
            request, view, letter, ask, answers.shown, str(view.case.version), 409, conflict=True
        )
    except InvalidInput as e:
        return _form(
            request,
            view,
            letter,
            ask,
            answers.shown,
            str(view.case.version),
            400,
            errors={"letter": str(e)},
        )
    made = ",".join(str(x.id) for x in finished.made)
    return RedirectResponse(
        f"{case_path(view.case.reference)}?letters_made={made or 'none'}#letters", status_code=303
    )
