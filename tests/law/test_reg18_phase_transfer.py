"""Reg 18(1): review and amend the plan before 15 February (to school) or 31 March (post-16)
of the year of the transfer, under the `before` (default) and `by` readings; from 1
September of the year before, whenever the transfer was recorded (spec v3 change 3).
Reg 18(2): a move between post-16 institutions on a date, at least 5 months before it
(spec v3 change 13)."""

from __future__ import annotations

import pytest

from tests.law._cases import PLAN_2023_05_22, all_of, d, ev, one, run, summary
from workflow.law import timescales as ts


@pytest.mark.parametrize(
    "year, to, rule, due",
    [
        (2025, "school", "before", "2025-02-14"),  # Fri, the day before 15 Feb
        (2025, "school", "by", "2025-02-15"),  # Sat, not moved off the weekend
        (2025, "post16", "before", "2025-03-30"),  # Sun
        (2025, "post16", "by", "2025-03-31"),  # Mon
        (2024, "school", "before", "2024-02-14"),  # Wed
        (2024, "school", "by", "2024-02-15"),  # Thu
        (2024, "post16", "before", "2024-03-30"),  # Sat, Easter Saturday
        (2024, "post16", "by", "2024-03-31"),  # Sun, Easter Day
    ],
)
def test_phase_transfer_due(year: int, to: str, rule: str, due: str) -> None:
    assert ts.phase_transfer_due(year, to, rule=rule) == d(due)


def test_phase_transfer_rule_defaults_to_before() -> None:
    assert ts.phase_transfer_due(2025, "school") == d("2025-02-14")  # Fri


def test_phase_transfer_unknown_rule_is_an_error() -> None:
    with pytest.raises(ValueError, match="before or by"):
        ts.phase_transfer_due(2025, "school", rule="on")


@pytest.mark.parametrize(
    "year, starts",
    [
        (2025, "2024-09-01"),  # Sun 1 Sep of the year before
        (2024, "2023-09-01"),  # Fri
        (2030, "2029-09-01"),  # Sat: never moved
    ],
)
def test_phase_transfer_starts(year: int, starts: str) -> None:
    assert ts.phase_transfer_starts(year) == d(starts)


@pytest.mark.parametrize(
    "scheduled, starts",
    [
        ("2024-06-10", "2024-09-01"),  # recorded before 1 Sep
        ("2024-10-07", "2024-09-01"),  # v3: recorded after 1 Sep, still from 1 Sep
        ("2023-11-20", "2024-09-01"),  # recorded two years ahead
        ("2025-02-20", "2024-09-01"),  # v3: recorded after it was due
    ],
)
def test_phase_transfer_starts_whatever_the_recording_date(scheduled: str, starts: str) -> None:
    result = run(
        [
            *PLAN_2023_05_22,
            ev("phase_transfer_scheduled", scheduled, transfer_year=2025, to="school"),
        ],
        "2025-03-01",
    )
    assert one(result, "phase_transfer").starts == d(starts)


@pytest.mark.parametrize(
    "earlier, met_on, status",
    [
        # v3: an amendment done from 1 Sep meets a transfer recorded after it
        (
            [
                ev("amendment_notice_sent", "2024-11-04"),  # Mon
                ev("amended_plan_issued", "2025-01-06"),  # Mon
            ],
            "2025-01-06",
            "met",
        ),
        # ... as does a review decision to maintain, the earliest qualifying one
        (
            [
                ev("review_meeting_held", "2024-10-01"),
                ev("review_decision", "2024-10-14", outcome="maintain"),  # Mon
                ev("amendment_notice_sent", "2024-11-04"),
                ev("amended_plan_issued", "2025-01-06"),
            ],
            "2024-10-14",
            "met",
        ),
        # one before 1 Sep does not
        (
            [
                ev("review_meeting_held", "2024-07-01"),
                ev("review_decision", "2024-07-15", outcome="maintain"),  # Mon
            ],
            None,
            "overdue",
        ),
    ],
)
def test_phase_transfer_met_by_work_before_it_was_recorded(
    earlier: list, met_on: str | None, status: str
) -> None:
    result = run(
        [
            *PLAN_2023_05_22,
            *earlier,
            ev("phase_transfer_scheduled", "2025-02-20", transfer_year=2025, to="school"),
        ],
        "2025-03-01",
    )
    deadline = one(result, "phase_transfer")
    assert (deadline.met_on, deadline.status) == (d(met_on) if met_on else None, status)


@pytest.mark.parametrize(
    "transfer, starts, due",
    [
        ("2025-01-31", "2024-01-31", "2024-08-31"),  # the spec's example
        ("2026-07-31", "2025-07-31", "2026-02-28"),  # clamped: the earlier, stricter day
        ("2024-07-31", "2023-07-31", "2024-02-29"),  # clamped in a leap year
        ("2025-09-15", "2024-09-15", "2025-04-15"),
    ],
)
def test_post16_institution_transfer(transfer: str, starts: str, due: str) -> None:
    assert ts.post16_institution_transfer_starts(d(transfer)) == d(starts)
    assert ts.post16_institution_transfer_due(d(transfer)) == d(due)
    result = run(
        [
            *PLAN_2023_05_22,
            ev(
                "phase_transfer_scheduled",
                "2024-01-02",
                to="post16_institution",
                transfer_date=transfer,
            ),
        ],
        "2024-01-02",
    )
    deadline = one(result, "phase_transfer")
    assert (deadline.starts, deadline.due) == (d(starts), d(due))
    assert deadline.regulation.endswith("reg 18(2)")


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"to": "school"}, "enter the transfer_year"),
        ({"to": "post16_institution"}, "enter the transfer_date"),
        ({"to": "post16_institution", "transfer_year": 2025}, "enter the transfer_date"),
        (
            {"to": "school", "transfer_year": 2025, "transfer_date": "2025-09-01"},
            "transfer_date applies only",
        ),
    ],
)
def test_phase_transfer_fields_by_destination(fields: dict, message: str) -> None:
    from workflow.errors import InvalidEvent
    from workflow.law.events import parse_event

    with pytest.raises(InvalidEvent, match=message):
        parse_event({"type": "phase_transfer_scheduled", "date": "2024-06-10", **fields})


SCHEDULED = ev("phase_transfer_scheduled", "2024-06-10", transfer_year=2025, to="school")


@pytest.mark.parametrize(
    "rule, closing, expected",
    [
        # amended Fri 14 Feb 2025: met under `before`
        (
            "before",
            [
                ev("amendment_notice_sent", "2024-12-16"),  # Mon
                ev("amended_plan_issued", "2025-02-14"),  # Fri
            ],
            ("2024-09-01", "2025-02-14", "2025-02-14", "met", False, None),
        ),
        # amended Sat 15 Feb 2025: a day late under `before` ...
        (
            "before",
            [
                ev("amendment_notice_sent", "2024-12-20"),  # Fri
                ev("amended_plan_issued", "2025-02-15"),  # Sat
            ],
            ("2024-09-01", "2025-02-14", "2025-02-15", "late", True, 1),
        ),
        # ... and on time under `by`
        (
            "by",
            [
                ev("amendment_notice_sent", "2024-12-20"),  # Fri
                ev("amended_plan_issued", "2025-02-15"),  # Sat
            ],
            ("2024-09-01", "2025-02-15", "2025-02-15", "met", False, None),
        ),
        # a review decision to maintain meets it
        (
            "before",
            [
                ev("review_meeting_held", "2024-11-04"),  # Mon
                ev("review_decision", "2024-11-25", outcome="maintain"),  # Mon
            ],
            ("2024-09-01", "2025-02-14", "2024-11-25", "met", False, None),
        ),
        # a decision not to amend meets it
        (
            "before",
            [
                ev("amendment_notice_sent", "2024-12-02"),  # Mon
                ev("decision_not_to_amend", "2025-01-06"),  # Mon
            ],
            ("2024-09-01", "2025-02-14", "2025-01-06", "met", False, None),
        ),
        # nothing by Fri 28 Feb: overdue 14 days
        ("before", [], ("2024-09-01", "2025-02-14", None, "overdue", True, 14)),
    ],
)
def test_phase_transfer_whole_case(rule: str, closing: list, expected: tuple) -> None:
    result = run(
        [*PLAN_2023_05_22, SCHEDULED, *closing],
        "2025-02-28",
        phase_transfer_rule=rule,
    )
    deadline = one(result, "phase_transfer")
    assert summary(deadline) == expected
    assert deadline.regulation.endswith("reg 18(1)")


def test_decisions_before_the_transfer_year_starts_do_not_meet_it() -> None:
    result = run(
        [
            *PLAN_2023_05_22,
            SCHEDULED,
            ev("review_meeting_held", "2024-07-01"),  # Mon, before Sun 1 Sep 2024
            ev("review_decision", "2024-07-15", outcome="maintain"),  # Mon
        ],
        "2024-10-01",
    )
    assert summary(one(result, "phase_transfer")) == (
        "2024-09-01",
        "2025-02-14",
        None,
        "pending",
        False,
        None,
    )


def test_post16_and_rescheduling_cancels_the_earlier_one() -> None:
    result = run(
        [
            *PLAN_2023_05_22,
            SCHEDULED,
            # re-planned Mon 2 Sep 2024: to post-16, same year
            ev("phase_transfer_scheduled", "2024-09-02", transfer_year=2025, to="post16"),
        ],
        "2025-03-31",
        phase_transfer_rule="by",
    )
    transfers = sorted(all_of(result, "phase_transfer"), key=lambda x: x.due)
    assert [summary(x) for x in transfers] == [
        ("2024-09-01", "2025-02-15", None, "cancelled", False, None),
        ("2024-09-01", "2025-03-31", None, "pending", False, None),  # Mon 31 Mar
    ]


def test_plan_ceased_cancels_the_phase_transfer() -> None:
    result = run(
        [*PLAN_2023_05_22, SCHEDULED, ev("plan_ceased", "2024-10-01", reason="left_england")],
        "2025-06-01",
    )
    assert one(result, "phase_transfer").status == "cancelled"
