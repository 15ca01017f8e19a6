"""Moving a case to another team or officer (managers do this), with an audit entry.

The case's version moves on, so an officer recording an event on the page
they read before the move is told the case changed, and nothing is lost.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from workflow.account_models import AuditEntry
from workflow.clock import Clock
from workflow.errors import CaseNotFound, ConcurrentUpdate, InvalidInput, WorkflowError
from workflow.models import Case
from workflow.service import _bump, _case_field, _commit, _lock_case, check_reference


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
    case_ref = check_reference(case_ref)
    where = f"Case {case_ref}"
    values: dict[str, Any] = {
        "team": _case_field("team", team, where),
        "officer": _case_field("officer", officer, where),
    }
    if values["team"] is None:
        raise InvalidInput(f"{where}: enter the team the case belongs to")
    now = clock()
    try:
        case = _lock_case(session, case_ref)
        if case is None:
            raise CaseNotFound(case_ref)
        seen = case.version
        if expected_version is not None and expected_version != seen:
            raise ConcurrentUpdate(case_ref)
        before = {"team": case.team, "officer": case.officer}
        _bump(session, case, seen, now, **values)
        session.add(
            AuditEntry(
                at=now,
                actor=actor,
                action="case_reassigned",
                subject=case_ref,
                detail={"from": before, "to": values},
            )
        )
    except WorkflowError:
        session.rollback()
        raise
    except IntegrityError as e:
        session.rollback()
        raise ConcurrentUpdate(case_ref) from e
    _commit(session, case_ref)
    return case
