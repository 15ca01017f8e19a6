"""Published figures never change silently (issue 18 item 6), on SQLite and PostgreSQL.

The monthly export publishes its month once; a correction recorded after the publication
that changes a published figure shows it revised, with both values and the correction,
in every output; a figure that did not change is not marked; no names or dates of birth.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session, select

from scheduler.scorecard.compute import compute_scorecard
from scheduler.scorecard.export import monthly_export
from scheduler.scorecard.formats import CSV_PUBLISHED_COLUMNS, render
from scheduler.scorecard.months import Month
from scheduler.scorecard.publications import attach_revisions
from tests.wiring import configured, projections
from tests.workflow.factories import ev, record_all
from workflow import service
from workflow.law.deadlines import Settings
from workflow.models import Case, CasePeople, ScorecardPublication

Clock = Callable[[], datetime]
PUBLISHED_AT = datetime(2024, 3, 1, 7, 0, tzinfo=UTC)
FEB = Month(2024, 2)
DECISIONS = "decisions_within_6_weeks"
CHILD, BORN = "Amelia Quartermaine", date(2015, 3, 14)

# Two requests, both decided in February within 6 weeks (due 19 Feb and 26 Feb).
CASES = {
    "P1": [
        ev("request_received", "2024-01-08", source="parent"),
        ev("decision_to_assess", "2024-02-12"),
    ],
    "P2": [
        ev("request_received", "2024-01-15", source="parent"),
        ev("decision_to_assess", "2024-02-20"),
    ],
}


def load(session: Session, clock: Clock) -> None:
    for ref, events in CASES.items():
        record_all(session=session, case_ref=ref, events=events, clock=clock)
    for case in session.exec(select(Case)).all():  # a named child, to check no output shows it
        case.date_of_birth = BORN
        session.add(CasePeople(case_id=case.id, child_name=CHILD, updated_at=clock()))
    session.commit()


def publish_february(db_url: str, tmp_path: Path) -> list[Path]:
    config = configured(database_url=db_url, exports_dir=tmp_path / "exports")
    # as_of 1 March 2024: the export's last month is February 2024.
    return monthly_export(config=config, as_of=date(2024, 3, 1), clock=lambda: PUBLISHED_AT)


def correct_p1_late(session: Session, clock: Clock) -> None:
    """Correct P1's decision to 28 February: after its 19 February due day, late."""
    service.correct_event(
        session=session,
        case_ref="P1",
        sequence=2,
        date="2024-02-28",
        reason="Decision letter was dated 28 February",
        actor="manager.m",
        clock=clock,
        projections=projections(),
    )


def card(session: Session):  # type: ignore[no-untyped-def]
    c = compute_scorecard(session, first=Month(2024, 1), last=FEB, settings=Settings())
    return attach_revisions(session, c)


def test_the_export_publishes_its_month_once(
    session: Session,
    engine: Engine,
    db_url: str,
    clock: Clock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    load(session, clock)
    publish_february(db_url, tmp_path)
    rows = session.exec(select(ScorecardPublication)).all()
    assert [(r.month, r.published_at, r.as_of) for r in rows] == [
        ("2024-02", PUBLISHED_AT, date(2024, 3, 1))
    ]
    assert rows[0].figures["indicators"][DECISIONS] == {
        "value": 100,
        "numerator": 2,
        "denominator": 2,
    }
    session.commit()  # end the read (SQLite's writers begin immediately)
    caplog.set_level("INFO")
    publish_february(db_url, tmp_path)  # again: not published again, and it says so
    assert "already published" in caplog.text
    session.expire_all()
    assert len(session.exec(select(ScorecardPublication)).all()) == 1
    session.commit()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
        conn.execute(sa.text("UPDATE scorecard_publications SET figures = '{}'"))


def test_a_correction_after_publication_shows_the_figure_revised(
    session: Session, db_url: str, clock: Clock, tmp_path: Path
) -> None:
    load(session, clock)
    publish_february(db_url, tmp_path)
    c = card(session)
    assert c.published == {"2024-02": PUBLISHED_AT} and c.revisions == {}  # nothing changed yet
    correct_p1_late(session, clock)
    c = card(session)
    assert set(c.revisions) == {(DECISIONS, "2024-02")}  # the other figures are not marked
    revision = c.revisions[(DECISIONS, "2024-02")]
    assert (revision.published.value, revision.published.numerator) == (100, 2)
    assert (str(revision.current.value), revision.current.numerator) == ("50.0", 1)
    [why] = revision.corrections
    assert (why.case_ref, why.sequence, why.event_type, why.corrected_date) == (
        "P1",
        2,
        "decision_to_assess",
        date(2024, 2, 28),
    )
    assert (why.reason, why.voided_by) == ("Decision letter was dated 28 February", "manager.m")

    doc = json.loads(render(c, "json"))
    decisions = next(i for i in doc["indicators"] if i["id"] == DECISIONS)
    feb = decisions["months"][1]
    assert (feb["value"], feb["revised"], feb["revision"]["published"]["value"]) == (
        50.0,
        True,
        100,
    )
    assert feb["revision"]["corrections"][0]["case"] == "P1"
    jan = decisions["months"][0]
    assert "revised" not in jan  # January was never published
    plans = next(i for i in doc["indicators"] if i["id"] == "plans_within_20_weeks_incl_exceptions")
    assert plans["months"][1]["revised"] is False

    rows = list(csv.DictReader(io.StringIO(render(c, "csv").decode())))
    row = next(r for r in rows if (r["indicator"], r["month"]) == (DECISIONS, "2024-02"))
    assert (row["value"], row["published_value"], row["revised"]) == ("50.0", "100.0", "yes")
    assert (
        "P1 event 2 (decision_to_assess, 2024-02-12) corrected to 2024-02-28" in row["corrections"]
    )
    other = next(
        r for r in rows if (r["indicator"], r["month"]) == ("amended_plans_on_time", "2024-02")
    )
    assert (other["revised"], other["corrections"]) == ("no", "")
    assert list(rows[0])[-len(CSV_PUBLISHED_COLUMNS) :] == list(CSV_PUBLISHED_COLUMNS)

    xlsx = render(c, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    sheet = book["Revised figures"]
    revised = [c.value for c in sheet[5]]
    assert revised[1:3] == ["2024-02", 100] and revised[4] == 50
    assert "Decision letter was dated 28 February" in str(revised[7])
    assert [c.value for c in book["Decisions in 6 weeks"][7]][6:] == [100, 2, 2, "Yes"]

    html = render(c, "html").decode()
    assert "Revised" in html and "published 100.0%" in html

    for fmt in ("json", "csv", "html"):
        text = render(c, fmt).decode()
        for needle in ("Amelia", "Quartermaine", "2015-03-14", "14/03/2015"):
            assert needle not in text, (fmt, needle)
    assert b"Quartermaine" not in xlsx


def test_a_filtered_scorecard_is_not_compared(
    session: Session, db_url: str, clock: Clock, tmp_path: Path
) -> None:
    load(session, clock)
    publish_february(db_url, tmp_path)
    correct_p1_late(session, clock)
    c = compute_scorecard(session, first=FEB, last=FEB, settings=Settings(), team="North")
    attach_revisions(session, c)
    assert (c.published, c.revisions) == ({}, {})


def test_a_correction_before_publication_is_not_a_revision(
    session: Session, db_url: str, clock: Clock, tmp_path: Path
) -> None:
    load(session, clock)
    correct_p1_late(session, clock)  # recorded 2026 here, so publish later than it
    config = configured(database_url=db_url, exports_dir=tmp_path / "exports")
    monthly_export(
        config=config, as_of=date(2024, 3, 1), clock=lambda: datetime(2027, 1, 1, tzinfo=UTC)
    )
    assert card(session).revisions == {}


@pytest.mark.parametrize(
    ("recorded", "before", "why"),
    [
        (2, 2, "The deadline rules changed after publication (from v2 to v3)."),
        (None, 0, "or a change to the deadline rules since, changed it."),
    ],
)
def test_a_figure_published_under_other_rules_says_so(
    session: Session, clock: Clock, recorded: int | None, before: int, why: str
) -> None:
    """A publication made under spec v2's rules (or before publications recorded the
    rules) and revised by v3's recomputation is explained by the rules, not left bare."""
    from scheduler.scorecard.publications import figures_of

    load(session, clock)
    now = compute_scorecard(session, first=Month(2024, 1), last=FEB, settings=Settings())
    figures = figures_of(now, FEB)
    assert figures["rules_version"] == 3  # what a publication records today
    figures["indicators"][DECISIONS] = {"value": 50, "numerator": 1, "denominator": 2}
    if recorded is None:
        del figures["rules_version"]
    else:
        figures["rules_version"] = recorded
    session.add(
        ScorecardPublication(
            month="2024-02", published_at=PUBLISHED_AT, published_by="kpi job",
            as_of=date(2024, 3, 1), figures=figures,
        )
    )  # fmt: skip
    session.commit()
    revision = card(session).revisions[(DECISIONS, "2024-02")]
    assert (revision.rules_before, revision.corrections) == (before, ())
    assert revision.explanation().endswith(why)
    assert revision.to_json()["rules_changed"] is True
