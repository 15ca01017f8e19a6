"""Moving many cases at once: all or nothing, one audit entry per case, and a case that
changed since the list was read is reported, not overwritten. The unassigned queue
lists open cases with no officer or a deactivated one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest
from sqlmodel import Session, select

from tests.wiring import projections
from workflow import accounts, service, teams
from workflow.account_models import AuditEntry
from workflow.assignments import CasesChanged, reassign_cases
from workflow.caseload import cases_held, unassigned_cases
from workflow.errors import CaseNotFound, InvalidInput
from workflow.models import Case

Clock = Callable[[], datetime]
AS_OF = date(2026, 11, 20)


def _open(session: Session, clock: Clock, ref: str, on: str, **fields: str | None) -> None:
    service.record_event(
        projections=projections(), session=session, case_ref=ref, actor="t", clock=clock,
        event={"type": "request_received", "date": on, "source": "parent"},
        case_fields={"team": "North", **fields},
    )  # fmt: skip


@pytest.fixture
def council(session: Session, clock: Clock) -> Session:
    for name in ("North", "South"):
        teams.add_team(session=session, name=name, actor="t", clock=clock)
    for email, name, team in (
        ("leaver@council.example", "Lee Leaver", "North"),
        ("stayer@council.example", "Sam Stayer", "North"),
        ("south@council.example", "Sue South", "South"),
    ):
        accounts.add_user(
            session=session, email=email, name=name, role="officer", team=team,
            password="a long enough password", actor="t", clock=clock,
        )  # fmt: skip
    _open(session, clock, "U1", "2026-10-01", officer="Lee Leaver")  # due 2026-11-12: overdue
    _open(session, clock, "U2", "2026-11-01")  # nobody: due 2026-12-13
    _open(session, clock, "U3", "2026-09-01", officer="Lee Leaver")  # most overdue
    _open(session, clock, "H1", "2026-09-01", officer="Sam Stayer")  # held: not listed
    accounts.update_user(
        session=session, email="leaver@council.example", active=False, actor="t", clock=clock
    )
    return session


def _versions(session: Session) -> dict[str, int]:
    rows = {c.reference: c.version for c in session.exec(select(Case))}
    session.commit()
    return rows


def test_the_unassigned_queue_lists_cases_nobody_active_holds_most_urgent_first(
    council: Session,
) -> None:
    items = unassigned_cases(council, as_of=AS_OF)
    assert [(i.reference, i.officer, i.overdue) for i in items] == [
        ("U3", "Lee Leaver", True),
        ("U1", "Lee Leaver", True),
        ("U2", None, False),
    ]
    assert unassigned_cases(council, as_of=AS_OF, team="south ") == []
    assert cases_held(council, "Lee Leaver") == 2


def test_many_cases_move_at_once_with_an_audit_entry_each(council: Session, clock: Clock) -> None:
    versions = _versions(council)
    moved = reassign_cases(
        session=council, cases={"U1": versions["U1"], "U3": versions["U3"]},
        officer="sue south", team="SOUTH", actor="manager@council.example", clock=clock,
    )  # fmt: skip
    assert sorted((c.reference, c.team, c.officer) for c in moved) == [
        ("U1", "South", "Sue South"),
        ("U3", "South", "Sue South"),
    ]
    after = _versions(council)
    assert (after["U1"], after["U3"]) == (versions["U1"] + 1, versions["U3"] + 1)
    audit = council.exec(select(AuditEntry).where(AuditEntry.action == "case_reassigned")).all()
    assert sorted(a.subject for a in audit) == ["U1", "U3"]
    assert audit[0].detail["from"] == {"team": "North", "officer": "Lee Leaver"}
    assert [i.reference for i in unassigned_cases(council, as_of=AS_OF)] == ["U2"]


def test_a_case_changed_meanwhile_moves_nothing_and_is_named(
    council: Session, clock: Clock
) -> None:
    versions = _versions(council)
    # Someone moves U3 after the manager read the list.
    reassign_cases(
        session=council, cases={"U3": versions["U3"]}, officer="Sam Stayer", actor="other",
        clock=clock,
    )  # fmt: skip
    with pytest.raises(CasesChanged) as refused:
        reassign_cases(
            session=council, cases={ref: versions[ref] for ref in ("U1", "U2", "U3")},
            officer="Sue South", actor="manager", clock=clock,
        )  # fmt: skip
    assert str(refused.value).startswith("Case U3 was changed by someone else")
    after = {c.reference: (c.officer, c.version) for c in council.exec(select(Case))}
    council.commit()
    assert after["U1"] == ("Lee Leaver", versions["U1"])  # not moved: all or nothing
    assert after["U2"] == (None, versions["U2"])
    assert after["U3"] == ("Sam Stayer", versions["U3"] + 1)  # the other move stands


@pytest.mark.parametrize(
    ("officer", "cases", "error", "message"),
    [
        ("J Smtih", {"U1": 1}, InvalidInput, "There is no active officer “J Smtih”"),
        ("Lee Leaver", {"U1": 1}, InvalidInput, "There is no active officer “Lee Leaver”"),
        ("", {"U1": 1}, InvalidInput, "Choose the officer"),
        ("Sam Stayer", {}, InvalidInput, "Select the cases to move"),
        ("Sam Stayer", {"U1": 1, "NOPE": 1}, CaseNotFound, "There is no case NOPE"),
    ],
)
def test_bad_moves_are_refused_and_move_nothing(
    council: Session,
    clock: Clock,
    officer: str,
    cases: dict[str, int],
    error: type[Exception],
    message: str,
) -> None:
    before = _versions(council)
    with pytest.raises(error, match=message):
        reassign_cases(session=council, cases=cases, officer=officer, actor="m", clock=clock)
    assert _versions(council) == before
