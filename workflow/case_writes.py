"""What every write to a case shares: checking its input, reading its recorded history,
replaying it, and locking and versioning its row.

`workflow.service`, `workflow.importing` and `workflow.assignments` build on these.
They work inside the caller's transaction; only `commit`, called by the function
that owns the transaction, ends it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select

from workflow import teams
from workflow.errors import ConcurrentUpdate, InvalidEvent, InvalidInput, WorkflowError
from workflow.law.calendar import WorkingDays, govuk_date
from workflow.law.deadlines import Evaluation, Settings, evaluate
from workflow.law.events import NO_CONTROL, Event, parse_date, parse_event, text_without_controls
from workflow.law.machine import quoted
from workflow.models import Case, StoredEvent

CASE_FIELDS = ("team", "officer", "date_of_birth")
MAX_REFERENCE = 64
# The one reference syntax of the web app, the API, the CLI and the import (docs/api.md):
# after NFKC normalisation (full-width ＥＨＣ１ is EHC1), ASCII letters and digits, with
# hyphens, dots and underscores, in parts that may be divided by slashes (EHC/2026/0153).
# Look-alike letters of other scripts (a Cyrillic С) are refused, not normalised: two
# references that look the same must be the same.
REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*)*", re.ASCII)
_REFERENCE_CHARACTER = re.compile(r"[A-Za-z0-9._/-]", re.ASCII)
# The addresses of a case's own pages end with these: a reference cannot.
PAGE_ENDINGS = re.compile(r"/(details|events|events/new|reassign|letters/[^/]+)$")
REFERENCE_CHARACTERS = (
    "Case reference must only include letters A to Z, numbers, hyphens, dots, underscores "
    "and slashes between parts, like EHC/2026/0153"
)
# Replaying the whole recorded history: nothing recorded is later than this.
END_OF_TIME = date(9999, 12, 31)


# -- checking what is written ----------------------------------------------------


def check_text(
    value: str, *, label: str, field: str, where: str | None = None, lines: bool = False
) -> str:
    """`value` as stored; `InvalidInput` ("Officer must not contain control characters",
    after `where` when given) if it holds a control character. With `lines`, newlines
    are allowed (notes, addresses). Every input checks its text here, before the database.
    """
    checked = text_without_controls(value, lines=lines)
    if checked is None:
        message = f"{label} {NO_CONTROL}"
        raise InvalidInput(f"{where}: {message}" if where else message, field=field)
    return checked


def check_reference(case_ref: Any, *, new: bool = True) -> str:
    """The case reference, stripped and NFKC-normalised; `InvalidInput` naming the
    reference field unless it follows the one reference syntax (`REFERENCE`).

    `new=False` looks up a case that may already exist: cases opened before the syntax
    (imported references could hold anything but spaces) stay readable and writable, so
    only control characters and the length are checked; a case is opened only with
    `new=True`.
    """
    if not isinstance(case_ref, str) or not case_ref.strip():
        raise InvalidInput("Enter the case reference", field="reference")
    ref = check_text(case_ref, label="Case reference", field="reference").strip()
    ref = unicodedata.normalize("NFKC", ref)
    if len(ref) > MAX_REFERENCE:
        raise InvalidInput(
            f"Case reference must be {MAX_REFERENCE} characters or fewer", field="reference"
        )
    if not new:
        return ref
    if not REFERENCE.fullmatch(ref):
        odd = next((c for c in ref if not _REFERENCE_CHARACTER.match(c)), None)
        why = f" ('{odd}', U+{ord(odd):04X}, is not one of them)" if odd else ""
        raise InvalidInput(f"{REFERENCE_CHARACTERS}{why}", field="reference")
    if PAGE_ENDINGS.search(ref):
        ending = ref.rsplit("/", 1)[-1]
        raise InvalidInput(f"Case reference cannot end with /{ending}", field="reference")
    return ref


def check_not_future(event: Event, *, today: date, where: str) -> None:
    """Refuse an event dated after `today`, naming `where` it came from."""
    if event.date > today:
        raise InvalidEvent(
            f"{where} ({quoted(event.type)}): the date {govuk_date(event.date)} is in the future; "
            "enter a date that is today or in the past",
            field="date",
        )


def case_field(name: str, value: Any, *, where: str) -> Any:
    """One of `CASE_FIELDS` as stored on the case: a date of birth, or short text.

    Empty is None; anything else that does not fit raises `InvalidInput` naming `where`.
    """
    if value is None or value == "":
        return None
    if name == "date_of_birth":
        try:
            return value if isinstance(value, date) else parse_date(value)
        except ValueError as e:
            raise InvalidInput(f"{where}: date_of_birth {e}", field=name) from None
    if not isinstance(value, str) or len(value) > 100:
        raise InvalidInput(f"{where}: {name} must be text of at most 100 characters", field=name)
    return check_text(value, label=name.capitalize(), field=name, where=where).strip()


def resolve_assignment(
    session: Session, values: dict[str, Any], *, where: str, case_team: str | None = None
) -> dict[str, Any]:
    """`values` (checked by `case_field`) with its team and officer as stored: the
    team's and the account's own spelling (`workflow.teams`), whatever case and spaces
    they were given in. An unknown team or officer raises `InvalidInput` naming it.
    `case_team` tells apart two officers of the same name when no team is given."""
    out = dict(values)
    if out.get("team") is not None:
        out["team"] = teams.resolve_team(session, out["team"], where=where)
    if out.get("officer") is not None:
        team = out.get("team") or case_team
        out["officer"] = teams.resolve_officer(session, out["officer"], team, where=where)
    return out


# -- the recorded history ----------------------------------------------------------


def stored_to_event(row: StoredEvent) -> Event:
    """A stored event as the law reads it, numbered by its sequence."""
    raw = {"type": row.type, "date": row.date.isoformat(), **row.fields}
    if row.note is not None:
        raw["note"] = row.note
    if row.actor is not None:
        raw["actor"] = row.actor
    return parse_event(
        raw, index=row.sequence, where=f"Stored event {row.sequence}", check_text=False
    )


def event_row(case_id: int, event: Event, *, now: datetime, actor: str) -> StoredEvent:
    """The stored row of a new event (numbered by its `index`), recorded now by `actor`."""
    return StoredEvent(
        case_id=case_id,
        sequence=event.index,
        type=event.type.value,
        date=event.date,
        fields=fields_json(event),
        note=event.note,
        actor=event.actor,
        recorded_at=now,
        recorded_by=actor,
    )


def fields_json(event: Event) -> dict[str, Any]:
    """The event's own fields as stored (dates as YYYY-MM-DD), as `Event.to_json` writes them."""
    return {
        name: value.isoformat() if isinstance(value, date) else value
        for name, value in event.fields.items()
    }


def replay(
    case_ref: str,
    events: list[Event],
    *,
    new: Iterable[Event],
    settings: Settings,
    working_days: WorkingDays | None,
) -> Evaluation:
    """Replay the whole history; name the new event when it, or what it broke, is refused."""
    new_ids = {id(e) for e in new}
    try:
        return evaluate(case_ref, events, END_OF_TIME, settings, working_days)
    except WorkflowError as err:
        refused = err.event
        if refused is not None and id(refused) not in new_ids and isinstance(refused, Event):
            raise _history_broken(case_ref, refused, err) from None
        raise


def _history_broken(case_ref: str, refused: Event, err: WorkflowError) -> WorkflowError:
    broken = InvalidEvent(
        f"Case {case_ref}: the new event would make its history invalid, because the "
        f"recorded {refused.describe()} could then not happen: {err}"
    )
    broken.event = refused
    return broken


# -- the case row ------------------------------------------------------------------


def lock_case(session: Session, case_ref: str) -> Case | None:
    """Read the case, holding its row lock on PostgreSQL until commit.

    On SQLite the whole database is locked from BEGIN IMMEDIATE (see `db`).
    """
    return session.exec(select(Case).where(Case.reference == case_ref).with_for_update()).first()


def bump(session: Session, case: Case, *, seen_version: int, now: datetime, **values: Any) -> None:
    """Move the case to its next version, setting `values` on it too, refusing with
    `ConcurrentUpdate` if someone else moved it on from `seen_version` first."""
    result = session.execute(
        sa.update(Case)
        .where(col(Case.id) == case.id, col(Case.version) == seen_version)
        .values(version=seen_version + 1, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ConcurrentUpdate(case.reference)
    case.version = seen_version + 1
    case.updated_at = now
    for name, value in values.items():
        setattr(case, name, value)


@contextmanager
def refusals_roll_back(session: Session, *, case_ref: str) -> Iterator[None]:
    """Around a change's writes: a refusal rolls everything back; a unique key that
    another session took first (the same case opened, the same event voided, at the
    same moment) is `ConcurrentUpdate`."""
    try:
        yield
    except WorkflowError:
        session.rollback()
        raise
    except IntegrityError as e:
        session.rollback()
        raise ConcurrentUpdate(case_ref) from e


def commit(session: Session, *, case_ref: str) -> None:
    """Commit the change; a lost race at commit rolls back and is `ConcurrentUpdate`."""
    try:
        session.commit()
    except (IntegrityError, OperationalError) as e:
        session.rollback()
        raise ConcurrentUpdate(case_ref) from e
