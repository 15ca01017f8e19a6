"""The event vocabulary of an EHC case (spec deadlines.md section 2).

An event is a dated fact about a case. Events are parsed and checked here for
a known type, a valid date and their required fields; whether the case can
take an event in its current state is the state machine's job (`machine`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import Any

from workflow.errors import InvalidEvent
from workflow.law.calendar import govuk_date

Day = date  # an alias: inside `Event`, `date` names the field


class EventType(StrEnum):
    # Declared in the spec's processing order for events on the same date.
    REQUEST_RECEIVED = "request_received"
    PLAN_TRANSFERRED_IN = "plan_transferred_in"
    REASSESSMENT_REQUESTED = "reassessment_requested"
    MOVE_REPORTED = "move_reported"
    MEDIATION_ADVISER_CONTACTED = "mediation_adviser_contacted"
    MEDIATION_REQUESTED = "mediation_requested"
    MEDIATION_HELD = "mediation_held"
    MEDIATION_WITHDRAWN = "mediation_withdrawn"
    MEDIATION_CERTIFICATE_ISSUED = "mediation_certificate_issued"
    MEDIATION_AGREEMENT = "mediation_agreement"
    APPEAL_REGISTERED = "appeal_registered"
    APPEAL_CONCEDED = "appeal_conceded"
    TRIBUNAL_ORDER = "tribunal_order"
    DECISION_TO_ASSESS = "decision_to_assess"
    DECISION_NOT_TO_ASSESS = "decision_not_to_assess"
    DECISION_TO_REASSESS = "decision_to_reassess"
    DECISION_NOT_TO_REASSESS = "decision_not_to_reassess"
    ADVICE_REQUESTED = "advice_requested"
    ADVICE_RECEIVED = "advice_received"
    EXCEPTION_RECORDED = "exception_recorded"
    DECISION_NOT_TO_ISSUE = "decision_not_to_issue"
    DRAFT_PLAN_ISSUED = "draft_plan_issued"
    FINAL_PLAN_ISSUED = "final_plan_issued"
    REVIEW_MEETING_NOTICE_SENT = "review_meeting_notice_sent"
    REVIEW_PAPERS_CIRCULATED = "review_papers_circulated"
    REVIEW_MEETING_HELD = "review_meeting_held"
    REVIEW_REPORT_SENT = "review_report_sent"
    REVIEW_DECISION = "review_decision"
    AMENDMENT_NOTICE_SENT = "amendment_notice_sent"
    AMENDED_PLAN_ISSUED = "amended_plan_issued"
    DECISION_NOT_TO_AMEND = "decision_not_to_amend"
    PHASE_TRANSFER_SCHEDULED = "phase_transfer_scheduled"
    TRANSFER_NOTICE_SENT = "transfer_notice_sent"
    CEASE_PROPOSED = "cease_proposed"
    CEASE_NOTICE_SENT = "cease_notice_sent"
    REQUEST_WITHDRAWN = "request_withdrawn"
    PLAN_TRANSFERRED_OUT = "plan_transferred_out"
    PLAN_CEASED = "plan_ceased"


TYPE_ORDER: dict[str, int] = {t.value: i for i, t in enumerate(EventType)}
# Looked up by name: much faster than EventType(name) when an import parses millions.
_TYPES: dict[str, EventType] = {t.value: t for t in EventType}

ORDER_EVENTS = frozenset(
    {EventType.MEDIATION_AGREEMENT, EventType.APPEAL_CONCEDED, EventType.TRIBUNAL_ORDER}
)

REQUEST_SOURCES = ("parent", "young_person", "school", "health", "social_care", "other")
# CFA s.44(2): who may ask for a re-assessment (the parent or young person, the
# institution attended, the responsible commissioning body).
REASSESSMENT_SOURCES = ("parent", "young_person", "school", "health")
ADVICE_KINDS = (
    "parent",
    "educational",
    "health",
    "psychological",
    "social_care",
    "adulthood",
    "other",
)
REVIEW_OUTCOMES = ("maintain", "amend", "cease")
ORDER_KINDS = ("assess", "issue_plan", "amend", "name_school", "reassess")
# A mediation agreement cannot oblige a re-assessment (spec 2a: reg 42 not checked ⚠);
# a Tribunal order (reg 44(2)(b)) or a concession (reg 45(3)) can.
MEDIATION_ORDER_KINDS = tuple(k for k in ORDER_KINDS if k != "reassess")
PHASES = ("school", "post16", "post16_institution")
# Phases whose transfer is in September of a year (reg 18(1)); the other is on a date (18(2)).
YEAR_PHASES = ("school", "post16")
CEASE_REASONS = (
    "max_age",
    "needs_met",
    "higher_education",
    "employment",
    "moved_la",
    "disengaged",
    "left_england",
    "deceased",
    "other",
)

# Reg 10(4), 13(3), and reg 27(3) which repeats them for a re-assessment.
REG_10_4_REASONS = (
    "school_closure",
    "early_years_closure",
    "personal_circumstances",
    "absence_from_area",
)
# Reg 44(3) (and reg 45 for a concession ⚠): reg 10(4)'s reasons and the family's late
# representations on the plan (spec section 4).
REG_44_3_REASONS = (*REG_10_4_REASONS, "late_representations")

# Statutory exceptions (spec section 4): every reason a deadline kind may allow. Which of
# them applies to one deadline depends on the regulation that set it (a final plan set
# after an order takes reg 44(3)): `workflow.law.effects.exception_recorded` checks that.
EXCEPTION_REASONS: dict[str, tuple[str, ...]] = {
    # reg 5(4)(a)-(c)
    "decision_to_assess": ("school_closure", "personal_circumstances", "absence_from_area"),
    # reg 10(4), 13(3); after an order, reg 44(3) (via reg 44(2)(b))
    "decision_not_to_issue": REG_44_3_REASONS,
    "final_plan": REG_44_3_REASONS,
    # reg 8(2)
    "advice": ("personal_circumstances", "absence_from_area", "missed_appointment"),
    # reg 44(3)
    "order_compliance": REG_44_3_REASONS,
    # reg 27(3); after an order to re-assess, reg 44(3)
    "reassessment_final": REG_44_3_REASONS,
}

# Fields every event may carry, besides its type and date.
COMMON_OPTIONAL = ("note", "actor")
MAX_ACTOR = 100  # who recorded it (workflow.models.StoredEvent.actor)
# The dates an event may carry.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


# A date as every interface writes it: ASCII digits only. `date.fromisoformat` alone
# would take other scripts' digits (Arabic-Indic, full-width), which the forms then stored.
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
REAL_DATE = "is not a real date in the form YYYY-MM-DD"

# C0 and C1 control characters (NUL, CR, LF, tab, ESC, DEL included) and the Unicode
# line and paragraph separators: they split log lines and mail headers, and PostgreSQL
# cannot store NUL. Text kept in lines (notes, addresses) may hold newlines, nothing else.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")
NO_CONTROL = "must not contain control characters"


def text_without_controls(value: str, *, lines: bool = False) -> str | None:
    """`value` as stored, or None if it holds a control character.

    With `lines`, newlines are allowed: a browser's CRLF becomes LF, a lone CR is refused.
    """
    if lines:
        value = value.replace("\r\n", "\n")
        return None if _CONTROL_BUT_NEWLINE.search(value) else value
    return None if has_control(value) else value


def has_control(value: str) -> bool:
    """Whether `value` holds a control character or a line separator (`CONTROL`)."""
    return CONTROL.search(value) is not None


def parse_date(value: Any) -> date:
    """A date written YYYY-MM-DD in ASCII digits, from 1900 to 2999; `ValueError` otherwise.

    The one date parser of every interface: the API, the import, the CLI and the web forms
    (which put the day, month and year boxes together as YYYY-MM-DD).
    """
    if not isinstance(value, str):
        raise ValueError("must be a date written YYYY-MM-DD")
    shown = repr(value[:20])
    if not _ISO_DATE.fullmatch(value):
        raise ValueError(f"{shown} {REAL_DATE}")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{shown} {REAL_DATE}") from None
    # Deadlines are worked out years ahead: a year near 1 or 9999 would overflow.
    if not FIRST_DAY <= parsed <= LAST_DAY:
        raise ValueError(f"{shown} must be a date from {FIRST_DAY.year} to {LAST_DAY.year}")
    return parsed


def _one_of(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)} (got {value!r})")
        return str(value)

    return check


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be some text")
    return value


def _year(value: Any) -> int:
    # JSON booleans are ints in Python; a year is never true or false.
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("must be a year, for example 2025")
    # ASCII digits only, as in dates: int() takes other scripts' digits too.
    if isinstance(value, str) and not (value.isascii() and value.strip().isdigit()):
        raise ValueError(f"must be a year, for example 2025 (got {value[:20]!r})")
    try:
        year = int(value)
    except ValueError:
        raise ValueError(f"must be a year, for example 2025 (got {value!r})") from None
    if not 2000 <= year <= 2100:
        raise ValueError(f"must be a year between 2000 and 2100 (got {year})")
    return year


def _yes_no(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return bool(value == "true")
    raise ValueError(f"must be true or false (got {str(value)[:20]!r})")


_DEADLINE_KINDS_WITH_EXCEPTIONS = tuple(EXCEPTION_REASONS)


@dataclass(frozen=True)
class FieldSpec:
    parse: Callable[[Any], Any]
    required: bool = True
    is_date: bool = False


def _date_field(required: bool = True) -> FieldSpec:
    return FieldSpec(parse_date, required=required, is_date=True)


_ORDER_FIELDS = {"order": FieldSpec(_one_of(ORDER_KINDS))}
_MEDIATION_ORDER_FIELDS = {"order": FieldSpec(_one_of(MEDIATION_ORDER_KINDS))}

# Fields each event type carries (spec section 2).
EVENT_FIELDS: dict[EventType, dict[str, FieldSpec]] = {
    EventType.REQUEST_RECEIVED: {"source": FieldSpec(_one_of(REQUEST_SOURCES))},
    EventType.REQUEST_WITHDRAWN: {},
    EventType.DECISION_TO_ASSESS: {},
    EventType.DECISION_NOT_TO_ASSESS: {},
    EventType.ADVICE_REQUESTED: {
        "advice": FieldSpec(_one_of(ADVICE_KINDS)),
        "ref": FieldSpec(_text, required=False),
        "received_on": _date_field(required=False),
    },
    EventType.ADVICE_RECEIVED: {
        "advice": FieldSpec(_one_of(ADVICE_KINDS)),
        "ref": FieldSpec(_text, required=False),
    },
    EventType.EXCEPTION_RECORDED: {
        "reason": FieldSpec(_text),
        "applies_to": FieldSpec(_one_of(_DEADLINE_KINDS_WITH_EXCEPTIONS)),
        "advice": FieldSpec(_one_of(ADVICE_KINDS), required=False),
        "ref": FieldSpec(_text, required=False),
        "ends": _date_field(required=False),
        "evidence": FieldSpec(_text, required=False),
    },
    EventType.DECISION_NOT_TO_ISSUE: {},
    EventType.DRAFT_PLAN_ISSUED: {"served_on": _date_field(required=False)},
    EventType.FINAL_PLAN_ISSUED: {},
    EventType.REVIEW_MEETING_HELD: {},
    EventType.REVIEW_REPORT_SENT: {},
    EventType.REVIEW_DECISION: {"outcome": FieldSpec(_one_of(REVIEW_OUTCOMES))},
    EventType.AMENDMENT_NOTICE_SENT: {"served_on": _date_field(required=False)},
    EventType.AMENDED_PLAN_ISSUED: {},
    EventType.DECISION_NOT_TO_AMEND: {},
    EventType.PHASE_TRANSFER_SCHEDULED: {
        # transfer_year for school and post16, transfer_date for post16_institution
        # (`_check_phase_transfer`).
        "transfer_year": FieldSpec(_year, required=False),
        "to": FieldSpec(_one_of(PHASES)),
        "transfer_date": _date_field(required=False),
    },
    EventType.PLAN_CEASED: {"reason": FieldSpec(_one_of(CEASE_REASONS))},
    EventType.PLAN_TRANSFERRED_IN: {"last_reviewed": _date_field()},
    EventType.TRANSFER_NOTICE_SENT: {},
    EventType.REASSESSMENT_REQUESTED: {
        "source": FieldSpec(_one_of(REASSESSMENT_SOURCES), required=False)
    },
    EventType.DECISION_TO_REASSESS: {},
    EventType.DECISION_NOT_TO_REASSESS: {},
    EventType.REVIEW_MEETING_NOTICE_SENT: {"meeting_date": _date_field()},
    EventType.REVIEW_PAPERS_CIRCULATED: {},
    EventType.CEASE_PROPOSED: {},
    EventType.CEASE_NOTICE_SENT: {},
    EventType.MOVE_REPORTED: {"move_date": _date_field()},
    EventType.PLAN_TRANSFERRED_OUT: {"to_la": FieldSpec(_text, required=False)},
    EventType.MEDIATION_ADVISER_CONTACTED: {"pursue_mediation": FieldSpec(_yes_no, required=False)},
    EventType.MEDIATION_REQUESTED: {},
    EventType.MEDIATION_HELD: {},
    EventType.MEDIATION_WITHDRAWN: {},
    EventType.MEDIATION_CERTIFICATE_ISSUED: {},
    EventType.MEDIATION_AGREEMENT: _MEDIATION_ORDER_FIELDS,
    EventType.APPEAL_REGISTERED: {},
    EventType.APPEAL_CONCEDED: _ORDER_FIELDS,
    EventType.TRIBUNAL_ORDER: _ORDER_FIELDS,
}


@dataclass(frozen=True)
class Event:
    """One dated event, its fields parsed (dates as `date`, years as `int`)."""

    type: EventType
    date: date
    fields: Mapping[str, Any] = field(default_factory=dict)
    note: str | None = None
    actor: str | None = None
    # Position in the input or in recording order; breaks ties within a type.
    index: int = 0

    def get(self, name: str) -> Any:
        return self.fields.get(name)

    @property
    def sort_key(self) -> tuple[Day, int, int]:
        return (self.date, TYPE_ORDER[self.type], self.index)

    def describe(self) -> str:
        """The event in a sentence, as officers read it: “Decision to assess” on 5 March 2026."""
        # Imported here: the names are keyed by this module's EventType.
        from workflow.law.names import EVENT_NAMES

        return f"\u201c{EVENT_NAMES[self.type]}\u201d on {govuk_date(self.date)}"

    def to_json(self) -> dict[str, Any]:
        """The event as written in files: dates as YYYY-MM-DD strings."""
        out: dict[str, Any] = {"type": self.type.value, "date": self.date.isoformat()}
        for name, value in self.fields.items():
            out[name] = value.isoformat() if isinstance(value, date) else value
        if self.note is not None:
            out["note"] = self.note
        if self.actor is not None:
            out["actor"] = self.actor
        return out


@lru_cache(maxsize=256)
def _allowed(event_type: EventType, extra_fields: tuple[str, ...]) -> frozenset[str]:
    """The keys an event of this type may have (worked out once: imports parse millions)."""
    return frozenset({"type", "date", *EVENT_FIELDS[event_type], *COMMON_OPTIONAL, *extra_fields})


def parse_event(
    raw: Mapping[str, Any],
    *,
    index: int = 0,
    where: str | None = None,
    extra_fields: Iterable[str] = (),
    check_text: bool = True,
) -> Event:
    """Check one raw event and return it parsed.

    `where` names the event in error messages ("Event 3", "Line 500");
    `extra_fields` are keys the caller handles itself (for example `case` on an
    imported line) and are not treated as unknown. `check_text` refuses control
    characters in its text; history already stored is read without (it was accepted
    when it was recorded, and a case must stay readable).
    """
    label = where or f"Event {index}"
    if not isinstance(raw, Mapping):
        raise InvalidEvent(f"{label}: must be a JSON object with a type and a date")
    type_name = raw.get("type")
    if type_name is None:
        raise InvalidEvent(f"{label}: enter the event type", field="type")
    try:
        event_type = _TYPES[type_name]
    except (KeyError, TypeError):
        raise InvalidEvent(
            f"{label}: {str(type_name)[:60]!r} is not a known event type", field="type"
        ) from None
    prefix = f"{label} ({event_type})"
    if raw.get("date") in (None, ""):
        raise InvalidEvent(f"{prefix}: enter the date the event happened", field="date")
    try:
        when = parse_date(raw["date"])
    except ValueError as e:
        raise InvalidEvent(f"{prefix}: date {e}", field="date") from None

    specs = EVENT_FIELDS[event_type]
    allowed = _allowed(event_type, tuple(extra_fields))
    if not allowed.issuperset(raw):
        unknown = sorted(k for k in raw if k not in allowed)
        raise InvalidEvent(
            f"{prefix} on {when.isoformat()}: unknown field {', '.join(unknown)}; "
            f"{event_type} takes {', '.join(specs) or 'no other fields'}",
            field=unknown[0],
        )
    fields: dict[str, Any] = {}
    for name, spec in specs.items():
        value = raw.get(name)
        if value is None:
            if spec.required:
                raise InvalidEvent(f"{prefix} on {when.isoformat()}: enter the {name}", field=name)
            continue
        try:
            fields[name] = spec.parse(value)
        except ValueError as e:
            raise InvalidEvent(f"{prefix} on {when.isoformat()}: {name} {e}", field=name) from None
        if check_text and isinstance(value, str) and text_without_controls(value) is None:
            raise InvalidEvent(f"{prefix} on {when.isoformat()}: {name} {NO_CONTROL}", field=name)
    if event_type is EventType.EXCEPTION_RECORDED:
        _check_exception(fields, f"{prefix} on {when.isoformat()}")
    elif event_type is EventType.PHASE_TRANSFER_SCHEDULED:
        _check_phase_transfer(fields, f"{prefix} on {when.isoformat()}")
    common: dict[str, str | None] = {}
    for name in COMMON_OPTIONAL:
        value = raw.get(name)
        if value is not None and not isinstance(value, str):
            raise InvalidEvent(f"{prefix} on {when.isoformat()}: {name} must be text", field=name)
        if value is not None and check_text:
            # A note is written in lines; who did it (the actor) is one line.
            value = text_without_controls(value, lines=name == "note")
            if value is None:
                raise InvalidEvent(
                    f"{prefix} on {when.isoformat()}: {name} {NO_CONTROL}", field=name
                )
        if name == "actor" and value is not None and len(value) > MAX_ACTOR:
            # Stored in a column of that size: refused here, not by the database mid-import.
            raise InvalidEvent(
                f"{prefix} on {when.isoformat()}: the actor must be {MAX_ACTOR} characters "
                "or fewer",
                field=name,
            )
        common[name] = value
    return Event(
        type=event_type,
        date=when,
        fields=fields,
        note=common["note"],
        actor=common["actor"],
        index=index,
    )


def _check_exception(fields: dict[str, Any], label: str) -> None:
    applies_to = fields["applies_to"]
    allowed = EXCEPTION_REASONS[applies_to]
    if fields["reason"] not in allowed:
        raise InvalidEvent(
            f"{label}: '{fields['reason']}' is not an allowed exception for "
            f"{applies_to}; it allows {', '.join(allowed)}",
            field="reason",
        )
    if applies_to == "advice" and "advice" not in fields:
        raise InvalidEvent(f"{label}: enter which advice the exception applies to", field="advice")
    if applies_to != "advice" and "advice" in fields:
        raise InvalidEvent(f"{label}: advice applies only to an advice exception", field="advice")
    if applies_to not in ("advice", "order_compliance") and "ref" in fields:
        raise InvalidEvent(
            f"{label}: ref applies only to an advice or order exception", field="ref"
        )


def _check_phase_transfer(fields: dict[str, Any], label: str) -> None:
    """Reg 18(1) transfers happen in September of a year; reg 18(2) ones on a date."""
    if fields["to"] in YEAR_PHASES:
        if "transfer_year" not in fields:
            raise InvalidEvent(f"{label}: enter the transfer_year", field="transfer_year")
        if "transfer_date" in fields:
            raise InvalidEvent(
                f"{label}: transfer_date applies only to a move to a post16_institution; "
                f"a move to {fields['to']} takes a transfer_year",
                field="transfer_date",
            )
    else:
        if "transfer_date" not in fields:
            raise InvalidEvent(f"{label}: enter the transfer_date", field="transfer_date")
        if "transfer_year" in fields:
            raise InvalidEvent(
                f"{label}: transfer_year does not apply to a move to a post16_institution; "
                "enter its transfer_date",
                field="transfer_year",
            )


def in_processing_order(events: Iterable[Event]) -> list[Event]:
    """Date order; same-date events in the spec's fixed order of types, then input order."""
    return sorted(events, key=lambda e: e.sort_key)
