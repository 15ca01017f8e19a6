"""Spec section 5: status, breach and days late; the two kinds that never lapse."""

from __future__ import annotations

import pytest

from tests.law._cases import d, ev, one, run, summary
from workflow.law.deadlines import Deadline

DUE = "2024-02-19"  # Mon
LATER = "2024-06-01"  # Sat, long after


@pytest.mark.parametrize(
    "kind, met_on, cancelled_on, never_lapses, exception, as_of, expected",
    [
        # met: on or before the due day
        ("decision_to_assess", "2024-02-19", None, False, None, LATER, ("met", False, None)),
        ("decision_to_assess", "2024-02-01", None, False, None, LATER, ("met", False, None)),
        # late: after it (Tue 20 Feb, 1 day); an exception keeps the status, ends the breach
        ("final_plan", "2024-02-20", None, False, None, LATER, ("late", True, 1)),
        ("final_plan", "2024-02-20", None, False, "school_closure", LATER, ("late", False, 1)),
        # pending up to and including the due day, overdue from the day after
        ("advice", None, None, False, None, "2024-02-19", ("pending", False, None)),
        ("advice", None, None, False, None, "2024-02-26", ("overdue", True, 7)),  # Mon
        ("advice", None, None, False, "missed_appointment", "2024-02-26", ("overdue", False, 7)),
        # cancelled on or before the due day; lapsed after it (C - due)
        ("annual_review", None, "2024-02-19", False, None, LATER, ("cancelled", False, None)),
        ("annual_review", None, "2024-02-20", False, None, LATER, ("lapsed", True, 1)),
        ("order_compliance", None, "2024-03-04", False, "absence_from_area", LATER,
         ("lapsed", False, 14)),  # Mon 4 Mar
        # decision_not_to_issue limits a decision: never lapses; overdue is no breach ...
        ("decision_not_to_issue", None, "2024-03-04", False, None, LATER,
         ("cancelled", False, None)),
        ("decision_not_to_issue", None, None, False, None, "2024-02-26", ("overdue", False, 7)),
        # ... but a decision not to issue made late is late, and a breach
        ("decision_not_to_issue", "2024-02-26", None, False, None, LATER, ("late", True, 7)),
        # final_plan ended by a decision not to issue never lapses; ended by withdrawal it does
        ("final_plan", None, "2024-03-04", True, None, LATER, ("cancelled", False, None)),
        ("final_plan", None, "2024-03-04", False, None, LATER, ("lapsed", True, 14)),
    ],
)  # fmt: skip
def test_settle(
    kind: str,
    met_on: str | None,
    cancelled_on: str | None,
    never_lapses: bool,
    exception: str | None,
    as_of: str,
    expected: tuple[str, bool, int | None],
) -> None:
    deadline = Deadline(
        kind,
        d("2024-01-08"),
        d(DUE),
        "test",
        met_on=d(met_on) if met_on else None,
        cancelled_on=d(cancelled_on) if cancelled_on else None,
        never_lapses=never_lapses,
        exception=exception,
    )
    deadline.settle(d(as_of))
    assert (deadline.status, deadline.breach, deadline.days_late) == expected


ASSESSING = [
    ev("request_received", "2024-01-08", source="parent"),  # Mon; 16 weeks Mon 29 Apr
    ev("decision_to_assess", "2024-02-05"),  # Mon; 20 weeks Mon 27 May
]


def test_unresolved_decision_not_to_issue_is_overdue_but_no_breach() -> None:
    result = run(ASSESSING, "2024-05-06")  # Mon
    assert summary(one(result, "decision_not_to_issue")) == (
        "2024-01-08",
        "2024-04-29",
        None,
        "overdue",
        False,
        7,
    )
    assert summary(one(result, "final_plan"))[3:] == ("pending", False, None)


def test_late_decision_not_to_issue_ends_the_final_plan_without_lapsing_it() -> None:
    result = run([*ASSESSING, ev("decision_not_to_issue", "2024-06-03")], "2024-07-01")
    assert summary(one(result, "decision_not_to_issue"))[2:] == ("2024-06-03", "late", True, 35)
    assert summary(one(result, "final_plan"))[2:] == (None, "cancelled", False, None)


def test_late_draft_cancels_the_limit_without_lapse() -> None:
    result = run([*ASSESSING, ev("draft_plan_issued", "2024-05-06")], "2024-05-10")  # Mon
    assert summary(one(result, "decision_not_to_issue"))[2:] == (None, "cancelled", False, None)


def test_withdrawal_after_20_weeks_lapses_the_final_plan() -> None:
    result = run([*ASSESSING, ev("request_withdrawn", "2024-06-03")], "2024-07-01")  # Mon
    assert summary(one(result, "final_plan"))[2:] == (None, "lapsed", True, 7)
    assert summary(one(result, "decision_not_to_issue"))[2:] == (None, "cancelled", False, None)
    assert result.state == "withdrawn"


def test_events_after_as_of_are_ignored_but_still_checked() -> None:
    result = run([*ASSESSING, ev("request_withdrawn", "2024-06-03")], "2024-05-31")  # Fri
    assert summary(one(result, "final_plan"))[2:] == (None, "overdue", True, 4)
    assert result.state == "assessing"
