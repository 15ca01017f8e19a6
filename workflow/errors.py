"""The typed errors of the case engine. Each builds its own plain-English message.

`WorkflowError` and its subclasses are the user's input being wrong (CLI exit 2,
HTTP 4xx); anything else is a fault of ours (exit 1, HTTP 500).
"""

from __future__ import annotations

from collections.abc import Iterable


class WorkflowError(Exception):
    """Input the engine refuses. The message says what is wrong, in plain English."""

    http_status = 400
    # The event the error is about, when there is one (set by whoever replayed it).
    event: object | None = None


class InvalidEvent(WorkflowError):
    """An event with an unknown type, a bad date or a missing or bad field."""


class EventNotAllowed(WorkflowError):
    """The state machine refuses an event in the case's state."""

    http_status = 409

    def __init__(
        self, case_ref: str, event: str, state: str, accepts: Iterable[str], why: str = ""
    ) -> None:
        self.case_ref, self.event, self.state = case_ref, event, state
        self.accepts = list(accepts)
        reason = f" ({why})" if why else ""
        super().__init__(
            f"Case {case_ref} is {state}: it cannot take {event}{reason}. "
            f"It can take: {', '.join(self.accepts) or 'nothing (the case is closed)'}"
        )


class InvalidException(WorkflowError):
    """A statutory exception that names no deadline it could attach to."""


class CaseNotFound(WorkflowError):
    http_status = 404

    def __init__(self, case_ref: str) -> None:
        self.case_ref = case_ref
        super().__init__(f"There is no case {case_ref}")


class ConcurrentUpdate(WorkflowError):
    """Somebody else changed the case since it was read; nothing was saved."""

    http_status = 409

    def __init__(self, case_ref: str) -> None:
        self.case_ref = case_ref
        super().__init__(
            f"Case {case_ref} was changed by someone else while you were recording; "
            "nothing was saved. Look at the case again and record the event again "
            "if it is still needed"
        )


class InvalidInput(WorkflowError):
    """Bad input that is not an event: a file, a setting, a case field."""
