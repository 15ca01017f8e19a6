"""The family's windows (spec section 6): representations, reg 13(1)(a) and 22(2)(c), "at
least 15 days beginning with" the day served; and the appeal window, HESC r.20(1)(c) (2
months after the notice, or 1 month after a mediation certificate) moved on by r.12(2)-(3)
out of August, Christmas to New Year, weekends and bank holidays, once (spec v3 change 1)."""

from __future__ import annotations

import pytest

from tests.law._cases import PLAN_2023_05_22, d, ev, run, windows
from workflow.law import timescales as ts
from workflow.law.calendar import WorkingDays

WORKING_DAYS = WorkingDays()


@pytest.mark.parametrize(
    "served, closes",
    [
        ("2024-03-03", "2024-03-17"),  # Sun -> Sun, the spec's example
        ("2024-02-20", "2024-03-05"),  # Tue -> Tue, through a leap February
        ("2023-02-20", "2023-03-06"),  # Mon -> Mon, through a plain February
        ("2024-12-20", "2025-01-03"),  # Fri -> Fri, over Christmas: not moved
    ],
)
def test_representations_close(served: str, closes: str) -> None:
    assert ts.representations_close(d(served)) == d(closes)


def test_representations_run_from_served_on() -> None:
    result = run(
        [
            ev("request_received", "2024-01-08", source="parent"),  # Mon
            ev("decision_to_assess", "2024-02-05"),  # Mon
            ev("draft_plan_issued", "2024-04-15", served_on="2024-04-17"),  # Mon, served Wed
        ],
        "2024-05-01",
    )
    assert windows(result, "representations") == [("2024-04-17", "2024-05-01")]  # Wed


def test_amendment_representations_with_and_without_served_on() -> None:
    result = run(
        [
            *PLAN_2023_05_22,
            ev("amendment_notice_sent", "2024-03-04"),  # Mon -> Mon 18 Mar
            ev("amendment_notice_sent", "2024-04-15", served_on="2024-04-16"),  # Tue -> Tue
        ],
        "2024-05-01",
    )
    assert windows(result, "amendment_representations") == [
        ("2024-03-04", "2024-03-18"),
        ("2024-04-16", "2024-04-30"),
    ]


@pytest.mark.parametrize(
    "notice, closes",
    [
        ("2024-05-22", "2024-07-22"),  # Wed -> Mon, a working day: stays
        ("2024-07-29", "2024-09-30"),  # Mon -> Sun 29 Sep -> Mon (golden case 07)
        # August
        ("2024-06-10", "2024-09-02"),  # Mon -> Sat 10 Aug -> Mon 2 Sep
        ("2024-06-30", "2024-09-02"),  # Sun -> Fri 30 Aug -> Mon 2 Sep
        ("2025-06-30", "2025-09-01"),  # Mon -> Sat 30 Aug -> Mon 1 Sep
        ("2026-06-15", "2026-09-01"),  # Mon -> Sat 15 Aug -> Tue 1 Sep (Mon 31 Aug is a
        # bank holiday, but the rule is the first working day *after* 31 August anyway)
        # v3: one move only (r.12(2)), never a second (r.12(3)(a)) on top of it
        ("2022-05-31", "2022-08-01"),  # Tue -> Sun 31 Jul -> Mon 1 Aug, not 1 Sep
        ("2027-05-31", "2027-08-02"),  # Mon -> Sat 31 Jul -> Mon 2 Aug (the spec's example)
        # Christmas to New Year
        ("2024-10-25", "2025-01-02"),  # Fri -> Wed 25 Dec -> Thu 2 Jan
        ("2024-10-31", "2025-01-02"),  # Thu -> Tue 31 Dec -> Thu 2 Jan
        ("2024-11-01", "2025-01-02"),  # Fri -> Wed 1 Jan -> Thu 2 Jan
        ("2022-10-28", "2023-01-03"),  # Fri -> Wed 28 Dec -> Tue 3 Jan (Mon 2 Jan a holiday)
        # v3: Sat 24 Dec -> Wed 28 Dec (26, 27 Dec bank holidays), not on to 3 Jan
        ("2022-10-24", "2022-12-28"),
        ("2024-10-24", "2024-12-24"),  # Thu -> Tue 24 Dec, a working day: stays
        ("2025-11-02", "2026-01-02"),  # Sun -> Fri 2 Jan, already after New Year
        ("2027-10-28", "2028-01-04"),  # Thu -> Tue 28 Dec -> Tue 4 Jan (Mon 3 Jan observed)
        # weekends and bank holidays
        ("2024-01-10", "2024-03-11"),  # Wed -> Sun 10 Mar -> Mon
        ("2024-01-29", "2024-04-02"),  # Mon -> Good Friday 29 Mar -> Tue after Easter Monday
        ("2024-03-06", "2024-05-07"),  # Wed -> Mon 6 May, May Day -> Tue
        ("2023-03-08", "2023-05-09"),  # Wed -> Mon 8 May 2023, the Coronation -> Tue
        ("2024-03-27", "2024-05-28"),  # Wed -> Mon 27 May, Spring bank holiday -> Tue
        # month ends: 2 months after the 31st clamp to the month's last day
        ("2023-12-31", "2024-02-29"),  # Sun -> Thu 29 Feb
        ("2024-12-31", "2025-02-28"),  # Tue -> Fri 28 Feb
    ],
)
def test_appeal_closes_without_certificate(notice: str, closes: str) -> None:
    assert ts.appeal_closes(d(notice), None, WORKING_DAYS) == d(closes)


@pytest.mark.parametrize(
    "notice, certificate, closes",
    [
        ("2024-05-01", "2024-06-20", "2024-07-22"),  # Wed, Thu -> Sat 20 Jul -> Mon
        ("2024-05-01", "2024-06-05", "2024-07-05"),  # Wed, Wed -> Fri 5 Jul
        ("2024-05-01", "2024-05-20", "2024-07-01"),  # Wed, Mon -> Mon: 2 months is later
        ("2024-06-03", "2024-07-15", "2024-09-02"),  # Mon, Mon -> Thu 15 Aug -> Mon 2 Sep
        ("2024-10-01", "2024-11-27", "2025-01-02"),  # Tue, Wed -> Fri 27 Dec -> Thu 2 Jan
        ("2024-10-01", "2024-12-31", "2025-01-31"),  # Tue, Tue -> Fri 31 Jan
        ("2024-10-01", "2025-01-31", "2025-02-28"),  # Tue, Fri -> Fri 28 Feb (clamped)
        # the spec's v3 table (section 6)
        ("2024-04-12", "2024-06-17", "2024-07-17"),  # Fri, Mon -> Wed 17 Jul
        ("2025-05-02", "2025-07-10", "2025-09-01"),  # Fri, Thu -> Sun 10 Aug -> Mon 1 Sep
    ],
)
def test_appeal_closes_with_certificate(notice: str, certificate: str, closes: str) -> None:
    assert ts.appeal_closes(d(notice), d(certificate), WORKING_DAYS) == d(closes)


@pytest.mark.parametrize(
    "closes, moved",
    [
        ("2027-07-31", "2027-08-02"),  # Sat -> Mon 2 Aug: r.12(2) only, not on to Sep
        ("2024-08-15", "2024-09-02"),  # Thu in August -> Mon 2 Sep, r.12(3)(a)
        ("2022-12-24", "2022-12-28"),  # Sat 24 Dec -> Wed 28 Dec, r.12(2) only
        ("2024-12-25", "2025-01-02"),  # Christmas Day -> Thu 2 Jan, r.12(3)(a)
        ("2025-01-01", "2025-01-02"),  # New Year's Day -> Thu 2 Jan
        ("2024-07-22", "2024-07-22"),  # Mon, a working day: stays
    ],
)
def test_roll_once(closes: str, moved: str) -> None:
    """HESC r.12(3)(a), else r.12(2): exactly one move, once."""
    assert ts.roll_once(d(closes), WORKING_DAYS) == d(moved)


def test_contacting_the_mediation_adviser_changes_no_date() -> None:
    """HESC r.20(1)(c) as written: the certificate extends the appeal whenever the family
    contacted the adviser (spec v3 change 2); the contact changes nothing."""
    events = [
        *PLAN_2023_05_22,
        ev("review_meeting_held", "2024-04-01"),
        ev("review_decision", "2024-04-12", outcome="maintain"),  # Fri
        ev("mediation_certificate_issued", "2024-06-17"),  # Mon
    ]
    contacted = ev("mediation_adviser_contacted", "2024-06-14", pursue_mediation=False)
    without = run(events, "2024-08-01")
    with_contact = run([*events, contacted], "2024-08-01")
    assert windows(without, "appeal") == windows(with_contact, "appeal")
    assert ("2024-04-12", "2024-07-17") in windows(with_contact, "appeal")
    assert without.deadlines == with_contact.deadlines


def test_local_holiday_list_moves_the_appeal_close() -> None:
    local = WorkingDays([d("2024-07-22")])  # a one-off holiday on Mon 22 Jul 2024
    assert ts.appeal_closes(d("2024-05-22"), None, local) == d("2024-07-23")  # Wed -> Tue


REQUEST = ev("request_received", "2024-01-08", source="parent")  # Mon


@pytest.mark.parametrize(
    "later, expected",
    [
        # no certificate: 2 months after Mon 5 Feb -> Fri 5 Apr
        ([], [("2024-02-05", "2024-04-05")]),
        # certificate Wed 20 Mar: 1 month -> Sat 20 Apr -> Mon 22 Apr
        (
            [
                ev("mediation_requested", "2024-02-12"),
                ev("mediation_held", "2024-03-18"),
                ev("mediation_certificate_issued", "2024-03-20"),
            ],
            [("2024-02-05", "2024-04-22")],
        ),
        # only the first certificate counts (Wed 20 Mar, not Mon 15 Apr)
        (
            [
                ev("mediation_certificate_issued", "2024-03-20"),
                ev("mediation_certificate_issued", "2024-04-15"),
            ],
            [("2024-02-05", "2024-04-22")],
        ),
    ],
)
def test_appeal_window_after_decision_not_to_assess(later: list, expected: list) -> None:
    result = run(
        [REQUEST, ev("decision_not_to_assess", "2024-02-05"), *later],  # Mon
        "2024-06-01",
    )
    assert windows(result, "appeal") == expected


def test_a_certificate_belongs_to_the_latest_notice_before_it() -> None:
    result = run(
        [
            *PLAN_2023_05_22,  # final plan Mon 22 May 2023 -> Sat 22 Jul -> Mon 24 Jul
            ev("review_meeting_held", "2024-04-29"),  # Mon
            ev("review_decision", "2024-05-13", outcome="maintain"),  # Mon, a notice
            ev("mediation_certificate_issued", "2024-06-26"),  # Wed -> Fri 26 Jul
        ],
        "2024-09-01",
    )
    assert windows(result, "appeal") == [
        ("2023-05-22", "2023-07-24"),  # certificate came after the next notice: ignored
        (
            "2024-05-13",
            "2024-07-26",
        ),  # 2 months: Sat 13 Jul; 1 month after the certificate is later
    ]


@pytest.mark.parametrize(
    "outcome, notice",
    [("maintain", True), ("cease", True), ("amend", False)],
)
def test_which_review_decisions_open_an_appeal(outcome: str, notice: bool) -> None:
    result = run(
        [
            *PLAN_2023_05_22,
            ev("review_meeting_held", "2024-04-29"),
            ev("review_decision", "2024-05-13", outcome=outcome),  # Mon -> Sat 13 Jul -> Mon
        ],
        "2024-09-01",
    )
    expected = [("2023-05-22", "2023-07-24")]
    if notice:
        expected.append(("2024-05-13", "2024-07-15"))
    assert windows(result, "appeal") == expected


def test_appeal_notices_of_the_amendment_cycle() -> None:
    result = run(
        [
            *PLAN_2023_05_22,
            ev("amendment_notice_sent", "2024-03-04"),  # Mon: no appeal yet
            ev("decision_not_to_amend", "2024-04-01"),  # Mon -> Sat 1 Jun -> Mon 3 Jun
            ev("amendment_notice_sent", "2024-05-06"),  # Mon
            ev("amended_plan_issued", "2024-06-21"),  # Fri -> Wed 21 Aug -> Mon 2 Sep
        ],
        "2024-09-01",
    )
    assert windows(result, "appeal") == [
        ("2023-05-22", "2023-07-24"),
        ("2024-04-01", "2024-06-03"),
        ("2024-06-21", "2024-09-02"),
    ]
