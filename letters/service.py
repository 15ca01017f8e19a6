"""Letter functions that own their transaction (the CLI and web call these).

Letters are made by `workflow.service` with their events; here an officer
adds a detail of the letter itself (the reasons for a decision, or whether
the council will assess after a transfer-in), and reads letters back, the PDF
rendered from the stored HTML (`letter_pdf`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from letters.catalogue import CATALOGUE, parse_letter_field
from letters.contexts import Council
from letters.models import AWAITING, READY, WITHDRAWN, Letter, LetterWithdrawal
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


def list_letter_docs(*, session: Session, case_ref: str) -> list[dict[str, Any]]:
    """A case's letters as `letter_json` documents, withdrawn ones saying so."""
    reference = case_ref.strip()
    rows = list(session.exec(_LETTERS_OF_CASE, params={"reference": reference}))
    if not rows:
        case = session.exec(select(Case.id).where(Case.reference == reference)).first()
        if case is None:
            raise CaseNotFound(case_ref)
    withdrawn = {w.letter_id: w for w in _withdrawals(session, rows[0].case_id)} if rows else {}
    session.commit()
    return [letter_json(row, withdrawn.get(row.id)) for row in rows]  # type: ignore[arg-type]


@dataclass(frozen=True)
class WithdrawnLetter:
    """A letter made from an event later voided: stored as it was, no longer standing."""

    letter: Letter
    withdrawal: LetterWithdrawal

    @property
    def may_have_gone_out(self) -> bool:
        """Ready before it was withdrawn, so it could have been downloaded and sent.

        Nothing records a letter being sent or downloaded: every letter that was ready
        counts, and the family or adviser may need a correction letter.
        """
        rendered = self.letter.rendered_at
        return rendered is not None and rendered <= self.withdrawal.withdrawn_at


def withdrawn_letters(*, session: Session, case_ref: str) -> list[WithdrawnLetter]:
    """A case's withdrawn letters, oldest first, without their content."""
    reference = case_ref.strip()
    case_id = session.exec(select(Case.id).where(Case.reference == reference)).first()
    if case_id is None:
        raise CaseNotFound(case_ref)
    withdrawals = {w.letter_id: w for w in _withdrawals(session, case_id)}
    found: list[WithdrawnLetter] = []
    if withdrawals:
        rows = session.exec(_LETTERS_OF_CASE, params={"reference": reference})
        found = [WithdrawnLetter(r, withdrawals[r.id]) for r in rows if r.id in withdrawals]
    session.commit()
    return found


def _withdrawals(session: Session, case_id: int) -> list[LetterWithdrawal]:
    return list(
        session.exec(
            select(LetterWithdrawal)
            .where(LetterWithdrawal.case_id == case_id)
            .order_by(col(LetterWithdrawal.id))
        )
    )


def _withdrawal(session: Session, letter_id: int) -> LetterWithdrawal | None:
    return session.exec(
        select(LetterWithdrawal).where(LetterWithdrawal.letter_id == letter_id)
    ).first()


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


def letter_json(letter: Letter, withdrawal: LetterWithdrawal | None = None) -> dict[str, Any]:
    """A letter as JSON. A withdrawn letter's status is `withdrawn`: it is not for sending,
    and waits for nothing; `stored_status` is what it was (ready, or awaiting details)."""
    return {
        "id": letter.id,
        "type": letter.type,
        "event": letter.event_type,
        "recipient": letter.recipient,
        "copy": letter.is_copy,
        "status": WITHDRAWN if withdrawal else letter.status,
        "stored_status": letter.status,
        "withdrawn_at": withdrawal.withdrawn_at.isoformat() if withdrawal else None,
        "missing": [] if withdrawal else letter.missing or [],
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
        if _withdrawal(session, letter_id) is not None:
            raise InvalidInput(
                f"Letter {letter_id} was withdrawn: the event it was made from was voided. "
                "It cannot be completed"
            )
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
