"""Dispatch records: queueing a ready letter for Notify, claiming it, and what happened.

`queue_new` runs inside the change that made the letter ready (no commit: the change
commits). The send job's functions each commit once, as the outbox's do
(`scheduler.sweep_service`): a claim is committed before anything is sent, so two jobs
at once never send one letter, and a result is committed as soon as it is known.

A letter is queued only when it is ready, stands (not withdrawn), is for the family
(an adviser's letter is still downloaded) and has a way to go (its recorded delivery,
email or post). A letter withdrawn while still queued is never claimed.

A failed letter can be sent again (`send_again`) once its cause is mended: queued anew,
by the way the case's details give today, with a new reference for Notify.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from letters.catalogue import CATALOGUE
from letters.models import (
    DELIVERED,
    FAILED,
    QUEUED,
    READY,
    SENDING,
    SENT,
    Letter,
    LetterDispatch,
    LetterWithdrawal,
)
from letters.recipients import delivery
from letters.store import not_withdrawn
from workflow.accounts import audit
from workflow.clock import Clock
from workflow.errors import InvalidInput, NotFound
from workflow.models import Case, CasePeople

DISPATCHES: sa.Table = LetterDispatch.__table__  # type: ignore[attr-defined]
LETTERS: sa.Table = Letter.__table__  # type: ignore[attr-defined]
WITHDRAWALS: sa.Table = LetterWithdrawal.__table__  # type: ignore[attr-defined]
D = DISPATCHES.c

MAX_ATTEMPTS = 10  # tries at sending before the letter is marked failed for a person
FIRST_RETRY = timedelta(minutes=1)  # then doubled each try, up to LONGEST_WAIT
LONGEST_WAIT = timedelta(hours=6)
# A claim this old is a send job that died mid-send (Notify's client gives up on a
# request after 30 seconds): another job may take the letter over, after asking Notify
# whether the first try reached it.
CLAIM_TIMEOUT = timedelta(minutes=15)
CHANNELS = ("email", "post")
FAMILY = ("parent", "young_person")

# Notify's statuses (email, and letter as its API reports them) that are final.
DELIVERED_STATUSES = frozenset({"delivered", "received"})
FAILED_STATUSES = frozenset(
    {
        "permanent-failure",
        "temporary-failure",
        "technical-failure",
        "virus-scan-failed",
        "validation-failed",
        "cancelled",
    }
)
# Our own provider status for a sent letter whose status Notify no longer holds (it
# answered 404 NoResultFound: past its retention period, 7 days by default): never asked
# again. Not one of Notify's statuses.
NOT_HELD = "not-held"
# What each final status means, in words for the case page (Notify's own descriptions).
PROVIDER_STATUS_WORDS = {
    "permanent-failure": "the email address does not exist or the provider refused it",
    "temporary-failure": "the inbox was full or the provider could not deliver it in time",
    "technical-failure": "Notify had a technical failure sending it",
    "virus-scan-failed": "Notify's virus scan rejected the PDF",
    "validation-failed": "Notify's checks of the PDF or its address refused it",
    "cancelled": "it was cancelled in Notify before printing",
}


def reference_for(letter_id: int) -> str:
    """The reference sent to Notify with a letter: stable, so a retry can find it there,
    and holding no personal data (Notify shows it on its dashboard)."""
    return f"ehc-letter-{letter_id}"


def _again_reference(reference: str) -> str:
    """A new reference for a letter sent again ("ehc-letter-7-again-2"): the earlier
    send's notification, failed at Notify, must not be taken for this one by a retry."""
    base, _, n = reference.partition("-again-")
    return f"{base}-again-{int(n or 1) + 1}"


def _wants_sending(letter: Letter) -> bool:
    return (
        letter.status == READY
        and letter.recipient in FAMILY
        and letter.delivery in CHANNELS
        and CATALOGUE[letter.type].audience == "family"
    )


def queue_new(
    *, session: Session, case: Case, since: datetime, clock: Clock
) -> list[LetterDispatch]:
    """Queue each letter of `case` made ready at or after `since` (in this change) that
    is for the family, stands and has no dispatch yet. Flushes; does not commit."""
    letters = session.exec(
        select(Letter)
        .where(
            col(Letter.case_id) == case.id,
            col(Letter.status) == READY,
            col(Letter.rendered_at) >= since,
            not_withdrawn(),
            ~sa.exists().where(D.letter_id == col(Letter.id)),
        )
        .order_by(col(Letter.id))
        .options(*(defer(getattr(Letter, content)) for content in ("html", "text", "pdf")))
    )
    return queue(session=session, letters=letters, clock=clock)


def queue(*, session: Session, letters: Iterable[Letter], clock: Clock) -> list[LetterDispatch]:
    """Queue these letters (those that go to a family by email or post). Flushes."""
    now = clock()
    made = []
    for letter in letters:
        if not _wants_sending(letter):
            continue
        assert letter.id is not None and letter.delivery is not None
        made.append(
            LetterDispatch(
                case_id=letter.case_id,
                letter_id=letter.id,
                channel=letter.delivery,
                status=QUEUED,
                reference=reference_for(letter.id),
                queued_at=now,
            )
        )
    session.add_all(made)
    session.flush()
    return made


def queue_stragglers(*, session: Session, clock: Clock) -> list[LetterDispatch]:
    """Queue the family letters made ready outside a case change's projections (a letter
    completed with `ehc letters complete`, a correction letter made from the case page)
    since the first letter was queued for Notify: that first dispatch marks when Notify
    went live, and letters before it were made to be downloaded. Commits."""
    first = session.execute(sa.select(sa.func.min(D.queued_at))).scalar_one_or_none()
    if first is None:
        session.commit()
        return []
    letters = list(
        session.exec(
            select(Letter)
            .where(
                col(Letter.status) == READY,
                col(Letter.rendered_at) >= first,
                col(Letter.recipient).in_(FAMILY),
                not_withdrawn(),
                ~sa.exists().where(D.letter_id == col(Letter.id)),
            )
            .order_by(col(Letter.id))
            .options(*(defer(getattr(Letter, content)) for content in ("html", "text", "pdf")))
        )
    )
    try:
        made = queue(session=session, letters=letters, clock=clock)
        session.commit()
    except sa.exc.IntegrityError:  # queued by a change at the same moment: it has one
        session.rollback()
        return []
    return made


def _people(session: Session, case_id: int) -> dict[str, object]:
    row = session.exec(select(CasePeople).where(col(CasePeople.case_id) == case_id)).first()
    return row.model_dump() if row is not None else {}


def email_now(*, session: Session, letter: Letter) -> str | None:
    """The email address a family letter goes to: the one the case's details hold now
    for its reader (so one corrected after a failure is used), else the letter's own."""
    people = _people(session, letter.case_id)
    now = people.get(f"{letter.recipient}_email")
    made_with = (letter.context.get("to") or {}).get("email")
    return str(now or made_with) if (now or made_with) else None


def _same_address(a: object, b: object) -> bool:
    def lines(text: object) -> list[str]:
        return [part.strip().lower() for part in str(text or "").replace("\n", ",").split(",")]

    return bool(a) and bool(b) and [p for p in lines(a) if p] == [p for p in lines(b) if p]


def send_again(*, session: Session, letter_id: int, actor: str, clock: Clock) -> LetterDispatch:
    """Queue a failed letter to be sent through Notify again, once its cause is mended
    (an email address corrected on the case's details page): fresh tries, the first
    now, by the way the case's details give today (email when that is the family's
    preference, else post), with a new reference. Refuses a letter that has not failed,
    is withdrawn or still has nowhere to go. Writes an audit entry. Flushes; does not
    commit (the caller does).

    By post the letter is printed as it was made, with the address on it then: a family
    whose postal address has changed since needs it posted by hand (or by email)."""
    dispatch = session.exec(
        select(LetterDispatch)
        .where(col(LetterDispatch.letter_id) == letter_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    letter = session.get(Letter, letter_id)
    if dispatch is None or letter is None:
        raise NotFound(f"Letter {letter_id} was not sent through GOV.UK Notify")
    withdrawn = session.execute(
        sa.select(WITHDRAWALS.c.id).where(WITHDRAWALS.c.letter_id == letter_id)
    ).first()
    if withdrawn is not None:
        raise InvalidInput(
            "This letter was withdrawn (its event was corrected or voided): it cannot be sent again"
        )
    if dispatch.status != FAILED:
        raise InvalidInput(
            f"This letter is {dispatch.status} through GOV.UK Notify, not failed: only a "
            "letter that did not reach the family can be sent again"
        )
    people = _people(session, letter.case_id)
    channel = delivery(people)
    if channel == "email":
        to = people.get(f"{letter.recipient}_email")
        if not to:
            raise InvalidInput(
                "This letter has no email address to send it to. Add one on the case's "
                "details page first"
            )
    else:
        to = people.get(f"{letter.recipient}_address")
        if not to:
            raise InvalidInput(
                "This letter has no email address or postal address to send it to. Add one "
                "on the case's details page first"
            )
        printed = (letter.context.get("to") or {}).get("address")
        if not _same_address(printed, to):
            raise InvalidInput(
                "This letter has the family's postal address from when it was made, not "
                "the one on the case's details page now. Download the PDF and post it by "
                "hand, or send it by email"
            )
    now = clock()
    requeued = session.execute(
        sa.update(DISPATCHES)
        .where(D.id == dispatch.id, D.status == FAILED)
        .values(
            status=QUEUED,
            channel=channel,
            reference=_again_reference(dispatch.reference),
            attempts=0,
            next_attempt_at=None,  # queued_at stays: the first marks when Notify went live
            provider_id=None,
            provider_status=None,
            error=None,
            sent_at=None,
            completed_at=None,
            checked_at=None,
            claimed_by=None,
            claimed_at=None,
        )
        .returning(D.id)
    ).scalar_one_or_none()
    if requeued is None:  # SQLite takes no row lock: another request was first
        raise InvalidInput("This letter is already queued to be sent again")
    case = session.get(Case, letter.case_id)
    assert case is not None
    audit(
        session,
        now,
        actor,
        "letter_sent_again",
        case.reference,
        letter=letter_id,
        channel=channel,
        failed_with=(dispatch.error or "")[:200],
    )
    session.flush()
    session.refresh(dispatch)
    return dispatch


# -- the send job ------------------------------------------------------------------------


def _claimable(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(
        sa.and_(D.status == QUEUED, sa.or_(D.next_attempt_at.is_(None), D.next_attempt_at <= now)),
        sa.and_(D.status == SENDING, D.claimed_at < now - CLAIM_TIMEOUT),
    )


def claim_next(
    *, session: Session, claimant: str, after: int, clock: Clock
) -> LetterDispatch | None:
    """Claim the oldest dispatch after id `after` that is due to be sent (or whose claim
    timed out), for a letter that still stands; None when there is none. Commits.

    One UPDATE that sets `sending` only where the row is still claimable: two jobs at
    once never both get it (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one writer at a
    time). `attempts` counts the claim, so a second try knows it is one.
    """
    now = clock()
    oldest = (
        sa.select(D.id)
        .where(_claimable(now), D.id > after, not_withdrawn_dispatch())
        .order_by(D.id)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        oldest = oldest.with_for_update(skip_locked=True)
    try:
        claimed = session.execute(
            sa.update(DISPATCHES)
            .where(D.id == oldest.scalar_subquery(), _claimable(now))
            .values(status=SENDING, claimed_by=claimant, claimed_at=now, attempts=D.attempts + 1)
            .returning(D.id)
        ).scalar_one_or_none()
        found = (
            session.get(LetterDispatch, claimed, populate_existing=True)
            if claimed is not None
            else None
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return found


def not_withdrawn_dispatch() -> sa.ColumnElement[bool]:
    """The dispatch's letter still stands (a letter withdrawn while queued never goes)."""
    return ~sa.exists().where(WITHDRAWALS.c.letter_id == D.letter_id)


def _mine(dispatch_id: int, claimant: str) -> sa.ColumnElement[bool]:
    return sa.and_(D.id == dispatch_id, D.status == SENDING, D.claimed_by == claimant)


def mark_sent(
    *,
    session: Session,
    dispatch_id: int,
    claimant: str,
    provider_id: str,
    provider_status: str | None,
    clock: Clock,
) -> None:
    """Notify accepted the letter (or already had it, from an earlier try). Commits."""
    now = clock()
    session.execute(
        sa.update(DISPATCHES)
        .where(_mine(dispatch_id, claimant))
        .values(
            status=SENT,
            provider_id=provider_id,
            provider_status=provider_status,
            sent_at=now,
            checked_at=now,
            error=None,
            claimed_by=None,
            claimed_at=None,
        )
    )
    session.commit()
    if provider_status is not None:
        record_status(
            session=session, dispatch_id=dispatch_id, provider_status=provider_status, clock=clock
        )


def backoff(attempts: int) -> timedelta:
    """The wait before try `attempts + 1`: 1, 2, 4 ... minutes, at most LONGEST_WAIT."""
    wait: timedelta = FIRST_RETRY * 2 ** max(attempts - 1, 0)
    return min(wait, LONGEST_WAIT)


def mark_retry(
    *, session: Session, dispatch_id: int, claimant: str, attempts: int, error: str, clock: Clock
) -> bool:
    """A try that may succeed later (Notify busy or down, a rate limit): back to the
    queue with a wait, or failed after MAX_ATTEMPTS. Returns whether it will be retried.
    Commits."""
    if attempts >= MAX_ATTEMPTS:
        mark_failed(
            session=session,
            dispatch_id=dispatch_id,
            claimant=claimant,
            error=f"Not sent after {attempts} tries. The last: {error}",
            clock=clock,
        )
        return False
    session.execute(
        sa.update(DISPATCHES)
        .where(_mine(dispatch_id, claimant))
        .values(
            status=QUEUED,
            next_attempt_at=clock() + backoff(attempts),
            error=error[:2000],
            claimed_by=None,
            claimed_at=None,
        )
    )
    session.commit()
    return True


def release(
    *,
    session: Session,
    dispatch_id: int,
    claimant: str,
    error: str | None = None,
    counted: bool = True,
) -> None:
    """Give a claim back for the next job. The try stays `counted` when it may have
    reached Notify (the job stopped mid-send), so the next try asks Notify for the
    reference first; not when Notify refused the key (`error`), no fault of the
    letter's. Commits."""
    values: dict[str, object] = {
        "status": QUEUED,
        "claimed_by": None,
        "claimed_at": None,
        "attempts": D.attempts if counted else D.attempts - 1,
    }
    if error is not None:
        values["error"] = error[:2000]
    session.execute(sa.update(DISPATCHES).where(_mine(dispatch_id, claimant)).values(**values))
    session.commit()


def mark_failed(
    *, session: Session, dispatch_id: int, claimant: str, error: str, clock: Clock
) -> None:
    """Not sent, and retrying cannot mend it (Notify refused it, or the PDF breaks
    Notify's rules): failed, with the reason, for an officer to act on. Commits."""
    now = clock()
    session.execute(
        sa.update(DISPATCHES)
        .where(_mine(dispatch_id, claimant))
        .values(
            status=FAILED, error=error[:2000], completed_at=now, claimed_by=None, claimed_at=None
        )
    )
    session.commit()


# -- Notify's statuses ---------------------------------------------------------------------


def due_for_check(*, session: Session, clock: Clock, every: timedelta) -> list[LetterDispatch]:
    """Sent letters whose final status is not known (and Notify still holds), not
    checked within `every`."""
    now = clock()
    rows = list(
        session.exec(
            select(LetterDispatch)
            .where(
                col(LetterDispatch.status) == SENT,
                sa.or_(
                    col(LetterDispatch.provider_status).is_(None),
                    col(LetterDispatch.provider_status) != NOT_HELD,
                ),
                sa.or_(
                    col(LetterDispatch.checked_at).is_(None),
                    col(LetterDispatch.checked_at) <= now - every,
                ),
            )
            .order_by(col(LetterDispatch.id))
            .execution_options(populate_existing=True)
        )
    )
    session.commit()
    return rows


def record_status(*, session: Session, dispatch_id: int, provider_status: str, clock: Clock) -> str:
    """Record Notify's status of a sent letter; a final one completes it. Returns our
    status for it. Only a `sent` row changes, so two checks at once agree. Commits."""
    now = clock()
    values: dict[str, object] = {"provider_status": provider_status[:40], "checked_at": now}
    status = SENT
    if provider_status in DELIVERED_STATUSES:
        status = DELIVERED
        values.update(status=DELIVERED, completed_at=now)
    elif provider_status in FAILED_STATUSES:
        status = FAILED
        words = PROVIDER_STATUS_WORDS.get(provider_status, provider_status)
        values.update(status=FAILED, completed_at=now, error=f"Notify: {words}")
    session.execute(
        sa.update(DISPATCHES).where(D.id == dispatch_id, D.status == SENT).values(**values)
    )
    session.commit()
    return status


def mark_not_held(*, session: Session, dispatch_id: int, clock: Clock) -> None:
    """Notify no longer holds this sent letter's status (past its retention, or it never
    had the id): it stays sent, as we did hand it over, and is not asked about again.
    Commits."""
    session.execute(
        sa.update(DISPATCHES)
        .where(D.id == dispatch_id, D.status == SENT)
        .values(provider_status=NOT_HELD, checked_at=clock())
    )
    session.commit()


# -- reading -------------------------------------------------------------------------------


def for_case(*, session: Session, case_id: int) -> dict[int, LetterDispatch]:
    """A case's dispatches by letter id (the case page)."""
    rows = session.exec(
        select(LetterDispatch)
        .where(col(LetterDispatch.case_id) == case_id)
        .execution_options(populate_existing=True)
    )
    return {row.letter_id: row for row in rows}


@dataclass(frozen=True)
class Failure:
    """A letter that did not reach the family, for the manager's dashboard."""

    case_ref: str
    letter_id: int
    letter_type: str
    channel: str
    error: str | None
    completed_at: datetime | None


def failures(*, session: Session, limit: int = 20) -> tuple[int, list[Failure]]:
    """How many letters failed to go, and the newest `limit` of them."""
    cases: sa.Table = Case.__table__  # type: ignore[attr-defined]
    failed = sa.and_(D.status == FAILED, not_withdrawn_dispatch())
    total = session.execute(sa.select(sa.func.count()).where(failed)).scalar_one()
    rows = session.execute(
        sa.select(
            cases.c.reference, D.letter_id, LETTERS.c.type, D.channel, D.error, D.completed_at
        )
        .join(cases, cases.c.id == D.case_id)
        .join(LETTERS, LETTERS.c.id == D.letter_id)
        .where(failed)
        .order_by(D.completed_at.desc(), D.id.desc())
        .limit(limit)
    ).all()
    return int(total), [Failure(*row) for row in rows]


def counts(*, session: Session) -> dict[str, int]:
    """Dispatches by status (the admin page)."""
    rows = session.execute(sa.select(D.status, sa.func.count()).group_by(D.status)).all()
    return {str(status): int(n) for status, n in rows}
