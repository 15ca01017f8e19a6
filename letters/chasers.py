"""Advice reminders and overdue chasers, for the scheduler's daily sweep.

`queue_advice_chasers(session=..., as_of=..., clock=...)` looks at every open
advice deadline (reg 8(1)) and queues, at most once per deadline and kind:

- `advice_reminder` when the advice is due within `within_working_days`
  working days of `as_of` (and not yet due);
- `advice_overdue` when `as_of` is after the due date, unless an exception
  (reg 8(2)) has been recorded for it.

It never commits: the sweep owns the transaction. Running it twice on the
same day, or on the next day, makes no second letter for the same deadline.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from letters.catalogue import CATALOGUE
from letters.contexts import Council
from letters.models import Letter
from letters.store import new_letter
from workflow.clock import Clock
from workflow.corrections import effective
from workflow.law.calendar import WorkingDays
from workflow.law.deadlines import default_working_days
from workflow.models import Case, StoredDeadline, StoredEvent

REMINDER_WORKING_DAYS = 5


def chaser_key(kind: str, d: StoredDeadline) -> str:
    return f"{kind}:{d.case_id}:{d.advice or ''}:{d.ref or ''}:{d.starts}:{d.due}"


def queue_advice_chasers(
    *,
    session: Session,
    as_of: date,
    clock: Clock,
    within_working_days: int = REMINDER_WORKING_DAYS,
    working_days: WorkingDays | None = None,
    actor: str = "scheduler",
    council: Council,
) -> list[Letter]:
    """Queue the reminders and chasers due on `as_of`; returns the letters made."""
    days = working_days or default_working_days()
    remind_from_due = {}  # due date -> first day to remind, cached
    open_advice = session.exec(
        select(StoredDeadline).where(
            StoredDeadline.kind == "advice",
            col(StoredDeadline.met_on).is_(None),
            col(StoredDeadline.cancelled_on).is_(None),
            StoredDeadline.created_on <= as_of,
        )
    )
    wanted: list[tuple[str, StoredDeadline]] = []
    for d in open_advice:
        if as_of > d.due:
            if d.exception is None or (d.exception_on is not None and d.exception_on > as_of):
                wanted.append(("advice_overdue", d))
            continue
        if d.due not in remind_from_due:
            remind_from_due[d.due] = days.add(d.due, -within_working_days)
        if as_of >= remind_from_due[d.due]:
            wanted.append(("advice_reminder", d))
    if not wanted:
        return []
    keys = [chaser_key(kind, d) for kind, d in wanted]
    existing = set(session.exec(select(Letter.dedupe_key).where(col(Letter.dedupe_key).in_(keys))))
    made: list[Letter] = []
    cases: dict[int, Case] = {}
    for (kind, d), key in zip(wanted, keys, strict=True):
        if key in existing:
            continue
        existing.add(key)
        case = cases.get(d.case_id) or session.get(Case, d.case_id)
        assert case is not None
        cases[d.case_id] = case
        request = _advice_request(session, d)
        late = (as_of - d.due).days
        facts = {
            "advice": d.advice,
            "advice_ref": d.ref,
            "requested_on": request.date if request else d.starts,
            "received_on": d.starts,
            "advice_due": d.due,
            "chased_on": as_of,
            "days_overdue": late if late > 0 else None,
        }
        made += new_letter(
            session=session,
            case=case,
            spec=CATALOGUE[kind],
            facts=facts,
            dedupe_key=key,
            clock=clock,
            actor=actor,
            event=request,
            council=council,
        )
    return made


def _advice_request(session: Session, d: StoredDeadline) -> StoredEvent | None:
    """The advice_requested event that started this deadline (a voided one never did)."""
    rows = session.exec(
        select(StoredEvent)
        .where(
            StoredEvent.case_id == d.case_id, StoredEvent.type == "advice_requested", effective()
        )
        .order_by(col(StoredEvent.sequence))
    )
    found = None
    for row in rows:
        starts = row.fields.get("received_on") or row.date.isoformat()
        if (
            row.fields.get("advice") == d.advice
            and row.fields.get("ref") == d.ref
            and starts == d.starts.isoformat()
        ):
            found = row
    return found
