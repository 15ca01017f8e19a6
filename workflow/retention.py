"""Retention (issue 23 item 6): when a closed case's personal data is due for erasure, and
erasing it while keeping the anonymous facts the KPI figures are computed from.

The policy is the council's (two settings, `EHC_RETENTION_YEARS_AFTER_25TH_BIRTHDAY` and
`EHC_RETENTION_YEARS_AFTER_CLOSED`): a closed case is due once every rule that applies
to it has passed, so the longer one wins:
- N years after the young person's 25th birthday (when the date of birth is known);
- N years after the case closed: the date of its last event, once it is withdrawn, not
  assessed, not issued, ceased or transferred out.
A case that is still open is never due. A rule that is not set does not apply; with
neither set, nothing is ever due.

Erasing a case removes: the people on it (names, addresses, emails, setting, letter
preferences), its date of birth, every event's note and free-text details (`evidence`,
`to_la`), every void's reason, and every letter's content (HTML, text, PDF and the
context it was made from). It keeps what the scorecard and the deadlines are computed
from (the case's reference, state, team and officer; each event's type, date and
structured details; the deadlines; which letters were made, for whom and when) and the
staff's audit (who recorded, voided, downloaded or looked, and when), so a published
scorecard computes the same after erasure. Each case is erased in its own transaction and
audited (who, when, which case, under which rule).

Events, voids and letters are append-only: their database triggers refuse every change
except, within an erasure's own transaction, these clearings of the case being erased
(marked by its row in `erasures_in_progress`, inserted and deleted in that transaction,
so no other transaction ever sees it; migration 0015).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlmodel import Field, Session, SQLModel, col, select

from workflow.account_models import AuditEntry
from workflow.clock import Clock
from workflow.corrections import effective
from workflow.errors import CaseNotFound, InvalidInput
from workflow.models import Case, CasePeople, EventVoid, StoredEvent

AUDIT_ACTION = "case_erased"
CLOSED_STATES = ("withdrawn", "not_assessed", "not_issued", "ceased", "transferred_out")
FREE_TEXT_FIELDS = ("evidence", "to_la")  # event details written in words, not chosen
ERASED_REASON = "Erased under the retention policy"  # a void's reason, once erased

# The letters' content columns (letters.models.Letter: a lower layer cannot import it).
_LETTERS = sa.table(
    "letters",
    sa.column("case_id"),
    sa.column("html"),
    sa.column("text"),
    sa.column("pdf"),
    sa.column("context", sa.JSON),
    sa.column("html_sha256"),
    sa.column("pdf_sha256"),
)


class ErasureInProgress(SQLModel, table=True):
    """The case an erasure is clearing, for its own transaction only (migration 0015): the
    append-only triggers let that transaction clear the case's notes and letters."""

    __tablename__ = "erasures_in_progress"

    case_id: int = Field(primary_key=True, foreign_key="cases.id")


@dataclass(frozen=True)
class RetentionPolicy:
    years_after_25th_birthday: int | None = None
    years_after_closed: int | None = None

    @property
    def is_set(self) -> bool:
        return self.years_after_25th_birthday is not None or self.years_after_closed is not None

    def describe(self) -> str:
        parts = []
        if self.years_after_25th_birthday is not None:
            parts.append(f"{self.years_after_25th_birthday} years after the 25th birthday")
        if self.years_after_closed is not None:
            parts.append(f"{self.years_after_closed} years after the case closed")
        return " and ".join(parts) or "no retention rule set"

    def due(self, *, born: dt.date | None, closed_on: dt.date) -> tuple[dt.date, str] | None:
        """When a case closed on `closed_on` is due, and why; None if no rule applies."""
        rules: list[tuple[dt.date, str]] = []
        if self.years_after_25th_birthday is not None and born is not None:
            n = self.years_after_25th_birthday
            rules.append((add_years(born, 25 + n), f"{n} years after the 25th birthday"))
        if self.years_after_closed is not None:
            n = self.years_after_closed
            rules.append(
                (add_years(closed_on, n), f"{n} years after it closed on {closed_on.isoformat()}")
            )
        return max(rules) if rules else None


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later; 29 February becomes 1 March (as an age is reached)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)


@dataclass(frozen=True)
class DueCase:
    case_id: int
    reference: str
    state: str
    due_since: dt.date
    why: str


def cases_due(session: Session, policy: RetentionPolicy, as_of: dt.date) -> list[DueCase]:
    """Closed cases not yet erased whose retention has passed by `as_of`, oldest first."""
    return [c for c in _closed_cases(session, policy) if c.due_since <= as_of]


def _closed_cases(
    session: Session, policy: RetentionPolicy, references: Iterable[str] | None = None
) -> list[DueCase]:
    events = StoredEvent.__table__  # type: ignore[attr-defined]
    last_event = (
        sa.select(sa.func.max(events.c.date))
        .where(events.c.case_id == col(Case.id), effective(events))
        .scalar_subquery()
    )
    query = sa.select(
        col(Case.id), col(Case.reference), col(Case.state), col(Case.date_of_birth), last_event
    ).where(col(Case.erased_at).is_(None), col(Case.state).in_(CLOSED_STATES))
    if references is not None:
        query = query.where(col(Case.reference).in_(list(references)))
    out: list[DueCase] = []
    for case_id, ref, state, born, closed_on in session.execute(query):
        due = policy.due(born=born, closed_on=closed_on) if closed_on is not None else None
        if due is not None:
            out.append(DueCase(case_id, ref, state, due[0], due[1]))
    return sorted(out, key=lambda c: (c.due_since, c.reference))


@dataclass(frozen=True)
class Erased:
    reference: str
    due_since: dt.date
    why: str
    events_cleared: int
    letters_cleared: int


def erase_case(
    *,
    session: Session,
    case_ref: str,
    policy: RetentionPolicy,
    as_of: dt.date,
    actor: str,
    clock: Clock,
) -> Erased:
    """Erase one due case's personal data, in one transaction, audited; refuses a case
    that is not due (or already erased)."""
    # Locked (PostgreSQL; SQLite's writers take turns): two erasures of a case never overlap.
    case = session.exec(
        select(Case).where(col(Case.reference) == case_ref).with_for_update()
    ).first()
    if case is None or case.id is None:
        raise CaseNotFound(case_ref)
    if case.erased_at is not None:
        raise InvalidInput(
            f"Case {case.reference}: its personal data was erased on "
            f"{case.erased_at.date().isoformat()}"
        )
    found = _closed_cases(session, policy, [case.reference])
    if not found or found[0].due_since > as_of:
        when = f" until {found[0].due_since.isoformat()}" if found else ""
        raise InvalidInput(
            f"Case {case.reference} is not due for erasure{when} "
            f"(retention: {policy.describe()}; only closed cases are erased)"
        )
    due = found[0]
    now = clock()
    session.add(ErasureInProgress(case_id=case.id))
    session.flush()
    events_cleared = _clear_events(session, case.id)
    session.execute(
        sa.update(EventVoid).where(col(EventVoid.case_id) == case.id).values(reason=ERASED_REASON)
    )
    cleared = session.execute(
        sa.update(_LETTERS)
        .where(_LETTERS.c.case_id == case.id)
        .values(html=None, text=None, pdf=None, context={}, html_sha256=None, pdf_sha256=None)
    )
    letters_cleared = cast(CursorResult[Any], cleared).rowcount
    session.execute(sa.delete(CasePeople).where(col(CasePeople.case_id) == case.id))
    session.execute(
        sa.update(Case)
        .where(col(Case.id) == case.id)
        .values(date_of_birth=None, erased_at=now, updated_at=now, version=Case.version + 1)
    )
    session.execute(sa.delete(ErasureInProgress).where(col(ErasureInProgress.case_id) == case.id))
    session.add(
        AuditEntry(
            at=now,
            actor=actor,
            action=AUDIT_ACTION,
            subject=case.reference,
            detail={
                "rule": due.why,
                "due_since": due.due_since.isoformat(),
                "policy": policy.describe(),
                "as_of": as_of.isoformat(),
            },
        )
    )
    session.commit()
    return Erased(case.reference, due.due_since, due.why, events_cleared, letters_cleared)


def _clear_events(session: Session, case_id: int) -> int:
    """Clear each event's note and free-text details; the rest of it stays as it was."""
    rows = session.exec(select(StoredEvent).where(col(StoredEvent.case_id) == case_id)).all()
    cleared = 0
    for event in rows:
        fields: dict[str, Any] = {
            k: v for k, v in event.fields.items() if k not in FREE_TEXT_FIELDS
        }
        if event.note is None and fields == event.fields:
            continue
        session.execute(
            sa.update(StoredEvent)
            .where(col(StoredEvent.id) == event.id)
            .values(note=None, fields=fields)
        )
        cleared += 1
    return cleared
