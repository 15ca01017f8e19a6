"""Work derived from a case's changes by a layer above `workflow`, handed in at the edge.

The service keeps its own derived rows (state, stored deadlines). Anything else that
follows from a change (a case's letters) lives in a layer above and implements
`Projection`; the edges pass the list in (`bootstrap.projections()`), and the service
calls each one inside the change's transaction, so what it writes commits or rolls back
with the events. `workflow` never imports the layers that implement it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sqlmodel import Session

from workflow.clock import Clock
from workflow.law.deadlines import Evaluation, Settings
from workflow.law.events import Event
from workflow.models import Case, EventVoid, StoredEvent


class Projection(Protocol):
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
        """New events of one case were written (rows flushed, ids set). `letter_details`
        (the reasons for a decision, given for the family when the event is recorded) are
        for the letters the events make: the service passes them through unread."""

    def events_voided(
        self,
        *,
        session: Session,
        case: Case,
        voided: Sequence[tuple[StoredEvent, EventVoid]],
        clock: Clock,
        actor: str,
    ) -> None:
        """Events of one case were voided (void rows flushed). A correction's replacement
        follows as `events_recorded`, in the same transaction."""

    def details_changed(self, *, session: Session, case: Case, clock: Clock) -> None:
        """The people on a case changed (flushed)."""
