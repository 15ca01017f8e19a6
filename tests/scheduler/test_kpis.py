"""Hand-worked scorecards: small case sets whose figures are worked out in the comments.

Each test imports a few cases (spec deadlines.md section 8) and checks the
indicators of kpis.md month by month, on SQLite and PostgreSQL. Dates are the
statutory dates; "due" follows deadlines.md section 1 (6 weeks = 42 days, 20
weeks = 140 days, 4 weeks = 28 days, 8 weeks = 56 days, "period of 12 months
starting with" D ends the day before D's date a year on).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import Session

from scheduler.scorecard.compute import Scorecard, compute_scorecard
from scheduler.scorecard.dfe import dfe_year
from scheduler.scorecard.figures import Figure, mean_weeks, percent
from scheduler.scorecard.indicators import AGE_BAND_LABELS, age_bands
from scheduler.scorecard.months import Month
from tests.workflow.factories import import_all
from workflow.law.deadlines import Settings

Clock = Callable[[], datetime]


def ev(event_type: str, on: str, **fields: Any) -> dict[str, Any]:
    return {"type": event_type, "date": on, **fields}


def load(
    session: Session,
    clock: Clock,
    cases: dict[str, list[dict[str, Any]]],
    *,
    teams: dict[str, str] | None = None,
) -> None:
    lines = []
    for ref, events in cases.items():
        for i, event in enumerate(events):
            line = {"case": ref, **event}
            if i == 0 and teams and ref in teams:
                line["team"] = teams[ref]
                line["officer"] = f"{teams[ref]} officer"
            lines.append(json.dumps(line))
    import_all(session=session, lines=lines, clock=clock, actor="test")


def card(session: Session, first: str, last: str | None = None, **filters: Any) -> Scorecard:
    return compute_scorecard(
        session,
        first=Month.parse(first),
        last=Month.parse(last or first),
        settings=Settings(),
        **filters,
    )


def fig(c: Scorecard, indicator: str, month: str) -> tuple[Any, Any, Any]:
    found = [f for f in c.figures[indicator] if f.month == month]
    assert len(found) == 1
    f: Figure = found[0]
    return (f.value, f.numerator, f.denominator)


def plan_case(final: str, *, before: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Request, decision, draft and final plan, the final on `final` (R = final - 120 days)."""
    day = date.fromisoformat(final)
    r = day - timedelta(days=120)
    return [
        ev("request_received", r.isoformat(), source="parent"),
        ev("decision_to_assess", (r + timedelta(days=30)).isoformat()),
        *(before or []),
        ev("draft_plan_issued", (day - timedelta(days=20)).isoformat()),
        ev("final_plan_issued", final),
    ]


# -- rounding ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "numerator, denominator, expected",
    [
        (1, 2, Decimal("50.0")),
        (2, 3, Decimal("66.7")),  # 66.666...
        (1, 3, Decimal("33.3")),  # 33.333...
        (73, 400, Decimal("18.3")),  # 18.25 exactly: half up (half even would give 18.2)
        (1, 8, Decimal("12.5")),
        (0, 5, Decimal("0.0")),
        (0, 0, None),  # no cohort, no figure
    ],
)
def test_percent_rounds_half_up(numerator: int, denominator: int, expected: Any) -> None:
    assert percent(numerator, denominator) == expected


def test_mean_weeks_rounds_half_up() -> None:
    assert mean_weeks(35, 4) == Decimal("1.3")  # 35 / 28 = 1.25 weeks exactly
    assert mean_weeks(575, 4) == Decimal("20.5")  # 575 / 28 = 20.535...
    assert mean_weeks(0, 0) is None


# -- decisions within 6 weeks (completion cohort) ---------------------------------------


def test_decisions_within_6_weeks(session: Session, clock: Clock) -> None:
    cases = {
        # R 1 Feb 2024 (Thu), due 14 Mar; decided on the due day: on time, March.
        "A": [ev("request_received", "2024-02-01", source="parent"),
              ev("decision_to_assess", "2024-03-14")],
        # R 15 Jan, due 26 Feb; decided not to assess 5 Mar: late, March (a "no" counts).
        "B": [ev("request_received", "2024-01-15", source="school"),
              ev("decision_not_to_assess", "2024-03-05")],
        # R 20 Feb, due 2 Apr; decided 2 Apr: on time, April (not March).
        "C": [ev("request_received", "2024-02-20", source="parent"),
              ev("decision_to_assess", "2024-04-02")],
        # R 2 Jan, withdrawn 10 Mar: never decided, in no completion cohort.
        "D": [ev("request_received", "2024-01-02", source="parent"),
              ev("request_withdrawn", "2024-03-10")],
        # R 10 Feb, due 23 Mar; not decided yet.
        "E": [ev("request_received", "2024-02-10", source="health")],
    }  # fmt: skip
    load(session, clock, cases, teams={"A": "North", "B": "South", "C": "North", "D": "North"})
    c = card(session, "2024-02", "2024-04")
    # February: nobody decided: no figure, 0 of 0.
    assert fig(c, "decisions_within_6_weeks", "2024-02") == (None, 0, 0)
    # March: A on time, B late: 1 of 2.
    assert fig(c, "decisions_within_6_weeks", "2024-03") == (Decimal("50.0"), 1, 2)
    # April: C on time.
    assert fig(c, "decisions_within_6_weeks", "2024-04") == (Decimal("100.0"), 1, 1)
    # Team North in March: only A.
    north = card(session, "2024-03", team="North")
    assert fig(north, "decisions_within_6_weeks", "2024-03") == (Decimal("100.0"), 1, 1)
    officer = card(session, "2024-03", officer="South officer")
    assert fig(officer, "decisions_within_6_weeks", "2024-03") == (Decimal("0.0"), 0, 1)

    # A back-dated event: E's decision of 20 Mar (within its 23 Mar due date) is recorded
    # only now. March becomes A, B, E: 2 of 3. An event dated April leaves March alone.
    load(session, clock, {"E": [ev("decision_to_assess", "2024-03-20")]})
    load(session, clock, {"D2": [ev("request_received", "2024-02-21", source="parent"),
                                 ev("decision_to_assess", "2024-04-01")]})  # fmt: skip
    c = card(session, "2024-03", "2024-04")
    assert fig(c, "decisions_within_6_weeks", "2024-03") == (Decimal("66.7"), 2, 3)
    assert fig(c, "decisions_within_6_weeks", "2024-04") == (Decimal("100.0"), 2, 2)


# -- plans within 20 weeks and average weeks (completion cohort) ---------------------------

PLANS = {
    # R 15 Jan 2024, due R+140 = 3 Jun; final 3 Jun: on time, 140 days.
    "P1": [
        ev("request_received", "2024-01-15", source="parent"),
        ev("decision_to_assess", "2024-02-20"),
        ev("draft_plan_issued", "2024-05-10"),
        ev("final_plan_issued", "2024-06-03"),
    ],
    # R 8 Jan, due 27 May; final 10 Jun: late, 154 days; an exception recorded 1 May.
    "P2": [
        ev("request_received", "2024-01-08", source="parent"),
        ev("decision_to_assess", "2024-02-12"),
        ev(
            "exception_recorded",
            "2024-05-01",
            reason="personal_circumstances",
            applies_to="final_plan",
        ),
        ev("draft_plan_issued", "2024-05-20"),
        ev("final_plan_issued", "2024-06-10"),
    ],
    # R 22 Jan, due 10 Jun; final 20 Jun, late; mediation asked for the same day, so it
    # is disputed "on or before met_on": left out of both.
    "P3": [
        ev("request_received", "2024-01-22", source="parent"),
        ev("decision_to_assess", "2024-02-26"),
        ev("draft_plan_issued", "2024-05-30"),
        ev("mediation_requested", "2024-06-20"),
        ev("final_plan_issued", "2024-06-20"),
    ],
    # R 5 Feb, due 24 Jun; final 14 Jun: on time, 130 days. Appeal after the plan
    # (25 Jun): not disputed when the plan was issued, so it counts.
    "P4": [
        ev("request_received", "2024-02-05", source="school"),
        ev("decision_to_assess", "2024-03-11"),
        ev("draft_plan_issued", "2024-05-24"),
        ev("final_plan_issued", "2024-06-14"),
        ev("appeal_registered", "2024-06-25"),
    ],
    # R 29 Jan, due 17 Jun; final 28 Jun: late, 151 days. Its exception is recorded on
    # 5 Jul: as of 30 June there is none, so June's "excluding" figure keeps it.
    "P5": [
        ev("request_received", "2024-01-29", source="parent"),
        ev("decision_to_assess", "2024-03-04"),
        ev("draft_plan_issued", "2024-06-07"),
        ev("final_plan_issued", "2024-06-28"),
        ev(
            "exception_recorded",
            "2024-07-05",
            reason="school_closure",
            applies_to="final_plan",
        ),
    ],
}


def test_plans_within_20_weeks_and_average_weeks(session: Session, clock: Clock) -> None:
    load(session, clock, PLANS)
    c = card(session, "2024-05", "2024-07")
    # June, including exceptions: P1 on time, P2 late, P4 on time, P5 late: 2 of 4.
    assert fig(c, "plans_within_20_weeks_incl_exceptions", "2024-06") == (Decimal("50.0"), 2, 4)
    # June, excluding exceptions: P2 excused (exception on 1 May): P1, P4, P5: 2 of 3.
    assert fig(c, "plans_within_20_weeks_excl_exceptions", "2024-06") == (Decimal("66.7"), 2, 3)
    # Average: (140 + 154 + 130 + 151) / 4 = 575 / 4 days = 20.54 weeks -> 20.5.
    assert fig(c, "average_weeks_to_issue", "2024-06") == (Decimal("20.5"), None, None)
    # May and July: no plans issued: no figures.
    for month in ("2024-05", "2024-07"):
        assert fig(c, "plans_within_20_weeks_incl_exceptions", month) == (None, 0, 0)
        assert fig(c, "average_weeks_to_issue", month) == (None, None, None)


def test_dfe_year(session: Session, clock: Clock) -> None:
    load(session, clock, PLANS)
    year = dfe_year(session, year=2024, settings=Settings())
    # As of 31 Dec 2024 P5's July exception counts too.
    assert year.plans_issued == 5
    assert year.plans_in_cohort == 5
    # The SEN2 method counts P3 too, disputed on the day of its plan (kpis.md v3).
    assert year.disputed_included == 1  # P3
    assert (year.incl_exceptions.value, year.incl_exceptions.numerator) == (Decimal("40.0"), 2)
    assert year.incl_exceptions.denominator == 5
    # Excluding exceptions (P2, P5): P1 and P4 on time, P3 late: 2 of 3.
    assert year.exceptions_left_out == 2
    assert (year.excl_exceptions.value, year.excl_exceptions.denominator) == (Decimal("66.7"), 3)
    # (140 + 154 + 150 + 130 + 151) days / 5 plans / 7 = 20.71 weeks.
    assert year.average_weeks == Decimal("20.7")
    # As of 30 June the July exception is not there yet: 2 of 4.
    early = dfe_year(session, year=2024, settings=Settings(), as_of=date(2024, 6, 30))
    assert early.excl_exceptions.denominator == 4
    data = year.to_json()
    # The DfE's 2024 national figure excluding exceptions; including them, not retrieved.
    assert data["national"] == {"pct_incl_exceptions": None, "pct_excl_exceptions": 46.4}
    empty = dfe_year(session, year=2023, settings=Settings())
    assert empty.incl_exceptions.value is None and empty.plans_issued == 0


# -- open assessments over 20 weeks, and their ages (snapshot) -----------------------------


def test_open_assessments_over_20_weeks_and_age_bands(session: Session, clock: Clock) -> None:
    cases = {
        # Requested 10 Feb 2024: on 30 Jun 141 days (> 140): over 20 weeks. Band 20-24.
        "O1": [ev("request_received", "2024-02-10", source="parent")],
        # 11 Feb: exactly 140 days, not over. Assessing. Band 16-20: v3's bands end where
        # "over 20 weeks" starts, so the two never disagree.
        "O2": [ev("request_received", "2024-02-11", source="parent"),
               ev("decision_to_assess", "2024-03-01")],
        # 2 Jan: 180 days, draft issued, but mediation from 1 Jun: disputed, left out of
        # the count; in band 24-30, flagged disputed.
        "O3": [ev("request_received", "2024-01-02", source="parent"),
               ev("decision_to_assess", "2024-02-01"),
               ev("draft_plan_issued", "2024-05-20"),
               ev("mediation_requested", "2024-06-01")],
        # 5 Jan: plan issued 20 May: no longer open.
        "O4": plan_case("2024-05-20"),
        # 1 Jun 2023: decided not to assess: not open.
        "O5": [ev("request_received", "2023-06-01", source="parent"),
               ev("decision_not_to_assess", "2023-07-01")],
        # 10 Jan: 172 days; withdrawn 15 Jul, after the month: still open on 30 Jun.
        "O6": [ev("request_received", "2024-01-10", source="school"),
               ev("request_withdrawn", "2024-07-15")],
        # 30 Jun: 0 days. Band 0-6.
        "O7": [ev("request_received", "2024-06-30", source="parent")],
        # 1 May 2023: 426 days, assessing. Band 52+.
        "O8": [ev("request_received", "2023-05-01", source="parent"),
               ev("decision_to_assess", "2023-06-01")],
        # 12 Jan: 170 days; mediation asked for on 2 Jul, after the month: counts.
        "O9": [ev("request_received", "2024-01-12", source="parent"),
               ev("mediation_requested", "2024-07-02")],
    }  # fmt: skip
    load(session, clock, cases)
    c = card(session, "2024-05", "2024-07")
    # 30 June: O1, O6, O8, O9.
    assert fig(c, "open_assessments_over_20_weeks", "2024-06") == (4, None, None)
    # 31 May: O1 110 days, O6 142, O8 396, O9 140 (not over), O3 150 (not yet disputed,
    # mediation came 1 Jun): O3, O6, O8.
    assert fig(c, "open_assessments_over_20_weeks", "2024-05") == (3, None, None)
    # 31 July: O6 withdrawn, O9 disputed; O1 172, O2 171 (assessing), O8: O1, O2, O8.
    assert fig(c, "open_assessments_over_20_weeks", "2024-07") == (3, None, None)
    june = next(b for b in c.age_bands if b.month == "2024-06")
    assert [(b.band, b.cases, b.disputed) for b in june.bands] == [
        ("0-6", 1, 0),  # O7
        ("6-16", 0, 0),
        ("16-20", 1, 0),  # O2
        ("20-24", 1, 0),  # O1
        ("24-30", 3, 1),  # O3 (disputed), O6, O9
        ("30-52", 0, 0),
        ("52+", 1, 0),  # O8
    ]
    assert list(AGE_BAND_LABELS) == [b.band for b in june.bands]
    # A month before any case: counts are 0, not null.
    empty = card(session, "2022-01")
    assert fig(empty, "open_assessments_over_20_weeks", "2022-01") == (0, None, None)
    assert fig(empty, "annual_review_backlog", "2022-01") == (0, None, None)


# -- advice within 6 weeks (due cohort) ---------------------------------------------------


def test_advice_within_6_weeks(session: Session, clock: Clock) -> None:
    assessing = [
        ev("request_received", "2024-02-01", source="parent"),
        ev("decision_to_assess", "2024-03-01"),
    ]
    cases = {
        # Asked 4 Mar 2024, due 15 Apr. Psychological received 15 Apr: on time. Health
        # received 20 Apr: late. Social care never received: overdue on 30 Apr, late.
        # Educational advice is not on the scorecard; the family's own has no clock.
        "A1": [*assessing,
               *(ev("advice_requested", "2024-03-04", advice=a)
                 for a in ("psychological", "health", "social_care", "educational", "parent")),
               ev("advice_received", "2024-04-15", advice="psychological"),
               ev("advice_received", "2024-04-20", advice="health")],
        # Psychological received by the service 12 Mar, due 23 Apr, excused by an
        # exception on 1 Apr: left out. Health (due 21 Apr) and social care (due 16 Apr)
        # cancelled by the withdrawal on 10 Apr, before they were due: left out.
        "A2": [*assessing,
               ev("advice_requested", "2024-03-10", advice="psychological",
                  received_on="2024-03-12"),
               ev("advice_requested", "2024-03-10", advice="health"),
               ev("advice_requested", "2024-03-05", advice="social_care"),
               ev("exception_recorded", "2024-04-01", reason="missed_appointment",
                  applies_to="advice", advice="psychological"),
               ev("request_withdrawn", "2024-04-10")],
        # Asked 20 Feb, due 2 Apr. Psychological received 30 Mar: on time. Health never
        # received, withdrawn 5 Apr, after its due date: lapsed, counts as late.
        "A3": [ev("request_received", "2024-01-10", source="parent"),
               ev("decision_to_assess", "2024-02-01"),
               ev("advice_requested", "2024-02-20", advice="psychological"),
               ev("advice_requested", "2024-02-20", advice="health"),
               ev("advice_received", "2024-03-30", advice="psychological"),
               ev("request_withdrawn", "2024-04-05")],
        # Asked 5 Mar, due 16 Apr, received 10 May: overdue on 30 Apr, late. The exception
        # recorded 5 May does not reach back into April.
        "A4": [*assessing,
               ev("advice_requested", "2024-03-05", advice="psychological"),
               ev("exception_recorded", "2024-05-05", reason="missed_appointment",
                  applies_to="advice", advice="psychological"),
               ev("advice_received", "2024-05-10", advice="psychological")],
        # Asked 19 Mar, due 30 Apr, received 2 May: on 30 Apr still pending, not on time.
        "A5": [*assessing,
               ev("advice_requested", "2024-03-19", advice="psychological"),
               ev("advice_received", "2024-05-02", advice="psychological")],
    }  # fmt: skip
    load(session, clock, cases)
    c = card(session, "2024-03", "2024-05")
    # April psychological: A1 on time, A3 on time, A4 late, A5 not on time: 2 of 4.
    assert fig(c, "advice_within_6_weeks_psychological", "2024-04") == (Decimal("50.0"), 2, 4)
    # April health: A1 late, A3 lapsed: 0 of 2.
    assert fig(c, "advice_within_6_weeks_health", "2024-04") == (Decimal("0.0"), 0, 2)
    # April social care: A1 overdue: 0 of 1.
    assert fig(c, "advice_within_6_weeks_social_care", "2024-04") == (Decimal("0.0"), 0, 1)
    # Nothing due in March or May: no figures.
    for month in ("2024-03", "2024-05"):
        for kind in ("psychological", "health", "social_care"):
            assert fig(c, f"advice_within_6_weeks_{kind}", month) == (None, 0, 0)


# -- annual reviews, review decisions, amended plans (due cohort) and the backlog ----------


def test_reviews_amendments_and_backlog(session: Session, clock: Clock) -> None:
    cases = {
        # Plan 10 Jun 2024: review due 9 Jun 2025. Meeting 20 May (decision due 17 Jun),
        # maintained 5 Jun: review on time, decision on time.
        "R1": [*plan_case("2024-06-10"),
               ev("review_meeting_held", "2025-05-20"),
               ev("review_decision", "2025-06-05", outcome="maintain")],
        # Plan 3 Jun 2024: review due 2 Jun 2025. Meeting 28 May (decision due 25 Jun);
        # amend decided 20 Jun: review late, decision on time. Notice 24 Jun: the amended
        # plan is due 19 Aug (not June). On 30 June the amendment is outstanding: backlog.
        "R2": [*plan_case("2024-06-03"),
               ev("review_meeting_held", "2025-05-28"),
               ev("review_decision", "2025-06-20", outcome="amend"),
               ev("amendment_notice_sent", "2025-06-24")],
        # Plan 20 Jun 2024: review due 19 Jun 2025. Meeting 12 Jun, no decision by
        # 30 June: review overdue (late), backlog. Decision due 10 Jul (not June).
        "R3": [*plan_case("2024-06-20"),
               ev("review_meeting_held", "2025-06-12")],
        # Plan 14 Jun 2024, ceased 1 May 2025: review (due 13 Jun) cancelled: left out.
        "R4": [*plan_case("2024-06-14"),
               ev("plan_ceased", "2025-05-01", reason="moved_la")],
        # Meeting 10 Mar 2025, amend 30 Mar, notice 14 Apr: due the earlier of 9 Jun
        # (N + 8 weeks) and 2 Jun (M + 12 weeks, Devon): 2 Jun. Issued 5 Jun: late.
        "R5": [*plan_case("2024-03-20"),
               ev("review_meeting_held", "2025-03-10"),
               ev("review_decision", "2025-03-30", outcome="amend"),
               ev("amendment_notice_sent", "2025-04-14"),
               ev("amended_plan_issued", "2025-06-05")],
        # Meeting 1 Apr, amend 20 Apr, notice 25 Apr: due min(20 Jun, 24 Jun) = 20 Jun.
        # Decided not to amend 18 Jun: on time.
        "R6": [*plan_case("2024-04-10"),
               ev("review_meeting_held", "2025-04-01"),
               ev("review_decision", "2025-04-20", outcome="amend"),
               ev("amendment_notice_sent", "2025-04-25"),
               ev("decision_not_to_amend", "2025-06-18")],
        # Meeting 20 Mar, amend 5 Apr, notice 10 Apr: due min(5 Jun, 12 Jun) = 5 Jun.
        # Plan ceased 20 Jun, after the due date, amendment never issued: lapsed, late.
        # Ceased by 30 June: not in the backlog although the amendment never came.
        "R7": [*plan_case("2024-03-25"),
               ev("review_meeting_held", "2025-03-20"),
               ev("review_decision", "2025-04-05", outcome="amend"),
               ev("amendment_notice_sent", "2025-04-10"),
               ev("plan_ceased", "2025-06-20", reason="needs_met")],
        # Same-day events in processing order: meeting, amend decision, notice and the
        # amended plan all on 10 Jun: each comes "after" the one before: no backlog.
        "R8": [*plan_case("2024-08-01"),
               ev("review_meeting_held", "2025-06-10"),
               ev("review_decision", "2025-06-10", outcome="amend"),
               ev("amendment_notice_sent", "2025-06-10"),
               ev("amended_plan_issued", "2025-06-10")],
    }  # fmt: skip
    load(session, clock, cases)
    c = card(session, "2025-05", "2025-06")
    # Reviews due in June: R1 on time, R2 late, R3 overdue; R4 cancelled: 1 of 3.
    assert fig(c, "annual_reviews_within_timeframe", "2025-06") == (Decimal("33.3"), 1, 3)
    # Review decisions due in June: R1 (17 Jun) and R2 (25 Jun), both on time.
    assert fig(c, "review_decisions_within_4_weeks", "2025-06") == (Decimal("100.0"), 2, 2)
    # Amended plans due in June: R5 late, R6 on time, R7 lapsed: 1 of 3.
    assert fig(c, "amended_plans_on_time", "2025-06") == (Decimal("33.3"), 1, 3)
    # Backlog on 30 June: R2 (amendment outstanding), R3 (no decision): 2.
    assert fig(c, "annual_review_backlog", "2025-06") == (2, None, None)
    # On 31 May: R1 and R2 (meetings without decisions), R5, R6, R7 (amendments
    # outstanding): 5.
    assert fig(c, "annual_review_backlog", "2025-05") == (5, None, None)


@pytest.mark.parametrize(
    "days, twenty_week_days, band",
    [
        (0, 140, "0-6"),
        (42, 140, "0-6"),
        (43, 140, "6-16"),
        (112, 140, "6-16"),
        (113, 140, "16-20"),
        (140, 140, "16-20"),  # not yet over 20 weeks
        (141, 140, "20-24"),  # over 20 weeks from here, as the count says
        (139, 139, "16-20"),
        (140, 139, "20-24"),  # the DfE's 139-day reading moves the boundary with it
        (168, 140, "20-24"),
        (169, 140, "24-30"),
        (210, 140, "24-30"),
        (211, 140, "30-52"),
        (364, 140, "30-52"),
        (365, 140, "52+"),
        (5000, 140, "52+"),
    ],
)
def test_age_bands_are_bounded_in_days(days: int, twenty_week_days: int, band: str) -> None:
    """kpis.md v3: both bounds inclusive, in days; each day in exactly one band."""
    bands = age_bands(twenty_week_days)
    assert [b.label for b in bands if b.contains(days)] == [band]


@pytest.mark.parametrize(
    "dispute",
    [
        ev("mediation_adviser_contacted", "2024-05-01"),
        ev("mediation_requested", "2024-05-01"),
        ev("appeal_registered", "2024-05-01"),
    ],
    ids=lambda e: e["type"],
)
def test_disputed_from_the_first_contact_with_the_mediation_adviser(
    session: Session, clock: Clock, dispute: dict[str, Any]
) -> None:
    """kpis.md v3: contact with the mediation adviser makes a case disputed too, so its plan
    is left out of the scorecard's 20-week figures, and counted by the DfE method."""
    load(
        session,
        clock,
        {"D1": plan_case("2024-06-10", before=[dispute]), "D2": plan_case("2024-06-12")},
    )
    assert fig(card(session, "2024-06"), "plans_within_20_weeks_incl_exceptions", "2024-06") == (
        Decimal("100.0"), 1, 1,
    )  # fmt: skip
    dfe = compute_scorecard(
        session, first=Month(2024, 6), last=Month(2024, 6), settings=Settings(), dfe_method=True
    )
    assert fig(dfe, "plans_within_20_weeks_incl_exceptions", "2024-06")[2] == 2
