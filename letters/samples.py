"""Sample letters for the council to review (`ehc letters preview TYPE`) and for snapshots.

Each sample is a short made-up case history whose last event makes the letter;
its dates come from the same clock as real letters. The people are invented.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from letters.catalogue import CATALOGUE, CHASERS, CORRECTION
from letters.contexts import Council, LetterContext
from letters.facts import facts_for
from letters.store import build_context
from workflow.law.deadlines import Settings, evaluate
from workflow.law.events import parse_event

SAMPLE_PEOPLE: dict[str, Any] = {
    "child_name": "Sam Sample",
    "date_of_birth": date(2015, 3, 14),
    "setting": "Oakfield Primary School",
    "parent_name": "Jo Sample",
    "parent_address": "12 Example Road\nExampletown\nEX1 2AB",
    "parent_email": "jo.sample@example.com",
    "young_person_address": None,
    "young_person_email": None,
    "communication": "post",
    "large_print": False,
    "parent_copy": False,
}


def _e(event_type: str, on: str, **fields: Any) -> dict[str, Any]:
    return {"type": event_type, "date": on, **fields}


_REQUEST = [_e("request_received", "2024-01-08", source="parent")]
_ASSESS = [*_REQUEST, _e("decision_to_assess", "2024-02-12")]
_FINAL = [
    *_ASSESS,
    _e("advice_requested", "2024-02-13", advice="psychological"),
    _e("advice_received", "2024-03-20", advice="psychological"),
    _e("draft_plan_issued", "2024-04-22"),
    _e("final_plan_issued", "2024-05-20"),
]
_REVIEW = [*_FINAL, _e("review_meeting_held", "2025-04-10")]
_AMEND = [
    *_REVIEW,
    _e("review_decision", "2025-04-24", outcome="amend"),
    _e("amendment_notice_sent", "2025-05-01"),
]
REASONS = (
    "The information from Oakfield Primary School shows that Sam is making good progress "
    "with the support the school already gives.\nThe school can meet Sam's needs from its "
    "own resources, with advice from our specialist teachers."
)

# letter type -> (history whose last event makes it, details an officer adds)
SAMPLES: dict[str, tuple[list[dict[str, Any]], dict[str, Any]]] = {
    "acknowledgement_of_request": (_REQUEST, {}),
    "decision_to_assess": (_ASSESS, {}),
    "decision_not_to_assess": (
        [*_REQUEST, _e("decision_not_to_assess", "2024-02-12")],
        {"reasons": REASONS},
    ),
    "request_for_advice": (
        [*_ASSESS, _e("advice_requested", "2024-02-13", advice="psychological")],
        {},
    ),
    "decision_not_to_issue": (
        [*_ASSESS, _e("decision_not_to_issue", "2024-04-29")],
        {"reasons": REASONS},
    ),
    "draft_plan_cover": (_FINAL[:-1], {}),
    "final_plan_cover": (_FINAL, {}),
    "review_decision": ([*_REVIEW, _e("review_decision", "2025-04-24", outcome="maintain")], {}),
    "proposed_amendments": (_AMEND, {}),
    "amended_plan": ([*_AMEND, _e("amended_plan_issued", "2025-06-12")], {}),
    "decision_not_to_amend": (
        [*_AMEND, _e("decision_not_to_amend", "2025-06-12")],
        {"reasons": REASONS},
    ),
    "plan_ceased": (
        [
            *_REVIEW,
            _e("review_decision", "2025-04-24", outcome="cease"),
            _e("plan_ceased", "2025-05-30", reason="needs_met"),
        ],
        {},
    ),
    "transfer_in_notice": (
        [
            _e("plan_transferred_in", "2024-09-02", last_reviewed="2024-03-15"),
            _e("transfer_notice_sent", "2024-09-30"),
        ],
        {"will_assess": False},
    ),
}
_REASSESS_REQUEST = [*_FINAL, _e("reassessment_requested", "2024-09-02", source="parent")]
_CEASE_PROPOSED = [*_FINAL, _e("cease_proposed", "2025-01-13")]
CEASE_REASONS = (
    "Sam now makes good progress with the support Oakfield Primary School gives from "
    "its own resources.\nThe advice from the school and the educational psychologist says "
    "Sam no longer needs the special educational provision in the plan."
)
SAMPLES.update(
    {
        "decision_not_to_reassess": (
            [*_REASSESS_REQUEST, _e("decision_not_to_reassess", "2024-09-16")],
            {"reasons": REASONS},
        ),
        "decision_to_reassess": (
            [*_REASSESS_REQUEST, _e("decision_to_reassess", "2024-09-16")],
            {},
        ),
        "cease_proposal": (_CEASE_PROPOSED, {}),
        "cease_notice": (
            [*_CEASE_PROPOSED, _e("cease_notice_sent", "2025-02-10")],
            {"reasons": CEASE_REASONS},
        ),
        "review_meeting_notice": (
            [*_FINAL, _e("review_meeting_notice_sent", "2025-03-24", meeting_date="2025-04-10")],
            {},
        ),
        "transfer_out_notice": (
            [
                *_FINAL,
                _e("move_reported", "2025-01-06", move_date="2025-02-03"),
                _e("plan_transferred_out", "2025-02-03", to_la="Westshire Council"),
            ],
            {},
        ),
    }
)
# Chasers: the advice request of "request_for_advice", chased on these days.
CHASE_DAYS = {"advice_reminder": date(2024, 3, 19), "advice_overdue": date(2024, 4, 2)}


# The correction: the sample decision to assess was withdrawn (its date was corrected).
CORRECTION_DAY = date(2024, 2, 19)
CORRECTION_FACTS = {
    "withdrawn_title": CATALOGUE["decision_to_assess"].title,
    "withdrawn_date": "2024-02-12",
    "corrected": True,
}


def sample_facts(letter_type: str, settings: Settings | None = None) -> dict[str, Any]:
    settings = settings or Settings()
    if letter_type == CORRECTION:
        return dict(CORRECTION_FACTS)
    if letter_type in CHASERS:
        facts = sample_facts("request_for_advice", settings)
        chased = CHASE_DAYS[letter_type]
        due = date.fromisoformat(facts["advice_due"])
        late = (chased - due).days
        return {
            **facts,
            "chased_on": chased.isoformat(),
            "days_overdue": late if late > 0 else None,
        }
    history, details = SAMPLES[letter_type]
    events = [parse_event(raw, index=i) for i, raw in enumerate(history, start=1)]
    evaluation = evaluate("SAMPLE", events, events[-1].date, settings)
    return {**facts_for(letter_type, events[-1], evaluation, settings), **details}


def sample_context(
    letter_type: str,
    *,
    council: Council,
    people: dict[str, Any] | None = None,
    overrides: dict[str, Any] | None = None,
    settings: Settings | None = None,
) -> LetterContext:
    """A sample letter's context, dated the day of the event that makes it."""
    spec = CATALOGUE[letter_type]
    facts = {**sample_facts(letter_type, settings), **(overrides or {})}
    people = {**SAMPLE_PEOPLE, **(people or {})}
    if letter_type in CHASERS:
        day = date.fromisoformat(facts["chased_on"])
    elif letter_type == CORRECTION:
        day = CORRECTION_DAY
    else:
        day = date.fromisoformat(SAMPLES[letter_type][0][-1]["date"])
    role = "adviser" if spec.audience == "adviser" else "parent"
    if role == "parent" and people.get("young_person_address"):
        role = "young_person"
    return build_context(spec, facts, {}, "EHC-SAMPLE-1", role, people, council, day)
