"""Letters as a projection of the case: the service calls this in each change's transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel import Session

from letters import store
from letters.contexts import Council
from workflow.clock import Clock
from workflow.errors import InvalidInput
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
        letter_details: Mapping[str, Any] | None = None,
    ) -> None:
        try:
            self._made(session, case, recorded, evaluation, settings, clock, actor, letter_details)
        except ValueError as e:  # a letter detail that fails its check: nothing is saved
            raise InvalidInput(f"Case {case.reference}: {e}") from None

    def _made(
        self,
        session: Session,
        case: Case,
        recorded: Sequence[tuple[StoredEvent, Event]],
        evaluation: Evaluation,
        settings: Settings,
        clock: Clock,
        actor: str,
        letter_details: Mapping[str, Any] | None,
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
            letter_details=letter_details,
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
