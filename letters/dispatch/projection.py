"""Queueing letters for Notify in the change that makes them: the letters' own projection
with one step more, used in its place only when Notify is configured (`bootstrap`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel import Session

from letters.dispatch.store import queue_new
from letters.projection import LetterProjection
from workflow.clock import Clock
from workflow.law.deadlines import Evaluation, Settings
from workflow.law.events import Event
from workflow.models import Case, StoredEvent


class DispatchProjection(LetterProjection):
    """Each letter for the family that a change makes ready is queued for sending, in the
    same transaction: the letter and its dispatch commit (or roll back) together. Letters
    made before Notify was configured are not queued: they were made to be downloaded.
    A letter withdrawn while queued is never claimed (`store.claim_next`)."""

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
        since = clock()
        super().events_recorded(
            session=session,
            case=case,
            recorded=recorded,
            evaluation=evaluation,
            settings=settings,
            clock=clock,
            actor=actor,
            letter_details=letter_details,
        )
        queue_new(session=session, case=case, since=since, clock=clock)

    def details_changed(self, *, session: Session, case: Case, clock: Clock) -> None:
        since = clock()
        super().details_changed(session=session, case=case, clock=clock)
        queue_new(session=session, case=case, since=since, clock=clock)
