"""Events in people's words, and the form fields each event type needs.

The fields come from `workflow.law.events.EVENT_FIELDS` (which is required, which
is a date); this module adds the labels, the choices of the enumerated ones
and reading a submitted form into a raw event for `service.record_event`,
with a GOV.UK message per field. The service still checks everything again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from web.date_input import PARTS, read_date
from workflow.case_writes import check_text
from workflow.errors import InvalidInput
from workflow.law.calendar import govuk_date
from workflow.law.deadlines import Deadline
from workflow.law.events import (
    ADVICE_KINDS,
    CEASE_REASONS,
    EVENT_FIELDS,
    EXCEPTION_REASONS,
    MEDIATION_ORDER_KINDS,
    ORDER_KINDS,
    PHASES,
    REASSESSMENT_SOURCES,
    REQUEST_SOURCES,
    REVIEW_OUTCOMES,
    EventType,
)
from workflow.law.machine import STAGES
from workflow.law.names import EVENT_NAMES

# One source for every event type's name (workflow.law.names), keyed by the type's value.
EVENT_LABELS: dict[str, str] = {t.value: name for t, name in EVENT_NAMES.items()}

# What each event is, in a line under its name on the record-event page.
EVENT_HINTS: dict[str, str] = {
    "request_received": "A parent, young person, school or other body asked for an assessment",
    "plan_transferred_in": "The family moved here with a plan from another council",
    "decision_to_assess": "The council decided to carry out an assessment",
    "decision_not_to_assess": "The council decided not to carry out an assessment",
    "advice_requested": "The council asked an adviser for advice for the assessment",
    "advice_received": "An adviser sent the advice the council asked for",
    "exception_recorded": "A reason in law excuses a deadline, for example the school holidays",
    "draft_plan_issued": "The draft plan was sent to the family",
    "final_plan_issued": "The final plan was sent to the family",
    "decision_not_to_issue": "After the assessment, the council decided not to issue a plan",
    "review_meeting_held": "The annual review meeting of the plan took place",
    "review_report_sent": "The school or college sent the report of the review meeting",
    "review_decision": "The council decided to keep, amend or cease the plan after a review",
    "amendment_notice_sent": "The family was sent the proposed amendments to the plan",
    "amended_plan_issued": "The amended plan was sent to the family",
    "decision_not_to_amend": "The council decided not to amend the plan after all",
    "phase_transfer_scheduled": "A move to a new school phase is coming up",
    "transfer_notice_sent": "The family was told the council now maintains the plan",
    "mediation_requested": "The family asked for mediation",
    "mediation_held": "The mediation took place",
    "mediation_withdrawn": "The family no longer wants mediation",
    "mediation_certificate_issued": "The mediation adviser issued a certificate",
    "mediation_agreement": "The council agreed at mediation to do something",
    "appeal_registered": "The family appealed to the tribunal",
    "appeal_conceded": "The council conceded an appeal and must act on it",
    "tribunal_order": "The tribunal ordered the council to do something",
    "request_withdrawn": "The request for an assessment was withdrawn",
    "plan_ceased": "The council stopped maintaining the plan",
    "reassessment_requested": (
        "The family, the school or college, or health asked for the plan's needs to be "
        "assessed again"
    ),
    "decision_to_reassess": "The council decided to assess the needs in the plan again",
    "decision_not_to_reassess": (
        "The council decided not to assess again; the family can appeal to the tribunal"
    ),
    "review_meeting_notice_sent": (
        "Everyone invited was told the date of the review meeting, at least 2 weeks before it"
    ),
    "review_papers_circulated": (
        "The advice and information for the review meeting were sent to everyone invited"
    ),
    "cease_proposed": (
        "The council told the family it is thinking of stopping the plan, and asked their views"
    ),
    "cease_notice_sent": (
        "The council sent its decision to stop the plan, with the family's right to appeal"
    ),
    "move_reported": (
        "The council learned the child or young person is moving to another council's area"
    ),
    "plan_transferred_out": "The plan was sent to the new council, which now maintains it",
    "mediation_adviser_contacted": (
        "The family contacted the mediation adviser before deciding whether to appeal"
    ),
}
assert set(EVENT_HINTS) == set(EVENT_LABELS), "every event type needs a hint"

# The events that meet each kind of deadline (workflow.law.effects), the ones that
# usually do first; an order's deadlines by the step (`ref`) they are for.
MEETS: dict[str, tuple[str, ...]] = {
    "decision_to_assess": ("decision_to_assess", "decision_not_to_assess"),
    "advice": ("advice_received",),
    "decision_not_to_issue": ("draft_plan_issued", "decision_not_to_issue"),
    "final_plan": ("final_plan_issued",),
    "annual_review": ("review_meeting_held",),
    "review_report": ("review_report_sent",),
    "review_decision": ("review_decision",),
    "amended_plan": ("amended_plan_issued", "decision_not_to_amend"),
    "phase_transfer": ("amended_plan_issued",),
    "transfer_notice": ("transfer_notice_sent",),
    "mediation": ("mediation_held",),
    "reassessment_decision": ("decision_to_reassess", "decision_not_to_reassess"),
    "reassessment_final": ("amended_plan_issued", "decision_not_to_amend"),
    "review_papers": ("review_papers_circulated",),
    "transfer_out": ("plan_transferred_out",),
}
ORDER_STEPS: dict[str, tuple[str, ...]] = {
    "assess": ("decision_to_assess",),
    "issue_plan_draft": ("draft_plan_issued",),
    "issue_plan_final": ("final_plan_issued",),
    "amend": ("amended_plan_issued",),
    "name_school": ("amended_plan_issued",),
    "reassess": ("decision_to_reassess",),
}


def likely_next(deadlines: Iterable[Deadline], accepted: Iterable[str]) -> list[str]:
    """The events that would meet the case's open deadlines, soonest due first, of
    those the case's state accepts."""
    taken = set(accepted)
    out: list[str] = []
    for d in sorted((d for d in deadlines if d.open), key=lambda d: (d.due, d.position)):
        meets = ORDER_STEPS.get(d.ref or "", ()) if d.kind == "order_compliance" else None
        for event_type in MEETS.get(d.kind, ()) if meets is None else meets:
            if event_type in taken and event_type not in out:
                out.append(event_type)
    return out


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    hint: str


def event_choices(
    accepted: Iterable[str], deadlines: Iterable[Deadline]
) -> tuple[list[Choice], list[tuple[str, list[Choice]]]]:
    """The record-event page's choices: the likely next events, then the rest of those
    the case accepts, by stage (`workflow.law.machine.STAGES`)."""
    taken = list(accepted)
    first = likely_next(deadlines, taken)
    groups = []
    for stage, types in STAGES:
        rest = [t.value for t in types if t.value in taken and t.value not in first]
        if rest:
            groups.append((stage, [_choice(t) for t in rest]))
    return [_choice(t) for t in first], groups


def _choice(event_type: str) -> Choice:
    return Choice(event_type, EVENT_LABELS[event_type], EVENT_HINTS[event_type])


WINDOW_LABELS = {
    "representations": "Representations on the draft plan",
    "amendment_representations": "Representations on the proposed amendments",
    "appeal": "Appeal to the tribunal",
}

CHOICE_LABELS: dict[str, str] = {
    "young_person": "Young person",
    "school": "School or college",
    "health": "Health",
    "social_care": "Social care",
    "educational": "Educational",
    "psychological": "Psychological",
    "adulthood": "Preparing for adulthood",
    "issue_plan": "Issue a plan",
    "amend": "Amend the plan",
    "name_school": "Name a school",
    "reassess": "Re-assess",
    "post16": "Post-16",
    "post16_institution": "Another post-16 institution, on a date",
    "true": "Yes",
    "false": "No",
    "max_age": "Reached the maximum age",
    "needs_met": "Needs met without a plan",
    "moved_la": "Moved to another council",
    "left_england": "Left England",
}

_EXCEPTION_REASONS = tuple(dict.fromkeys(r for rs in EXCEPTION_REASONS.values() for r in rs))

# (event type or "*", field) -> (label, hint, choices)
_FIELDS: dict[tuple[str, str], tuple[str, str | None, tuple[str, ...] | None]] = {
    ("*", "source"): ("Who made the request", None, REQUEST_SOURCES),
    ("*", "advice"): ("Kind of advice", None, ADVICE_KINDS),
    ("*", "ref"): (
        "Reference (optional)",
        "Use it to tell apart two requests for the same kind of advice",
        None,
    ),
    ("*", "received_on"): (
        "Date the adviser received the request (optional)",
        "Leave blank if they received it on the day it was sent",
        None,
    ),
    ("*", "served_on"): (
        "Date it was served (optional)",
        "Leave blank if it was served on the day it was sent",
        None,
    ),
    ("exception_recorded", "reason"): ("Reason for the exception", None, _EXCEPTION_REASONS),
    ("*", "applies_to"): ("Deadline it applies to", None, tuple(EXCEPTION_REASONS)),
    ("*", "ends"): ("Date the exception ends (optional)", None, None),
    ("*", "evidence"): ("Evidence (optional)", "Where the evidence is kept", None),
    ("*", "outcome"): ("Outcome of the review", None, REVIEW_OUTCOMES),
    ("*", "transfer_year"): (
        "Year of the transfer",
        "For a move to school or post-16, in September: for example, 2027",
        None,
    ),
    ("*", "to"): ("Moving to", None, PHASES),
    ("*", "transfer_date"): (
        "Date of the move",
        "Only for a move from one post-16 institution to another",
        None,
    ),
    ("reassessment_requested", "source"): (
        "Who asked for the re-assessment",
        "Only the family, the school or college, or health can ask",
        REASSESSMENT_SOURCES,
    ),
    ("*", "meeting_date"): (
        "Date of the review meeting",
        "The notice and the papers must go out at least 2 weeks before it",
        None,
    ),
    ("*", "move_date"): ("Date of the move", None, None),
    ("*", "to_la"): ("Council the plan was sent to", None, None),
    ("*", "pursue_mediation"): ("Does the family want mediation?", None, ("true", "false")),
    ("mediation_agreement", "order"): (
        "What the agreement requires",
        None,
        MEDIATION_ORDER_KINDS,
    ),
    ("plan_ceased", "reason"): ("Reason the plan ceased", None, CEASE_REASONS),
    ("*", "last_reviewed"): ("Date the plan was last reviewed", None, None),
    ("*", "order"): ("What the order requires", None, ORDER_KINDS),
}

EVENT_DATE = "date"
EVENT_DATE_LABEL = "Date the event happened"
NOTE = "note"
MAX_NOTE = 2000


def choice_label(value: str) -> str:
    if value in CHOICE_LABELS:
        return CHOICE_LABELS[value]
    text = value.replace("_", " ")
    return text[0].upper() + text[1:]


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    kind: str  # select, text, date or year
    required: bool
    hint: str | None = None
    choices: tuple[tuple[str, str], ...] = ()


def fields_for(event_type: str) -> list[FormField]:
    """The form fields of an event type, in the order `EVENT_FIELDS` lists them."""
    out = []
    for name, spec in EVENT_FIELDS[EventType(event_type)].items():
        label, hint, choices = _FIELDS.get((event_type, name)) or _FIELDS[("*", name)]
        if not spec.required and not label.endswith("(optional)"):
            label += " (optional)"
        if spec.is_date:
            kind = "date"
        elif choices:
            kind = "select"
        elif name == "transfer_year":
            kind = "year"
        else:
            kind = "text"
        out.append(
            FormField(
                name=name,
                label=label,
                kind=kind,
                required=spec.required,
                hint=hint,
                choices=tuple((c, choice_label(c)) for c in choices or ()),
            )
        )
    return out


@dataclass
class EventAnswers:
    """A submitted event form: the raw event, what to show again, and errors by field."""

    raw: dict[str, Any]
    shown: dict[str, Any]
    errors: dict[str, str]
    anchors: dict[str, str]  # where each error's link in the summary goes, if not the field


def read_event_form(form: Mapping[str, Any], event_type: str, today: date) -> EventAnswers:
    """Check a submitted form field by field; the raw event is complete only with no errors."""
    raw: dict[str, Any] = {"type": event_type}
    shown: dict[str, Any] = {}
    errors: dict[str, str] = {}
    anchors: dict[str, str] = {}
    when = read_date(form, EVENT_DATE, EVENT_DATE_LABEL, latest=today)
    shown[EVENT_DATE] = when.entered
    if when.error:
        errors[EVENT_DATE], anchors[EVENT_DATE] = when.error, when.anchor
    elif when.value:
        raw["date"] = when.value.isoformat()
    for f in fields_for(event_type):
        if f.kind == "date":
            answer = read_date(form, f.name, _date_label(f.label), required=f.required)
            shown[f.name] = answer.entered
            if answer.error:
                errors[f.name], anchors[f.name] = answer.error, answer.anchor
            elif answer.value:
                raw[f.name] = answer.value.isoformat()
            continue
        value = str(form.get(f.name) or "").strip()
        shown[f.name] = value
        if not value:
            if f.required:
                verb = "Select" if f.kind == "select" else "Enter"
                errors[f.name] = f"{verb} {_lower(f.label)}"
        elif f.kind == "select" and value not in dict(f.choices):
            errors[f.name] = f"Select {_lower(f.label)} from the list"
        elif f.kind == "year" and not (value.isascii() and value.isdigit() and len(value) == 4):
            errors[f.name] = f"{f.label} must be a year, for example 2027"
        elif len(value) > 100:
            errors[f.name] = f"{f.label} must be 100 characters or fewer"
        elif (problem := _control_characters(value, f.label)) is not None:
            errors[f.name] = problem
        else:
            raw[f.name] = value
    note = str(form.get(NOTE) or "").strip()
    shown[NOTE] = note
    if len(note) > MAX_NOTE:
        errors[NOTE] = f"Note must be {MAX_NOTE} characters or fewer"
    elif (problem := _control_characters(note, "Note", lines=True)) is not None:
        errors[NOTE] = problem
    elif note:
        raw[NOTE] = note
    return EventAnswers(raw=raw, shown=shown, errors=errors, anchors=anchors)


def _control_characters(value: str, label: str, *, lines: bool = False) -> str | None:
    """The workflow's own refusal of control characters, as a message on the form."""
    try:
        check_text(value, label=_date_label(label), field="", lines=lines)
    except InvalidInput as e:
        return str(e)
    return None


def _date_label(label: str) -> str:
    return label.removesuffix(" (optional)")


def _lower(label: str) -> str:
    label = _date_label(label)
    return label[0].lower() + label[1:]


# -- the "Check your answers" page -------------------------------------------------------


@dataclass(frozen=True)
class AnswerRow:
    """One answer as the check page shows it, and where its Change goes on the form."""

    key: str
    value: str
    anchor: str  # the id of the first input of the question


def answer_rows(answers: EventAnswers, event_type: str) -> list[AnswerRow]:
    """The answers of a checked form (no errors), in the form's order, for people."""
    raw = answers.raw
    rows = [AnswerRow(EVENT_DATE_LABEL, govuk_date(date.fromisoformat(raw["date"])), "date-day")]
    for f in fields_for(event_type):
        value = raw.get(f.name)
        if value is None:
            shown = "Not given"
        elif f.kind == "date":
            shown = govuk_date(date.fromisoformat(str(value)))
        elif f.kind == "select":
            shown = choice_label(str(value))
        else:
            shown = str(value)
        anchor = f"{f.name}-day" if f.kind == "date" else f.name
        rows.append(AnswerRow(_date_label(f.label), shown, anchor))
    rows.append(AnswerRow("Note", raw.get(NOTE) or "Not given", NOTE))
    return rows


def form_values(answers: EventAnswers) -> list[tuple[str, str]]:
    """The answers as the form's own fields (`date-day`, `advice`, ...), as entered, to
    post again from the check page: to save them, or to change them on the form."""
    out: list[tuple[str, str]] = []
    for name, entered in answers.shown.items():
        if isinstance(entered, dict):
            out += [(f"{name}-{part}", str(entered.get(part, ""))) for part in PARTS]
        else:
            out.append((name, str(entered)))
    return out
