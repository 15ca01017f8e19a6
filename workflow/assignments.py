"""Moving a case to another team or officer (managers do this), with an audit entry.

The case's version moves on, so an officer recording an event on the page
they read before the move is told the case changed, and nothing is lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from workflow import teams
from workflow.account_models import AuditEntry
from workflow.case_writes import (
    bump,
    case_field,
    check_reference,
    commit,
    lock_case,
    refusals_roll_back,
    resolve_assignment,
)
from workflow.clock import Clock
from workflow.errors import CaseNotFound, ConcurrentUpdate, Conflict, InvalidInput
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
        values = resolve_assignment(session, values, where=where)
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


class CasesChanged(Conflict):
    """Some of the cases of a bulk move changed since they were read: nothing was moved."""

    def __init__(self, refs: list[str]) -> None:
        self.refs = refs
        which = ", ".join(refs)
        super().__init__(
            f"{'Case ' + which + ' was' if len(refs) == 1 else 'Cases ' + which + ' were'} "
            "changed by someone else after you read the list, so no case was moved. "
            "Look at the list again and choose the cases again"
        )


def reassign_cases(
    *,
    session: Session,
    cases: Mapping[str, int],
    officer: str | None,
    actor: str,
    clock: Clock,
    team: str | None = None,
) -> list[Case]:
    """Move many cases at once to `officer` (and `team`, when given; else each keeps its
    own), all or nothing: `cases` maps each reference to the version the manager read,
    and if any has changed since, or is missing, nothing is moved (`CasesChanged`,
    `CaseNotFound`). One audit entry per case, as for `reassign_case`."""
    if not cases:
        raise InvalidInput("Select the cases to move", field="cases")
    if officer is None or (isinstance(officer, str) and not officer.strip()):
        raise InvalidInput("Choose the officer to move the cases to", field="officer")
    refs = sorted(check_reference(ref, new=False) for ref in cases)
    versions = {check_reference(ref, new=False): v for ref, v in cases.items()}
    where = "Moving cases"
    checked: dict[str, Any] = {
        "team": case_field("team", team, where=where),
        "officer": case_field("officer", officer, where=where),
    }
    now = clock()
    moved: list[Case] = []
    with refusals_roll_back(session, case_ref=", ".join(refs)[:200]):
        locked = [lock_case(session, ref) for ref in refs]  # one order: no deadlock
        missing = [ref for ref, case in zip(refs, locked, strict=True) if case is None]
        if missing:
            raise CaseNotFound(missing[0])
        found = [case for case in locked if case is not None]
        stale = [c.reference for c in found if c.version != versions[c.reference]]
        if stale:
            raise CasesChanged(stale)
        resolved_team = (
            teams.resolve_team(session, checked["team"], where=where) if checked["team"] else None
        )
        for case in found:
            new_team = resolved_team or case.team
            name = teams.resolve_officer(session, checked["officer"], new_team, where=where)
            values = {"team": new_team, "officer": name}
            before = {"team": case.team, "officer": case.officer}
            bump(session, case, seen_version=case.version, now=now, **values)
            session.add(
                AuditEntry(
                    at=now,
                    actor=actor,
                    action="case_reassigned",
                    subject=case.reference,
                    detail={"from": before, "to": values, "bulk": len(found)},
                )
            )
            moved.append(case)
    commit(session, case_ref=", ".join(refs)[:200])
    return moved
