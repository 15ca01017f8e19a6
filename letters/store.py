"""Making, completing and storing letters. Helpers only: nothing here commits.

A letter is made with its event, in the event's transaction, and keeps the
statutory facts the clock gave it (`context["facts"]`). If the details it needs
(names, addresses, the date of birth, or a detail of the letter itself such as
the reasons for a decision) are missing, it waits as `awaiting_details`, naming
them in `missing`; it is rendered as soon as they are filled in, and from then
on it cannot change (database triggers). Nothing here logs a name or a date of
birth.

Rendering here means the letter's HTML (with its SHA-256) and plain text: the
immutable record. The PDF is not made in the transaction (WeasyPrint takes about
half a second, which would hold the case's lock, and SQLite's write lock, all that
time); `letters.service.letter_pdf` renders it from the stored HTML when asked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from letters.catalogue import CATALOGUE, LetterSpec, letters_for_event, parse_letter_field
from letters.contexts import Addressee, Child, Council, LetterContext
from letters.facts import count_from_letter_date, facts_for
from letters.models import AWAITING, READY, Letter, LetterWithdrawal
from letters.recipients import delivery, family_recipient, missing_for
from letters.render import html_to_text, render_html, sha256
from workflow.clock import Clock, today_in_england
from workflow.law.deadlines import Evaluation, Settings
from workflow.law.events import Event
from workflow.models import Case, CasePeople, EventVoid, StoredEvent
from workflow.people import FIELDS as PERSON_FIELDS

PEOPLE_FIELDS = PERSON_FIELDS  # the people on a case (workflow.people)


def letter_day(clock: Clock) -> date:
    """The letter's date: today in England, from the injected clock."""
    return today_in_england(clock)


# Built once: every case page asks it.
_PEOPLE_OF_CASE = select(CasePeople).where(col(CasePeople.case_id) == sa.bindparam("case_id"))


def people_of(session: Session, case: Case) -> dict[str, Any]:
    """The people on a case as one mapping (the date of birth from the case row)."""
    row = session.exec(_PEOPLE_OF_CASE, params={"case_id": case.id}).first()
    people: dict[str, Any] = {
        name: getattr(row, name, None) if row else None for name in PEOPLE_FIELDS
    }
    people["date_of_birth"] = case.date_of_birth
    return people


# -- making letters -------------------------------------------------------------------


def create_for_event(
    *,
    session: Session,
    case: Case,
    row: StoredEvent,
    event: Event,
    evaluation: Evaluation,
    settings: Settings,
    clock: Clock,
    actor: str,
    council: Council,
    people: Mapping[str, Any] | None = None,
    letter_details: Mapping[str, Any] | None = None,
) -> list[Letter]:
    """Make the letters `event` calls for (catalogue), rendering those whose details are in.
    `letter_details` given with the event go to the letters that take them."""
    specs = letters_for_event(event)
    if not specs:
        return []
    assert case.id is not None and row.id is not None
    people = people if people is not None else people_of(session, case)
    made = []
    for spec in specs:
        letter = Letter(
            case_id=case.id,
            event_id=row.id,
            event_type=row.type,
            type=spec.type,
            template=spec.template,
            template_version=spec.version,
            recipient="adviser" if spec.audience == "adviser" else "parent",
            status=AWAITING,
            context={
                "facts": facts_for(spec.type, event, evaluation, settings),
                **_details_for(spec, letter_details),
            },
            dedupe_key=f"event:{row.id}:{spec.type}",
            created_at=clock(),
            created_by=actor,
        )
        session.add(letter)
        made.append(letter)
        made.extend(complete(session, letter, case, people, council, clock))
    session.flush()
    return made


def _details_for(spec: LetterSpec, given: Mapping[str, Any] | None) -> dict[str, Any]:
    details = {
        name: parse_letter_field(name, value)
        for name, value in (given or {}).items()
        if name in spec.letter_fields and value not in (None, "")
    }
    return {"details": details} if details else {}


def new_letter(
    *,
    session: Session,
    case: Case,
    spec: LetterSpec,
    facts: Mapping[str, Any],
    dedupe_key: str,
    clock: Clock,
    actor: str,
    event: StoredEvent | None = None,
    council: Council,
) -> list[Letter]:
    """One letter not made by an event (a chaser), with its facts already worked out."""
    assert case.id is not None
    letter = Letter(
        case_id=case.id,
        event_id=event.id if event else None,
        event_type=event.type if event else None,
        type=spec.type,
        template=spec.template,
        template_version=spec.version,
        recipient="adviser" if spec.audience == "adviser" else "parent",
        status=AWAITING,
        context={"facts": {k: _jsonable(v) for k, v in facts.items()}},
        dedupe_key=dedupe_key,
        created_at=clock(),
        created_by=actor,
    )
    session.add(letter)
    made = [letter, *complete(session, letter, case, people_of(session, case), council, clock)]
    session.flush()
    return made


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def render_waiting(*, session: Session, case: Case, clock: Clock, council: Council) -> list[Letter]:
    """Render every waiting letter of a case whose details are now complete (a withdrawn
    letter waits for ever: its event was voided)."""
    waiting = list(
        session.exec(
            select(Letter)
            .where(Letter.case_id == case.id, Letter.status == AWAITING, not_withdrawn())
            .order_by(col(Letter.id))
        )
    )
    if not waiting:
        return []
    people = people_of(session, case)
    done: list[Letter] = []
    for letter in waiting:
        extra = complete(session, letter, case, people, council, clock)
        if letter.status == READY:
            done.append(letter)
        done.extend(x for x in extra if x.status == READY)
    session.flush()
    return done


def complete(
    session: Session,
    letter: Letter,
    case: Case,
    people: Mapping[str, Any],
    council: Council,
    clock: Clock,
) -> list[Letter]:
    """Render a waiting letter if it has every detail it needs, else name what is missing.

    Returns any further letters this made: the parent's copy of a young
    person's letter, when the young person agreed to it.
    """
    if letter.status != AWAITING:
        return []
    today = letter_day(clock)
    role, missing = role_and_missing(letter, people, today)
    letter.recipient = role or letter.recipient
    if missing:
        letter.missing = missing
        return []
    assert role is not None
    spec = CATALOGUE[letter.type]
    facts, details = _facts_and_details(letter)
    # Dated today: the family's dates the law counts from the notice count from today.
    dated = count_from_letter_date(spec.type, facts, today).facts
    context = build_context(
        spec, dated, details, case.reference, role, people, council, today, is_copy=letter.is_copy
    )
    html = render_html(spec, context)
    letter.context = context.to_json()
    letter.missing = None
    letter.letter_date = today
    letter.delivery = context.to.delivery
    letter.large_print = context.large_print
    letter.html = html
    letter.text = html_to_text(html)
    letter.html_sha256 = sha256(html)
    letter.rendered_at = clock()
    letter.status = READY
    session.add(letter)
    if role == "young_person" and not letter.is_copy and people.get("parent_copy"):
        copy = Letter(
            case_id=letter.case_id,
            event_id=letter.event_id,
            event_type=letter.event_type,
            type=letter.type,
            template=letter.template,
            template_version=letter.template_version,
            recipient="parent",
            is_copy=True,
            status=AWAITING,
            context={"facts": facts, "details": details},
            dedupe_key=f"{letter.dedupe_key}:copy",
            created_at=clock(),
            created_by=letter.created_by,
        )
        session.add(copy)
        return [copy, *complete(session, copy, case, people, council, clock)]
    return []


def role_and_missing(
    letter: Letter, people: Mapping[str, Any], today: date
) -> tuple[str | None, list[str]]:
    """Whom a waiting letter is for (None until the date of birth says), and the details
    it still needs, by field name: the people's first, then the letter's own."""
    spec = CATALOGUE[letter.type]
    details = dict(letter.context.get("details", {}))
    dob = people.get("date_of_birth")
    role: str | None
    if spec.audience == "adviser":
        role = "adviser"
    elif letter.is_copy:
        role = "parent"
    else:
        role = family_recipient(dob, today) if dob else None
    missing = missing_for(spec.audience, role, people)
    missing += [f for f in spec.letter_fields if details.get(f) is None]
    return role, missing


def _facts_and_details(letter: Letter) -> tuple[dict[str, Any], dict[str, Any]]:
    spec = CATALOGUE[letter.type]
    # Letter fields come from the letter's details only: a letter queued before the fix
    # may hold reasons taken from an event note in its facts, which must not be printed.
    facts = {
        k: v for k, v in letter.context.get("facts", {}).items() if k not in spec.letter_fields
    }
    return facts, dict(letter.context.get("details", {}))


def preview_html(
    letter: Letter,
    case_ref: str,
    people: Mapping[str, Any],
    details: Mapping[str, Any],
    council: Council,
    today: date,
) -> str:
    """The HTML a waiting letter would render to with these people and letter details,
    dated `today`: nothing is stored. Raises ValueError naming what is still missing."""
    spec = CATALOGUE[letter.type]
    facts, stored = _facts_and_details(letter)
    trial = Letter(
        type=letter.type,
        template=letter.template,
        template_version=letter.template_version,
        recipient=letter.recipient,
        is_copy=letter.is_copy,
        context={**letter.context, "details": {**stored, **details}},
        case_id=letter.case_id,
        dedupe_key="preview",
        created_at=letter.created_at,
    )
    role, missing = role_and_missing(trial, people, today)
    if missing or role is None:
        raise ValueError(f"the letter still needs: {', '.join(missing)}")
    context = build_context(
        spec,
        count_from_letter_date(spec.type, facts, today).facts,
        {**stored, **details},
        case_ref,
        role,
        people,
        council,
        today,
        is_copy=letter.is_copy,
    )
    return render_html(spec, context)


def build_context(
    spec: LetterSpec,
    facts: Mapping[str, Any],
    details: Mapping[str, Any],
    case_ref: str,
    role: str,
    people: Mapping[str, Any],
    council: Council,
    today: date,
    *,
    is_copy: bool = False,
) -> LetterContext:
    """The letter's typed context: its facts, its details, the people and the council."""
    how = delivery(people)
    if role == "adviser":
        adviser = council.advisers[str(facts.get("advice") or "other")]
        to = Addressee(
            role="adviser",
            name=adviser.name,
            address=adviser.address,
            email=adviser.email,
            delivery="email" if adviser.email and not adviser.address else "post",
        )
        large_print = False
    elif role == "parent":
        to = Addressee(
            role="parent",
            name=people["parent_name"],
            address=people.get("parent_address"),
            email=people.get("parent_email"),
            delivery=how,
            is_copy=is_copy,
        )
        large_print = bool(people.get("large_print"))
    else:
        to = Addressee(
            role="young_person",
            name=people["child_name"],
            address=people.get("young_person_address"),
            email=people.get("young_person_email"),
            delivery=how,
        )
        large_print = bool(people.get("large_print"))
    return spec.context.model_validate(
        {
            **facts,
            **details,
            "letter_type": spec.type,
            "case_ref": case_ref,
            "letter_date": today,
            "council": council,
            "to": to,
            "child": Child(
                name=people["child_name"],
                date_of_birth=people["date_of_birth"],
                setting=people.get("setting"),
            ),
            # A parent's copy of a young person's letter still speaks to the young person.
            "to_young_person": role == "young_person" or is_copy,
            "large_print": large_print,
        }
    )


# -- withdrawing letters ---------------------------------------------------------------

_WITHDRAWALS: sa.Table = LetterWithdrawal.__table__  # type: ignore[attr-defined]
_LETTERS: sa.Table = Letter.__table__  # type: ignore[attr-defined]


def not_withdrawn(letters: sa.FromClause = _LETTERS) -> ColumnElement[bool]:
    """True for a letter that still stands: add it to every query for letters to act on."""
    return ~sa.exists().where(_WITHDRAWALS.c.letter_id == letters.c.id)


def withdraw_for_voids(
    *, session: Session, voided: Iterable[tuple[StoredEvent, EventVoid]], clock: Clock
) -> list[LetterWithdrawal]:
    """Withdraw every standing letter made from the voided events (chasers too).

    The letters stay as they are; a withdrawal row says since when, and by which void.
    """
    void_of = {event.id: void for event, void in voided}
    if not void_of:
        return []
    letters = session.exec(
        select(Letter)
        .where(col(Letter.event_id).in_(list(void_of)), not_withdrawn())
        .order_by(col(Letter.id))
    )
    made = []
    for letter in letters:
        void = void_of[letter.event_id]
        assert letter.id is not None and void.id is not None
        made.append(
            LetterWithdrawal(
                case_id=letter.case_id, letter_id=letter.id, void_id=void.id, withdrawn_at=clock()
            )
        )
    session.add_all(made)
    session.flush()
    return made


def rerender(letter: Letter) -> str:
    """The HTML a stored letter's context renders to now (equal to the stored HTML)."""
    spec = CATALOGUE[letter.type]
    return render_html(spec, spec.context.model_validate(letter.context))


def for_events(
    *,
    session: Session,
    case: Case,
    pairs: Iterable[tuple[StoredEvent, Event]],
    evaluation: Evaluation,
    settings: Settings,
    clock: Clock,
    actor: str,
    council: Council,
    letter_details: Mapping[str, Any] | None = None,
) -> list[Letter]:
    """The letters of new events of one case (recorded one by one, or imported).
    `letter_details` (checked by `catalogue.parse_letter_field`; ValueError names a bad
    one) are given to each letter that takes them (the reasons for a decision); a detail
    no letter of these events takes is refused (ValueError), not dropped unsaid."""
    pairs = [(row, event) for row, event in pairs if letters_for_event(event)]
    given = {k for k, v in (letter_details or {}).items() if v not in (None, "")}
    taken = {
        f for _row, event in pairs for spec in letters_for_event(event) for f in spec.letter_fields
    }
    if given - taken:
        names = ", ".join(sorted(given - taken))
        raise ValueError(f"{names}: this event makes no letter that takes it")
    if not pairs:
        return []
    people = people_of(session, case)
    made: list[Letter] = []
    for row, event in pairs:
        made += create_for_event(
            session=session,
            case=case,
            row=row,
            event=event,
            evaluation=evaluation,
            settings=settings,
            clock=clock,
            actor=actor,
            council=council,
            people=people,
            letter_details=letter_details,
        )
    return made
