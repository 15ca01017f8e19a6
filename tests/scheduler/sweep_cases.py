"""Cases for the sweep tests: one per thing the sweep must notice, as of Fri 20 Nov 2026."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from scheduler.notify import Staff
from tests.workflow.factories import import_all

AS_OF = date(2026, 11, 20)  # Fri; 5 working days on is Fri 27 Nov

# case -> (events, what the sweep should make of its decision_to_assess deadline)
CASES: dict[str, list[dict[str, Any]]] = {
    # due Thu 26 Nov: within 5 working days -> officer told "due soon"
    "SOON": [{"type": "request_received", "date": "2026-10-15", "source": "parent"}],
    # due Fri 20 Nov -> officer told "due today"
    "TODAY": [{"type": "request_received", "date": "2026-10-09", "source": "parent"}],
    # due Sun 13 Dec -> nothing yet
    "LATER": [{"type": "request_received", "date": "2026-11-01", "source": "parent"}],
    # due Tue 13 Oct, unmet -> breach logged; officer and manager told
    "BREACH": [{"type": "request_received", "date": "2026-09-01", "source": "school"}],
    # due Tue 13 Oct, met late on 20 Oct -> breach logged, nobody told (nothing to do)
    "MET-LATE": [
        {"type": "request_received", "date": "2026-09-01", "source": "school"},
        {"type": "decision_to_assess", "date": "2026-10-20"},
    ],
    # due Tue 13 Oct, unmet but excused -> not a breach: not logged, nobody told
    "EXCUSED": [
        {"type": "request_received", "date": "2026-09-01", "source": "school"},
        {
            "type": "exception_recorded",
            "date": "2026-09-10",
            "reason": "personal_circumstances",
            "applies_to": "decision_to_assess",
        },
    ],
}

STAFF = Staff(
    managers={"North": "north.manager@la.example"},
    officers={"Officer A": "officer.a@la.example"},
)


def load_cases(
    session: Session,
    clock: Callable[[], datetime],
    cases: dict[str, list[dict[str, Any]]] | None = None,
    **case_fields: Any,
) -> None:
    lines = []
    for ref, events in (cases or CASES).items():
        for i, event in enumerate(events):
            line = {"case": ref, **event}
            if i == 0:
                line.update(team="North", officer="Officer A", **case_fields)
            lines.append(json.dumps(line))
    import_all(session=session, lines=lines, clock=clock, actor="test")


@dataclass
class RecordingSender:
    """A sender that keeps what it sent; `crash_on` raises before sending that message."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    crash_on: int | None = None  # 1-based count of send calls

    calls: int = 0
    alerts: list[dict[str, Any]] = field(default_factory=list)

    def send(
        self, *, message_id: int, role: str, recipient: str | None, subject: str, body: str
    ) -> str:
        self.calls += 1
        if self.crash_on is not None and self.calls == self.crash_on:
            raise Crash("the process died here")
        self.sent.append(
            {"id": message_id, "role": role, "to": recipient, "subject": subject, "body": body}
        )
        return "email"

    def alert(self, *, recipients: Sequence[str], subject: str, body: str) -> str:
        self.alerts.append({"to": list(recipients), "subject": subject, "body": body})
        return "email"

    def close(self) -> None:
        pass


class Crash(BaseException):
    """Stands for the process dying (not an error the sweep could catch)."""


def rows(session: Session, sql: str) -> list[tuple[Any, ...]]:
    found = [tuple(r) for r in session.execute(sa.text(sql))]
    session.commit()
    return found
