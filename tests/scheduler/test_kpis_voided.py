"""The scorecard's SQL ignores voided events (issue 18), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlmodel import Session

from scheduler.scorecard import counts
from scheduler.scorecard.months import Month
from tests.wiring import projections
from tests.workflow.factories import ASSESSMENT, ev, record_all
from workflow import service

MONTHS = [Month(2024, m) for m in range(1, 13)]


def figures(session: Session) -> tuple[int, object, object]:
    return (
        counts.final_plans_issued(session, start=date(2024, 1, 1), end=date(2024, 12, 31)),
        counts.snapshot_counts(session, MONTHS, twenty_week_days=140),
        counts.deadline_counts_by_month(session, MONTHS),
    )


def test_voided_events_count_nowhere(session: Session, clock: Callable[[], datetime]) -> None:
    # One case as it should be: assessed up to its draft plan.
    expected = [*ASSESSMENT[:4], ev("draft_plan_issued", "2024-04-22")]
    record_all(session=session, case_ref="K2", events=expected, clock=clock)
    want = figures(session)
    session.commit()

    # The same case recorded with a wrong advice date and a draft and final plan too soon.
    wrong = [*ASSESSMENT[:3], ev("advice_received", "2024-03-02", advice="psychological")]
    record_all(session=session, case_ref="K1", events=wrong, clock=clock)
    record_all(session=session, case_ref="K1", events=ASSESSMENT[4:6], clock=clock)
    assert figures(session) != want
    for sequence in (6, 5):  # final_plan_issued, then draft_plan_issued
        service.void_event(
            session=session, case_ref="K1", sequence=sequence, reason="Wrong case",
            actor="t", clock=clock, projections=projections(),
        )  # fmt: skip
    service.correct_event(
        session=session, case_ref="K1", sequence=4, date="2024-03-20", reason="Typo",
        actor="t", clock=clock, projections=projections(),
    )  # fmt: skip
    record_all(session=session, case_ref="K1", events=[expected[4]], clock=clock)
    # K2 was recorded right; K1 now is too: every figure counts both the same way.
    k1_and_k2 = figures(session)
    assert k1_and_k2[0] == 0  # no final plan: the voided one counts nowhere
    for month in MONTHS:
        for name, value in want[1][month].items():  # type: ignore[index]
            assert k1_and_k2[1][month][name] == 2 * value  # type: ignore[index]
        for name, value in want[2][month].items():  # type: ignore[index]
            assert k1_and_k2[2][month][name] == 2 * value  # type: ignore[index]
