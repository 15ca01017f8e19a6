"""Letters as a projection of the case: the service calls this in each change's transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from letters import store
from letters.contexts import Council
from workflow.clock import Clock
from workflow.law.deadlines import Evaluation, Settings
from workflow.law.events import Event
from workflow.models import Case, EventVoid, StoredEvent


class LetterProjection:
    """Each new event makes its letters; new details complete the letters waiting for them;
    a voided event's letters are withdrawn."""

    def __init__(self, council: Council) -> None:
        self.council = council

    def events_recorded(
        self,
        *,
        session: Session,
        case: Case,
        recorded: Sequence[tuple[StoredEvent, Event]],
        evaluation: Evaluation,
        settings: Settings,
        clock: Clock,
        actor: str,
    ) -> None:
        store.for_events(
            session=session,
            case=case,
            pairs=recorded,
            evaluation=evaluation,
            settings=settings,
            clock=clock,
            actor=actor,
            council=self.council,
        )

    def events_voided(
        self,
        *,
        session: Session,
        case: Case,
        voided: Sequence[tuple[StoredEvent, EventVoid]],
        clock: Clock,
        actor: str,
    ) -> None:
        store.withdraw_for_voids(session=session, voided=voided, clock=clock)

    def details_changed(self, *, session: Session, case: Case, clock: Clock) -> None:
        store.render_waiting(session=session, case=case, clock=clock, council=self.council)
