"""Moving a case to another team or officer (managers do this), with an audit entry.

The case's version moves on, so an officer recording an event on the page
they read before the move is told the case changed, and nothing is lost.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from workflow.account_models import AuditEntry
from workflow.case_writes import (
    bump,
    case_field,
    check_reference,
    commit,
    lock_case,
    refusals_roll_back,
)
from workflow.clock import Clock
from workflow.errors import CaseNotFound, ConcurrentUpdate, InvalidInput
from workflow.models import Case


def reassign_case(
    *,
    session: Session,
    case_ref: str,
    team: str | None,
    officer: str | None,
    actor: str,
    clock: Clock,
    expected_version: int | None = None,
) -> Case:
    case_ref = check_reference(case_ref, new=False)
    where = f"Case {case_ref}"
    values: dict[str, Any] = {
        "team": case_field("team", team, where=where),
        "officer": case_field("officer", officer, where=where),
    }
    if values["team"] is None:
        raise InvalidInput(f"{where}: enter the team the case belongs to")
    now = clock()
    with refusals_roll_back(session, case_ref=case_ref):
        case = lock_case(session, case_ref)
        if case is None:
            raise CaseNotFound(case_ref)
        seen = case.version
        if expected_version is not None and expected_version != seen:
            raise ConcurrentUpdate(case_ref)
        before = {"team": case.team, "officer": case.officer}
        bump(session, case, seen_version=seen, now=now, **values)
        session.add(
            AuditEntry(
                at=now,
                actor=actor,
                action="case_reassigned",
                subject=case_ref,
                detail={"from": before, "to": values},
            )
        )
    commit(session, case_ref=case_ref)
    return case
