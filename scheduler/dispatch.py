"""Sending queued letters through GOV.UK Notify, and following them until they arrive.

`send_letters` claims each queued letter (`letters.dispatch.store.claim_next`), sends it
by its recorded delivery, and records what Notify said:

- email: the family's address gets the Notify letter template with the letter's text
  and its PDF as a file link (they confirm their address before it downloads);
- post: the PDF laid out for Notify's printers, checked against its precompiled letter
  rules first (`letters.dispatch.postal`), goes as a precompiled letter.

Every send carries the letter's stable `reference`. A second try at one letter (after a
rate limit, an error on Notify's side, no answer, or a job that died mid-send) first asks
Notify for that reference, and takes the notification found there instead of sending
again: with the claim, a letter is never sent twice. `check_statuses` polls Notify for
each sent letter until it is delivered or failed, or until Notify answers that it no
longer holds it (404 NoResultFound: its retention period, 7 days by default, is over):
then the letter stays sent, marked `not-held`, and is not asked about again.

Logs name dispatch and letter ids, Notify's ids and statuses: never an address, a
name or a letter's text.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from letters import service as letter_service
from letters.catalogue import CATALOGUE
from letters.dispatch import store
from letters.dispatch.postal import NotPrintable, postal_pdf
from letters.models import DELIVERED, FAILED, Letter, LetterDispatch
from letters.render import sha256
from scheduler.gov_notify import Notify, NotifyError, NotifySettings, file_link
from workflow.clock import Clock
from workflow.models import Case

log = logging.getLogger("ehc.dispatch")

CHECK_EVERY = timedelta(minutes=5)  # how often a sent letter's status is asked for


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    stopped: bool = False  # Notify refused the key: the rest wait for the next run


@dataclass(frozen=True)
class CheckReport:
    checked: int = 0
    delivered: int = 0
    failed: int = 0


class _Unsendable(Exception):
    """This letter cannot be sent as it stands: failed, with the reason."""


def _email_of(session: Session, letter: Letter) -> str:
    email = store.email_now(session=session, letter=letter)
    if not email:
        raise _Unsendable("No email address is recorded for the family")
    return email


def _send(
    *, session: Session, notify: Notify, settings: NotifySettings, dispatch: LetterDispatch
) -> tuple[str, str | None]:
    """Send one claimed letter; Notify's id and (when it says) status."""
    letter = letter_service.get_letter(session=session, letter_id=dispatch.letter_id)
    if letter.html is None or sha256(letter.html) != letter.html_sha256:
        raise _Unsendable("The letter's stored HTML does not match its SHA-256: not sent")
    if dispatch.channel == "post":
        try:
            pdf = postal_pdf(letter.html, letter.context.get("to") or {})
        except NotPrintable as e:
            raise _Unsendable(f"Not sent by post: {e}") from None
        answer = notify.send_precompiled_letter(
            reference=dispatch.reference, pdf=pdf, postage=settings.postage
        )
        return str(answer["id"]), None
    email = _email_of(session, letter)
    case = session.get(Case, letter.case_id)
    assert case is not None
    title = CATALOGUE[letter.type].title
    try:
        link = file_link(
            letter_service.letter_pdf(session=session, letter_id=letter.id or 0),
            filename=f"{_safe(case.reference)}-{letter.type}.pdf",
        )
    except ValueError as e:  # over Notify's 2 MB
        raise _Unsendable(f"Not sent by email: {e}") from None
    answer = notify.send_email(
        email_address=email,
        template_id=settings.letter_template_id,
        personalisation={
            "subject": title,
            "body": letter.text or "",
            "case_reference": case.reference,
            "link_to_file": link,
        },
        reference=dispatch.reference,
    )
    return str(answer["id"]), None


def _safe(text: str) -> str:
    return "".join(c for c in text if c.isalnum() or c in "-_") or "letter"


def send_letters(
    *, session: Session, notify: Notify, settings: NotifySettings, clock: Clock, runner: str
) -> SendReport:
    """Send every queued letter that is due, oldest first, each once per run (first
    queueing any made ready outside a case change: `store.queue_stragglers`)."""
    store.queue_stragglers(session=session, clock=clock)
    claimant = f"{runner}:{uuid.uuid4().hex[:8]}"
    sent = retrying = failed = 0
    last = 0
    while dispatch := store.claim_next(session=session, claimant=claimant, after=last, clock=clock):
        assert dispatch.id is not None
        last = dispatch.id
        try:
            earlier = (
                notify.find_by_reference(dispatch.reference) if dispatch.attempts > 1 else None
            )
            if earlier is not None:
                log.info(
                    "Letter %s: Notify already has it (%s) from an earlier try: not sent again",
                    dispatch.letter_id,
                    earlier.get("id"),
                )
                provider_id, status = str(earlier["id"]), earlier.get("status")
            else:
                provider_id, status = _send(
                    session=session, notify=notify, settings=settings, dispatch=dispatch
                )
        except _Unsendable as e:
            store.mark_failed(
                session=session,
                dispatch_id=dispatch.id,
                claimant=claimant,
                error=str(e),
                clock=clock,
            )
            log.warning("Letter %s not sent: it cannot go as it stands", dispatch.letter_id)
            failed += 1
            continue
        except NotifyError as e:
            if e.stop:
                store.release(
                    session=session,
                    dispatch_id=dispatch.id,
                    claimant=claimant,
                    error=f"GOV.UK Notify: {e.message}",
                    counted=False,
                )
                log.error(
                    "GOV.UK Notify refused the API key (%s %s): letters wait until it is "
                    "mended (EHC_NOTIFY_API_KEY)",
                    e.status_code,
                    e.names,
                )
                return SendReport(sent, retrying + 1, failed, stopped=True)
            if e.retry:
                again = store.mark_retry(
                    session=session,
                    dispatch_id=dispatch.id,
                    claimant=claimant,
                    attempts=dispatch.attempts,
                    error=f"GOV.UK Notify: {e.message}",
                    clock=clock,
                )
                retrying += again
                failed += not again
                log.warning(
                    "Letter %s: Notify answered %s (%s), %s",
                    dispatch.letter_id,
                    e.status_code,
                    e.names,
                    "to try again later" if again else "given up after the last try",
                )
                continue
            store.mark_failed(
                session=session,
                dispatch_id=dispatch.id,
                claimant=claimant,
                error=f"GOV.UK Notify refused it: {e.message}",
                clock=clock,
            )
            log.warning("Letter %s refused by Notify: %s", dispatch.letter_id, e.names)
            failed += 1
            continue
        except BaseException:
            _give_back(session, dispatch.id, claimant)
            raise
        store.mark_sent(
            session=session,
            dispatch_id=dispatch.id,
            claimant=claimant,
            provider_id=provider_id,
            provider_status=str(status) if status else None,
            clock=clock,
        )
        log.info("Letter %s sent through GOV.UK Notify as %s", dispatch.letter_id, provider_id)
        sent += 1
    return SendReport(sent, retrying, failed)


def _give_back(session: Session, dispatch_id: int, claimant: str) -> None:
    """The run is stopping mid-send (a fault, not an answer from Notify): the claim goes
    back, the try counted, so the second try asks Notify for the reference first and
    nothing goes twice."""
    try:
        session.rollback()
        store.release(session=session, dispatch_id=dispatch_id, claimant=claimant)
    except Exception:
        log.warning("Letter dispatch %s: its claim is left to time out", dispatch_id)


def _not_held(e: NotifyError) -> bool:
    """Notify's own answer that it has no such notification, not any 404 (a wrong base
    URL answers 404 too, and must not end the checking of every letter)."""
    return e.status_code == 404 and any(name == "NoResultFound" for name, _ in e.errors)


def check_statuses(
    *, session: Session, notify: Notify, clock: Clock, every: timedelta = CHECK_EVERY
) -> CheckReport:
    """Ask Notify for the status of each sent letter not checked within `every`."""
    checked = delivered = failed = 0
    for dispatch in store.due_for_check(session=session, clock=clock, every=every):
        assert dispatch.id is not None and dispatch.provider_id is not None
        try:
            found = notify.get_notification(dispatch.provider_id)
        except NotifyError as e:
            if _not_held(e):
                store.mark_not_held(session=session, dispatch_id=dispatch.id, clock=clock)
                log.info(
                    "Letter %s: Notify no longer holds %s (404 NoResultFound): not asked again",
                    dispatch.letter_id,
                    dispatch.provider_id,
                )
                checked += 1
                continue
            log.warning(
                "Letter %s: its status could not be read from Notify (%s %s); next run",
                dispatch.letter_id,
                e.status_code,
                e.names,
            )
            if e.retry:
                break  # Notify is busy or down: the rest wait for the next run
            continue
        status = store.record_status(
            session=session,
            dispatch_id=dispatch.id,
            provider_status=str(found.get("status") or ""),
            clock=clock,
        )
        checked += 1
        delivered += status == DELIVERED
        failed += status == FAILED
        if status == FAILED:
            log.warning("Letter %s: Notify says %s", dispatch.letter_id, found.get("status"))
    return CheckReport(checked, delivered, failed)
