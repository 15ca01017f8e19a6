"""What the API reads and writes, as pydantic models, so `/openapi.json` is exact.

Dates are `YYYY-MM-DD` strings and timestamps ISO 8601 in UTC, as in the
import format and `ehc ... --json`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from workflow.caseload import CaseRow
from workflow.corrections import Correction
from workflow.law.deadlines import Deadline, LawWarning
from workflow.law.events import EventType
from workflow.law.next_steps import NextStep
from workflow.models import Case, StoredEvent

Status = Literal["pending", "overdue", "met", "late", "cancelled", "lapsed"]
# Text the engine stores in 100-character columns (team, officer names).
Name = Field(default=None, min_length=1, max_length=100)


class FieldError(BaseModel):
    field: str = Field(
        description="The field that is wrong (`source`, `as_of`), or `body` or `query` "
        "when the message is about the request as a whole"
    )
    message: str


class Problem(BaseModel):
    """Every refusal: a plain-English `detail`, and per-field `errors` on a 422."""

    detail: str
    errors: list[FieldError] = Field(default_factory=list)


class CaseSummary(BaseModel):
    reference: str
    state: str
    team: str | None
    officer: str | None
    version: int = Field(description="Send it back as `expected_version` when recording")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, case: Case) -> CaseSummary:
        return cls(
            reference=case.reference,
            state=case.state,
            team=case.team,
            officer=case.officer,
            version=case.version,
            created_at=case.created_at,
            updated_at=case.updated_at,
        )


class CaseListItem(BaseModel):
    """A case in a list: no child's name (the API is for systems, not the caseload page)."""

    reference: str
    state: str
    team: str | None
    officer: str | None
    updated_at: datetime
    next_kind: str | None = Field(description="The next open deadline's kind")
    next_advice: str | None
    next_due: date | None
    overdue: int = Field(description="Open deadlines past their due date")
    breaches: int = Field(description="Overdue deadlines in breach of a statutory time limit")

    @classmethod
    def of(cls, row: CaseRow) -> CaseListItem:
        return cls(
            reference=row.reference,
            state=row.state,
            team=row.team,
            officer=row.officer,
            updated_at=row.updated_at,
            next_kind=row.next_kind,
            next_advice=row.next_advice,
            next_due=row.next_due,
            overdue=row.overdue,
            breaches=row.breaches,
        )


class CaseList(BaseModel):
    items: list[CaseListItem]
    total: int
    page: int
    pages: int


class DeadlineOut(BaseModel):
    """A statutory deadline as of a day (spec deadlines.md section 5)."""

    kind: str
    advice: str | None
    ref: str | None
    regulation: str
    party: str
    starts: date
    due: date
    met_on: date | None
    status: Status
    exception: str | None
    breach: bool
    days_late: int | None

    @classmethod
    def of(cls, deadline: Deadline) -> DeadlineOut:
        return cls.model_validate(deadline.to_json())


_Day = date  # for fields declared after a field named `date`


class WarningOut(BaseModel):
    """A warning that is not a deadline (spec deadlines.md section 5a): exactly an item of
    `warnings` in `ehc deadlines --json` and of `law_warnings` in `ehc case show --json`.

    `ceased_during_appeal_period` (CFA s.45): the plan ceased on `date` while the family
    could still appeal the decision to cease it, notified on `notice`, until `closes`.
    """

    kind: str = Field(description="ceased_during_appeal_period")
    date: _Day
    notice: _Day
    closes: _Day

    @classmethod
    def of(cls, warning: LawWarning) -> WarningOut:
        return cls.model_validate(warning.to_json())


class NextStepOut(BaseModel):
    """An open statutory step: exactly an item of `next_steps` in `ehc case show --json`."""

    event: EventType | None = Field(
        description="The event type that completes the step; null for a family window "
        "(representations) that no event closes"
    )
    label: str = Field(description="What must happen, in plain English")
    due: date
    days_left: int = Field(description="Days from as_of to due; negative when overdue")
    who: str = Field(description="Who must act: the council, which adviser, or the family")
    chase_on: date | None = Field(
        default=None, description="Advice only: when to chase the adviser (a week before due)"
    )

    @classmethod
    def of(cls, step: NextStep) -> NextStepOut:
        return cls.model_validate(step.to_json())


class Deadlines(BaseModel):
    case: str
    as_of: date
    state: str
    deadlines: list[DeadlineOut]


class EventOut(BaseModel):
    sequence: int = Field(description="Order of recording within the case")
    type: EventType
    date: date
    fields: dict[str, Any] = Field(description="The event type's own fields, as recorded")
    note: str | None
    actor: str | None
    recorded_at: datetime
    recorded_by: str

    @classmethod
    def of(cls, row: StoredEvent) -> EventOut:
        return cls(
            sequence=row.sequence,
            type=EventType(row.type),
            date=row.date,
            fields=row.fields,
            note=row.note,
            actor=row.actor,
            recorded_at=row.recorded_at,
            recorded_by=row.recorded_by,
        )


class Events(BaseModel):
    case: str
    events: list[EventOut] = Field(description="In processing order: by date, then type")


class CorrectionOut(BaseModel):
    """A void: the event it took out of the history, why, who, when, and its replacement.

    Exactly an item of `corrections` in `ehc case show --json`.
    """

    sequence: int = Field(description="The voided event's sequence")
    type: EventType
    date: date
    fields: dict[str, Any] = Field(description="The voided event's own fields")
    reason: str
    voided_by: str
    voided_at: datetime
    replaced_by: int | None = Field(
        description="The corrected event's sequence; null when the event was only voided"
    )

    @classmethod
    def of(cls, correction: Correction) -> CorrectionOut:
        return cls.model_validate(correction.to_json())


class CaseDetail(BaseModel):
    case: CaseSummary
    as_of: date
    next_steps: list[NextStepOut] = Field(
        description="What happens next: the open statutory steps as of as_of, soonest due first"
    )
    deadlines: list[DeadlineOut]
    events: list[EventOut] = Field(description="The effective events: voided ones are left out")
    corrections: list[CorrectionOut] = Field(
        description="The case's voids and corrections, in the order they were made"
    )
    warnings: list[str] = Field(description="The warnings in plain English, as on the case page")
    law_warnings: list[WarningOut] = Field(
        description="The same warnings that are not deadlines, structured (spec section 5a), "
        "sorted by date then kind, as `ehc deadlines --json` has its `warnings`"
    )


class LetterDetailsIn(BaseModel):
    """Details of the letters an event makes, given with the event."""

    model_config = ConfigDict(extra="forbid")

    reasons: str | None = Field(
        default=None,
        min_length=1,
        max_length=5000,
        description="The reasons for the decision, written for the family: the decision "
        "letter (not to assess, not to issue, not to amend) gives them",
    )


class EventIn(BaseModel):
    """An event as in the import format, plus the version you read.

    Besides `type` and `date`, send the event type's own fields (for example
    `source` on `request_received`, `advice` on `advice_requested`): see
    docs/api.md and the spec. A first event (`request_received` or
    `plan_transferred_in`) on a new reference opens the case.
    """

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {"type": "decision_to_assess", "date": "2026-10-05", "expected_version": 1}
            ]
        },
    )

    type: EventType
    date: str = Field(
        pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        json_schema_extra={"format": "date"},
        description="The day it happened, YYYY-MM-DD; not in the future",
    )
    note: str | None = Field(default=None, max_length=2000)
    expected_version: int | None = Field(
        default=None,
        ge=0,
        le=2**31 - 1,
        description="The case version you read; 0 or absent for a new case. "
        "Or send it as the If-Match header",
    )
    team: str | None = Name
    officer: str | None = Name
    letter_details: LetterDetailsIn | None = Field(
        default=None,
        description="Details for the letters the event makes: `reasons`, the reasons for "
        "a decision, sent to the family (never taken from `note`, which stays internal)",
    )


class RecordedOut(BaseModel):
    case: CaseSummary
    event: EventOut
    deadlines: list[DeadlineOut] = Field(description="As of today")


Version = Field(
    default=None,
    ge=0,
    le=2**31 - 1,
    description="The case version you read. Or send it as the If-Match header",
)
Reason = Field(
    min_length=1,
    max_length=2000,
    description="Why (required): kept with the case's history and shown in its corrections",
)


class VoidIn(BaseModel):
    """Why the event is voided, and the version you read."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reason": "Recorded on the wrong case", "expected_version": 3}]
        },
    )

    reason: str = Reason
    expected_version: int | None = Version


class CorrectIn(BaseModel):
    """What is wrong with the event: its date, its note or its own fields, and why.

    Send only what changes, named as the event's own fields are (for example `source` on
    `request_received`, `advice` on `advice_requested`); `null` clears an optional
    field. The event keeps its type: to change the type, void the event and record
    the right one.
    """

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {"date": "2026-10-06", "reason": "Typed the wrong day", "expected_version": 3}
            ]
        },
    )

    date: str | None = Field(
        default=None,
        pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        json_schema_extra={"format": "date"},
        description="The right date, YYYY-MM-DD; not in the future",
    )
    note: str | None = Field(default=None, max_length=2000, description="null clears the note")
    reason: str = Reason
    expected_version: int | None = Version


class VoidedOut(BaseModel):
    case: CaseSummary
    void: CorrectionOut
    deadlines: list[DeadlineOut] = Field(description="As of today")


class CorrectedOut(BaseModel):
    case: CaseSummary
    void: CorrectionOut
    event: EventOut = Field(description="The corrected event, which replaced the voided one")
    deadlines: list[DeadlineOut] = Field(description="As of today")


class BreachItem(BaseModel):
    case: str
    kind: str
    advice: str | None
    ref: str | None
    starts: date
    due: date
    status: Literal["overdue", "pending"]
    breach: bool
    exception: str | None
    days_late: int | None
    team: str | None
    officer: str | None


class BreachQueue(BaseModel):
    """Exactly what `ehc breaches --json` prints."""

    as_of: date
    items: list[BreachItem]


class Scorecard(BaseModel):
    """Exactly what `ehc kpi --format json` prints (docs/kpis.md describes each figure)."""

    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from", description="First month, YYYY-MM")
    to: str = Field(description="Last month, YYYY-MM")
    settings: dict[str, Any]
    filters: dict[str, str | None]
    indicators: list[dict[str, Any]]
    open_assessment_age_bands: list[dict[str, Any]]
