"""The typed errors of the case engine, and the one mapping from error type to outcome.

A `WorkflowError` is the user's input being refused; its class says how each edge
answers it (`http_status` for the web and API, `exit_code` for the CLI) and its message
says why in plain English. Anything that is not a `WorkflowError` is a fault of ours
(HTTP 500, exit 1). Edges map by type, never by the message's words: the input field a
refusal is about travels as `field`.
"""

from __future__ import annotations

from collections.abc import Iterable

EXIT_BAD_INPUT = 2
EXIT_FAULT = 1


class WorkflowError(Exception):
    """Input the engine refuses. The message says what is wrong, in plain English."""

    http_status = 422  # understood, but its content is refused
    exit_code = EXIT_BAD_INPUT
    # The event the error is about, when there is one (set by whoever replayed it).
    event: object | None = None
    # The input field the message is about ("date", "advice", "as_of"), when there is one.
    field: str | None = None

    def __init__(self, *args: object, field: str | None = None) -> None:
        super().__init__(*args)
        if field is not None:
            self.field = field


class NotFound(WorkflowError):
    """What was asked for does not exist (or is not the caller's to see)."""

    http_status = 404


class Conflict(WorkflowError):
    """The input was right but the case is not in a state to take it."""

    http_status = 409


class InvalidEvent(WorkflowError):
    """An event with an unknown type, a bad date or a missing or bad field."""


class InvalidInput(WorkflowError):
    """Bad input that is not an event: a file, a setting, a case field, a filter."""


class InvalidException(WorkflowError):
    """A statutory exception that names no deadline it could attach to."""


class EventNotAllowed(Conflict):
    """The state machine refuses an event in the case's state.

    The machine (`workflow.law.machine.refusal`) words the message: the case, the event
    and the state in plain English, and what the case can take instead.
    """

    def __init__(
        self,
        case_ref: str,
        event: str,
        state: str,
        accepts: Iterable[str],
        message: str = "",
    ) -> None:
        self.case_ref, self.event, self.state = case_ref, event, state
        self.accepts = list(accepts)
        super().__init__(message or f"Case {case_ref} cannot take this event now")


class CaseNotFound(NotFound):
    def __init__(self, case_ref: str) -> None:
        self.case_ref = case_ref
        super().__init__(f"There is no case {case_ref}")


class ConcurrentUpdate(Conflict):
    """Somebody else changed the case since it was read; nothing was saved."""

    def __init__(self, case_ref: str) -> None:
        self.case_ref = case_ref
        super().__init__(
            f"Case {case_ref} was changed by someone else while you were recording; "
            "nothing was saved. Look at the case again and record the event again "
            "if it is still needed"
        )
