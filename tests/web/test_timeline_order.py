"""The case page's timeline puts each letter beside the event that made it: also for a
case imported in one go, whose letters are made a moment after all its events were
written (they had all gone to the top). A letter completed later, after other events,
stays where it was made."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from letters.models import READY, Letter
from web.pages.cases import TimelineEntry, TimelineLetter, _timeline
from workflow.models import StoredEvent

IMPORTED = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def event(n: int, kind: str, on: str, at: datetime = IMPORTED) -> StoredEvent:
    return StoredEvent(
        id=n, case_id=1, sequence=n, type=kind, date=date.fromisoformat(on), fields={},
        recorded_at=at, recorded_by="import",
    )  # fmt: skip


def letter(n: int, event_id: int, kind: str, made: datetime, status: str = READY) -> Letter:
    return Letter(
        id=n, case_id=1, event_id=event_id, type=kind, template=f"{kind}.html.j2",
        template_version=1, recipient="parent", status=status, context={},
        dedupe_key=f"{n}", created_at=made, rendered_at=made if status == READY else None,
    )  # fmt: skip


def order(items: list[TimelineEntry | TimelineLetter]) -> list[str]:
    return [
        f"letter {x.letter.type}" if isinstance(x, TimelineLetter) else f"event {x.event.type}"
        for x in items
    ]


def test_an_imported_cases_letters_sit_above_their_own_events() -> None:
    events = [
        event(1, "request_received", "2026-01-05"),
        event(2, "decision_to_assess", "2026-02-09"),
        event(3, "advice_requested", "2026-02-10"),
    ]
    later = IMPORTED + timedelta(seconds=2)  # rendered after every event was written
    letters = [
        letter(10, 1, "acknowledgement_of_request", later),
        letter(11, 2, "decision_to_assess", later),
        letter(12, 3, "request_for_advice", later),
    ]
    assert order(_timeline(events, letters)) == [
        "letter request_for_advice",
        "event advice_requested",
        "letter decision_to_assess",
        "event decision_to_assess",
        "letter acknowledgement_of_request",
        "event request_received",
    ]


def test_a_letter_completed_after_later_events_stays_where_it_was_made() -> None:
    events = [
        event(1, "request_received", "2026-01-05"),
        event(2, "decision_not_to_assess", "2026-02-09", IMPORTED + timedelta(days=1)),
        event(3, "mediation_requested", "2026-02-20", IMPORTED + timedelta(days=3)),
    ]
    completed = IMPORTED + timedelta(days=5)
    letters = [
        letter(10, 1, "acknowledgement_of_request", IMPORTED),
        letter(11, 2, "decision_not_to_assess", completed),
    ]
    assert order(_timeline(events, letters)) == [
        "letter decision_not_to_assess",
        "event mediation_requested",
        "event decision_not_to_assess",
        "letter acknowledgement_of_request",
        "event request_received",
    ]
