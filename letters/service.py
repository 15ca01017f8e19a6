"""Letter functions that own their transaction (the CLI and web call these).

Letters are made by `workflow.service` with their events; here an officer
adds a detail of the letter itself (the reasons for a decision, or whether
the council will assess after a transfer-in), and reads letters back, the PDF
rendered from the stored HTML (`letter_pdf`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from letters.catalogue import CATALOGUE, CORRECTION, parse_letter_field
from letters.contexts import Council
from letters.models import AWAITING, READY, WITHDRAWN, Letter, LetterDownload, LetterWithdrawal
from letters.render import render_pdf, sha256
from letters.store import complete, new_letter, not_withdrawn, people_of, preview_html
from workflow import service as case_service
from workflow.case_writes import lock_case
from workflow.clock import Clock, today_in_england
from workflow.errors import (
    EXIT_FAULT,
    CaseNotFound,
    ConcurrentUpdate,
    InvalidInput,
    NotFound,
    WorkflowError,
)
from workflow.models import Case, EventVoid
from workflow.projection import Projection


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
    downloads: tuple[LetterDownload, ...] = ()  # copies taken before it was withdrawn

    @property
    def may_have_gone_out(self) -> bool:
        """A copy was downloaded or printed before the withdrawal, so it may have reached
        its reader, who may need a correction letter. (Nothing sends letters yet: once
        delivery is recorded, a sent letter will count too.)"""
        return bool(self.downloads)


def withdrawn_letters(*, session: Session, case_ref: str) -> list[WithdrawnLetter]:
    """A case's withdrawn letters, oldest first, without their content, with the copies
    taken of each before it was withdrawn."""
    reference = case_ref.strip()
    case_id = session.exec(select(Case.id).where(Case.reference == reference)).first()
    if case_id is None:
        raise CaseNotFound(case_ref)
    withdrawals = {w.letter_id: w for w in _withdrawals(session, case_id)}
    found: list[WithdrawnLetter] = []
    if withdrawals:
        rows = list(session.exec(_LETTERS_OF_CASE, params={"reference": reference}))
        copies = _downloads(session, [r.id for r in rows if r.id in withdrawals])
        for r in rows:
            if r.id not in withdrawals:
                continue
            w = withdrawals[r.id]
            before = tuple(d for d in copies.get(r.id, []) if d.downloaded_at <= w.withdrawn_at)
            found.append(WithdrawnLetter(r, w, before))
    session.commit()
    return found


# -- copies taken: downloads and prints ------------------------------------------------

HOW = ("web", "cli", "api")


def record_download(
    *, session: Session, letter_id: int, actor: str, how: str, clock: Clock
) -> LetterDownload:
    """Record that `actor` took a copy of a ready letter (downloaded or printed it), in its
    own small transaction: if the letter is later withdrawn, the case page can say it may
    have reached its reader."""
    if how not in HOW:
        raise ValueError(f"how must be one of {', '.join(HOW)}")
    try:
        found = session.exec(
            select(Letter.case_id, Letter.status).where(Letter.id == letter_id)
        ).first()
        if found is None:
            raise LetterNotFound(letter_id)
        case_id, status = found
        if status != READY:
            raise InvalidInput(f"Letter {letter_id} is {status}: it has no copy to take")
        row = LetterDownload(
            case_id=case_id,
            letter_id=letter_id,
            downloaded_at=clock(),
            downloaded_by=actor[:100],
            how=how,
        )
        session.add(row)
        session.flush()
    except WorkflowError:
        session.rollback()
        raise
    session.commit()
    return row


def download_counts(*, session: Session, letter_ids: list[int]) -> dict[int, int]:
    """How many copies were taken of each letter (letters with none are left out)."""
    counts = {k: len(v) for k, v in _downloads(session, letter_ids).items()}
    session.commit()
    return counts


def _downloads(session: Session, letter_ids: list[int]) -> dict[int, list[LetterDownload]]:
    out: dict[int, list[LetterDownload]] = {}
    if not letter_ids:
        return out
    rows = session.exec(
        select(LetterDownload)
        .where(col(LetterDownload.letter_id).in_(letter_ids))
        .order_by(col(LetterDownload.id))
    )
    for row in rows:
        out.setdefault(row.letter_id, []).append(row)
    return out


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


# -- correction letters ------------------------------------------------------------------


def correction_key(letter_id: int) -> str:
    """The dedupe key of the correction letter of a withdrawn letter: one each."""
    return f"{CORRECTION}:{letter_id}"


def correction_letters(*, session: Session, case_ref: str) -> dict[int, Letter]:
    """The correction letters made on a case, by the withdrawn letter each corrects."""
    rows = session.exec(
        select(Letter)
        .join(Case, col(Case.id) == col(Letter.case_id))
        .where(
            col(Case.reference) == case_ref.strip(),
            col(Letter.type) == CORRECTION,
            col(Letter.is_copy).is_(False),
        )
        .options(*(defer(getattr(Letter, content)) for content in ("html", "text", "pdf")))
    )
    found = {int(row.dedupe_key.split(":", 1)[1]): row for row in rows}
    session.commit()
    return found


def needs_correction_letter(withdrawn: WithdrawnLetter) -> bool:
    """A withdrawn letter to the family (not a copy) that may have reached them."""
    spec = CATALOGUE.get(withdrawn.letter.type)
    return (
        spec is not None
        and spec.audience == "family"
        and spec.type != CORRECTION
        and not withdrawn.letter.is_copy
        and withdrawn.may_have_gone_out
    )


def make_correction_letter(
    *,
    session: Session,
    case_ref: str,
    letter_id: int,
    actor: str,
    clock: Clock,
    council: Council,
) -> list[Letter]:
    """Make the correction letter for a withdrawn letter that may have reached the family:
    we wrote on DATE about X, that letter was wrong and is withdrawn, and either the
    corrected letter follows or what it said did not happen. Made like any letter (it
    waits for missing details); one per withdrawn letter. Returns the letters made (a
    young person's parent may get a copy)."""
    reference = case_ref.strip()
    where = f"Case {reference}: letter {letter_id}"
    try:
        case = session.exec(select(Case).where(Case.reference == reference)).first()
        if case is None:
            raise CaseNotFound(case_ref)
        found = next(
            (
                w
                for w in withdrawn_letters(session=session, case_ref=reference)
                if w.letter.id == letter_id
            ),
            None,
        )
        if found is None:
            raise InvalidInput(f"{where} is not a withdrawn letter of this case")
        if not needs_correction_letter(found):
            raise InvalidInput(
                f"{where} needs no correction letter: it was not to the family, or no copy "
                "of it was downloaded or printed before it was withdrawn"
            )
        if letter_id in correction_letters(session=session, case_ref=reference):
            raise InvalidInput(f"{where} already has its correction letter")
        void = session.get(EventVoid, found.withdrawal.void_id)
        assert void is not None and found.letter.letter_date is not None
        made = new_letter(
            session=session,
            case=case,
            spec=CATALOGUE[CORRECTION],
            facts={
                "withdrawn_title": CATALOGUE[found.letter.type].title,
                "withdrawn_date": found.letter.letter_date,
                "corrected": void.replaced_by is not None,
            },
            dedupe_key=correction_key(letter_id),
            clock=clock,
            actor=actor,
            council=council,
        )
    except WorkflowError:
        session.rollback()
        raise
    try:
        session.commit()
    except IntegrityError as e:  # made at the same moment in another session
        session.rollback()
        raise InvalidInput(f"{where} already has its correction letter") from e
    return made


# -- finishing a waiting letter in the browser ----------------------------------------------


def waiting_letter(*, session: Session, case: Case, letter_id: int) -> Letter:
    """A waiting letter of `case` that can still be completed (not withdrawn), with its
    content; else `LetterNotFound` (another case's letter) or `InvalidInput`."""
    letter = session.get(Letter, letter_id, populate_existing=True)
    if letter is None or letter.case_id != case.id:
        raise LetterNotFound(letter_id)
    _check_waiting(session, letter, case.reference)
    return letter


def _check_waiting(session: Session, letter: Letter, reference: str) -> None:
    where = f"Case {reference}: letter {letter.id}"
    if letter.status != AWAITING:
        raise InvalidInput(f"{where} is already made: it cannot be changed")
    if letter.id is not None and _withdrawal(session, letter.id) is not None:
        raise InvalidInput(
            f"{where} was withdrawn: the event it was made from was voided. It cannot be completed"
        )


def parse_letter_details(letter: Letter, details: Mapping[str, Any]) -> dict[str, Any]:
    """The letter's own details checked (`catalogue.parse_letter_field`)."""
    spec = CATALOGUE[letter.type]
    parsed: dict[str, Any] = {}
    for name, value in details.items():
        if name not in spec.letter_fields:
            raise InvalidInput(f"Letter {letter.id} ({spec.title}) has no detail {name}")
        try:
            parsed[name] = parse_letter_field(name, value)
        except ValueError as e:
            raise InvalidInput(f"Letter {letter.id}: {e}", field=name) from None
    return parsed


def preview_letter(
    *,
    letter: Letter,
    case: Case,
    people: Mapping[str, Any],
    details: Mapping[str, Any],
    clock: Clock,
    council: Council,
) -> str:
    """The letter as it would be made today with these details (people merged over the
    stored ones by the caller); nothing is stored."""
    try:
        return preview_html(
            letter, case.reference, people, details, council, today_in_england(clock)
        )
    except ValueError as e:
        raise InvalidInput(f"Case {case.reference}: letter {letter.id}: {e}") from None


@dataclass(frozen=True)
class Finished:
    """What finishing a letter did: every letter of the case it made (others waiting
    for the same people details too), and those still waiting, with what they need."""

    made: list[Letter]
    waiting: list[Letter]


def finish_letter(
    *,
    session: Session,
    case_ref: str,
    letter_id: int,
    details: Mapping[str, Any],
    people: Mapping[str, Any],
    actor: str,
    clock: Clock,
    council: Council,
    projections: Sequence[Projection],
    expected_version: int,
) -> Finished:
    """Complete a waiting letter in one transaction: its own details (the reasons for a
    decision) are stored on it, the people details are written by
    `workflow.service.update_case` (the case details page's own path), and every letter
    of the case that now has all it needs is made. A case changed since
    `expected_version` raises `ConcurrentUpdate` and nothing is saved."""
    reference = case_ref.strip()
    try:
        case = lock_case(session, reference)
        if case is None:
            raise CaseNotFound(case_ref)
        if case.version != expected_version:
            raise ConcurrentUpdate(reference)
        letter = session.exec(
            select(Letter).where(Letter.id == letter_id).with_for_update()
        ).first()
        if letter is None or letter.case_id != case.id:
            raise LetterNotFound(letter_id)
        _check_waiting(session, letter, reference)
        before = {row.id: row.status for row in _letter_rows(session, case.id)}
        parsed = parse_letter_details(letter, details)
        if parsed:
            context = dict(letter.context)
            context["details"] = {**context.get("details", {}), **parsed}
            letter.context = context
            session.add(letter)
        session.flush()
    except WorkflowError:
        session.rollback()
        raise
    # Writes the people, bumps the case's version, runs the projections (which make the
    # letters now complete) and commits: all with the letter's details above, or none.
    case_service.update_case(
        session=session,
        case_ref=reference,
        details=people,
        actor=actor,
        clock=clock,
        projections=projections,
        expected_version=expected_version,
    )
    return _finished(session, case.id, before)  # type: ignore[arg-type]


def _letter_rows(session: Session, case_id: int | None) -> list[Letter]:
    return list(
        session.exec(
            select(Letter)
            .where(Letter.case_id == case_id, not_withdrawn())
            .order_by(col(Letter.id))
            .options(*(defer(getattr(Letter, c)) for c in ("html", "text", "pdf")))
        )
    )


def waiting_ids(*, session: Session, case_ref: str) -> dict[int, str]:
    """The standing letters of a case by id, with their status: read before a change, to
    tell after it (`letters_made_since`) which letters it made."""
    case_id = session.exec(select(Case.id).where(Case.reference == case_ref.strip())).first()
    rows = {row.id: row.status for row in _letter_rows(session, case_id)} if case_id else {}
    session.commit()
    return rows  # type: ignore[return-value]


def letters_made_since(*, session: Session, case_ref: str, before: Mapping[int, str]) -> Finished:
    """The letters made since `before` (`waiting_ids`), and those still waiting."""
    case_id = session.exec(select(Case.id).where(Case.reference == case_ref.strip())).first()
    found = _finished(session, case_id, before)
    session.commit()
    return found


def _finished(session: Session, case_id: int | None, before: Mapping[int, str]) -> Finished:
    rows = _letter_rows(session, case_id)
    made = [r for r in rows if r.status == READY and before.get(r.id) != READY]  # type: ignore[arg-type]
    waiting = [r for r in rows if r.status == AWAITING]
    return Finished(made, waiting)


# -- the letters waiting for details, across cases ---------------------------------------


@dataclass(frozen=True)
class WaitingLetter:
    """A letter waiting for details, with its case (the waiting-letters page)."""

    letter_id: int
    type: str
    is_copy: bool
    missing: list[str]
    created_at: datetime
    case_ref: str
    team: str | None
    officer: str | None


def waiting_letters(
    *, session: Session, team: str | None = None, officer: str | None = None
) -> list[WaitingLetter]:
    """Every standing letter waiting for details (not withdrawn), longest waiting first,
    of one team's cases (and one officer's) when given."""
    query = (
        sa.select(
            col(Letter.id),
            col(Letter.type),
            col(Letter.is_copy),
            col(Letter.missing),
            col(Letter.created_at),
            col(Case.reference),
            col(Case.team),
            col(Case.officer),
        )
        .join(Case, col(Case.id) == col(Letter.case_id))
        .where(col(Letter.status) == AWAITING, not_withdrawn())
        .order_by(col(Letter.created_at), col(Letter.id))
    )
    if team is not None:
        query = query.where(col(Case.team) == team)
    if officer is not None:
        query = query.where(col(Case.officer) == officer)
    rows = [WaitingLetter(*row) for row in session.execute(query)]
    session.commit()
    return rows
