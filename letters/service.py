"""Letter functions that own their transaction (the CLI and web call these).

Letters are made by `workflow.service` with their events; here an officer
adds a detail of the letter itself (the reasons for a decision, or whether
the council will assess after a transfer-in), and reads letters back, the PDF
rendered from the stored HTML (`letter_pdf`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from letters.catalogue import CATALOGUE, parse_letter_field
from letters.contexts import Council
from letters.models import AWAITING, READY, Letter
from letters.render import render_pdf, sha256
from letters.store import complete, people_of
from workflow.clock import Clock
from workflow.errors import (
    EXIT_FAULT,
    CaseNotFound,
    ConcurrentUpdate,
    InvalidInput,
    NotFound,
    WorkflowError,
)
from workflow.models import Case


class LetterNotFound(NotFound):
    def __init__(self, letter_id: Any) -> None:
        super().__init__(f"There is no letter {letter_id}")


# A case's letters without their content (HTML, text, PDF), which lists never show.
_LETTERS_OF_CASE = (
    select(Letter)
    .join(Case, col(Case.id) == col(Letter.case_id))
    .where(col(Case.reference) == sa.bindparam("reference"))
    .order_by(col(Letter.id))
    .options(*(defer(getattr(Letter, content)) for content in ("html", "text", "pdf")))
)


def list_letters(*, session: Session, case_ref: str) -> list[Letter]:
    """A case's letters, oldest first, without their content (`get_letter` has it)."""
    reference = case_ref.strip()
    rows = list(session.exec(_LETTERS_OF_CASE, params={"reference": reference}))
    if not rows:
        case = session.exec(select(Case.id).where(Case.reference == reference)).first()
        if case is None:
            raise CaseNotFound(case_ref)
    session.commit()
    return rows


def get_letter(*, session: Session, letter_id: int) -> Letter:
    # populate_existing: a letter already listed in this session lacks its content.
    letter = session.get(Letter, letter_id, populate_existing=True)
    if letter is None:
        raise LetterNotFound(letter_id)
    session.commit()
    return letter


def letter_pdf(*, session: Session, letter_id: int) -> bytes:
    """A ready letter as PDF: rendered from its stored HTML, outside any transaction.

    The stored HTML (checked against its SHA-256) is the letter's record; the same HTML
    renders to the same PDF with the same WeasyPrint and fonts. A letter stored before
    PDFs were made on demand returns the PDF stored with it. Takes about half a second:
    callers that serve many downloads may cache the bytes by letter id.
    """
    letter = get_letter(session=session, letter_id=letter_id)  # ends the read transaction
    if letter.status != READY or letter.html is None:
        raise InvalidInput(
            f"Letter {letter_id} is awaiting details: {', '.join(letter.missing or [])}. "
            "It has no PDF until they are added"
        )
    if letter.pdf is not None:
        return letter.pdf
    if sha256(letter.html) != letter.html_sha256:
        raise LetterCorrupted(letter_id)
    return render_pdf(letter.html)


class LetterCorrupted(WorkflowError):
    """Stored data failed its check: a fault to report, not input to correct."""

    http_status = 500
    exit_code = EXIT_FAULT

    def __init__(self, letter_id: Any) -> None:
        super().__init__(
            f"Letter {letter_id}: its stored HTML does not match its SHA-256, so no PDF was "
            "made. Tell the system administrator"
        )


def letter_json(letter: Letter) -> dict[str, Any]:
    return {
        "id": letter.id,
        "type": letter.type,
        "event": letter.event_type,
        "recipient": letter.recipient,
        "copy": letter.is_copy,
        "status": letter.status,
        "missing": letter.missing or [],
        "letter_date": letter.letter_date.isoformat() if letter.letter_date else None,
        "delivery": letter.delivery,
        "template": letter.template,
        "template_version": letter.template_version,
        "html_sha256": letter.html_sha256,
        # Only letters stored before PDFs were rendered on demand have one (`letter_pdf`).
        "pdf_sha256": letter.pdf_sha256,
        "created_at": letter.created_at.isoformat(),
    }


def complete_letter(
    *,
    session: Session,
    letter_id: int,
    details: Mapping[str, Any],
    actor: str,
    clock: Clock,
    council: Council,
) -> Letter:
    """Add details of the letter itself to a waiting letter, and render it if it is complete."""
    try:
        letter = session.exec(
            select(Letter).where(Letter.id == letter_id).with_for_update()
        ).first()
        if letter is None:
            raise LetterNotFound(letter_id)
        if letter.status != AWAITING:
            raise InvalidInput(f"Letter {letter_id} is {letter.status}: it cannot be changed")
        spec = CATALOGUE[letter.type]
        parsed: dict[str, Any] = {}
        for name, value in details.items():
            if name not in spec.letter_fields:
                can = ", ".join(spec.letter_fields) or "none"
                raise InvalidInput(
                    f"Letter {letter_id} ({letter.type}) has no detail {name}; "
                    f"the details it takes: {can}. Set people's details with `ehc case update`"
                )
            try:
                parsed[name] = parse_letter_field(name, value)
            except ValueError as e:
                raise InvalidInput(f"Letter {letter_id}: {e}") from None
        case = session.get(Case, letter.case_id)
        assert case is not None
        context = dict(letter.context)
        context["details"] = {**context.get("details", {}), **parsed}
        letter.context = context
        complete(session, letter, case, people_of(session, case), council, clock)
        session.add(letter)
        session.flush()
    except WorkflowError:
        session.rollback()
        raise
    try:
        session.commit()
    except (IntegrityError, OperationalError) as e:
        session.rollback()
        raise ConcurrentUpdate(f"letter {letter_id}") from e
    return letter
