"""Every event type in plain English: the one source for the web, the CLI and the API.

Officers and families read these, so they say what happened, not the code's name for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from workflow.law.events import EventType

E = EventType

EVENT_NAMES: Mapping[EventType, str] = MappingProxyType(
    {
        E.REQUEST_RECEIVED: "Request for an assessment received",
        E.PLAN_TRANSFERRED_IN: "Plan transferred in from another council",
        E.REASSESSMENT_REQUESTED: "Request for a re-assessment received",
        E.MOVE_REPORTED: "Move to another council's area reported",
        E.MEDIATION_ADVISER_CONTACTED: "Family contacted the mediation adviser",
        E.MEDIATION_REQUESTED: "Mediation requested",
        E.MEDIATION_HELD: "Mediation held",
        E.MEDIATION_WITHDRAWN: "Mediation withdrawn",
        E.MEDIATION_CERTIFICATE_ISSUED: "Mediation certificate issued",
        E.MEDIATION_AGREEMENT: "Agreement reached at mediation",
        E.APPEAL_REGISTERED: "Appeal registered with the tribunal",
        E.APPEAL_CONCEDED: "Appeal conceded",
        E.TRIBUNAL_ORDER: "Tribunal order",
        E.DECISION_TO_ASSESS: "Decision to assess",
        E.DECISION_NOT_TO_ASSESS: "Decision not to assess",
        E.DECISION_TO_REASSESS: "Decision to re-assess",
        E.DECISION_NOT_TO_REASSESS: "Decision not to re-assess",
        E.ADVICE_REQUESTED: "Advice requested",
        E.ADVICE_RECEIVED: "Advice received",
        E.EXCEPTION_RECORDED: "Statutory exception recorded",
        E.DECISION_NOT_TO_ISSUE: "Decision not to issue a plan",
        E.DRAFT_PLAN_ISSUED: "Draft plan issued",
        E.FINAL_PLAN_ISSUED: "Final plan issued",
        E.REVIEW_MEETING_NOTICE_SENT: "Review meeting notice sent",
        E.REVIEW_PAPERS_CIRCULATED: "Review meeting papers sent out",
        E.REVIEW_MEETING_HELD: "Annual review meeting held",
        E.REVIEW_REPORT_SENT: "Review report sent",
        E.REVIEW_DECISION: "Review decision made",
        E.AMENDMENT_NOTICE_SENT: "Amendment notice sent",
        E.AMENDED_PLAN_ISSUED: "Amended plan issued",
        E.DECISION_NOT_TO_AMEND: "Decision not to amend the plan",
        E.PHASE_TRANSFER_SCHEDULED: "Phase transfer scheduled",
        E.TRANSFER_NOTICE_SENT: "Transfer notice sent",
        E.CEASE_PROPOSED: "Family told the council is considering ceasing the plan",
        E.CEASE_NOTICE_SENT: "Decision to cease the plan sent",
        E.REQUEST_WITHDRAWN: "Request withdrawn",
        E.PLAN_TRANSFERRED_OUT: "Plan transferred out to another council",
        E.PLAN_CEASED: "Plan ceased",
    }
)


def event_name(event_type: str) -> str:
    """The plain name of a stored type; an unknown one (an old row) is shown as stored."""
    try:
        return EVENT_NAMES[EventType(event_type)]
    except ValueError:
        return event_type
