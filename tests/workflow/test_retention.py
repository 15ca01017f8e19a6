"""Retention and erasure (issue 23 item 6), on SQLite and PostgreSQL: which closed cases
are due under the policy; erasing one removes its personal data from every table but
keeps what the scorecard is computed from, so a published scorecard is unchanged; the
append-only triggers still refuse every other change; erasure is audited."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session, select

from letters import service as letter_service
from scheduler.scorecard.compute import compute_scorecard
from scheduler.scorecard.months import Month
from scheduler.scorecard.publications import attach_revisions, publish
from scheduler.subject_access import subject_access
from tests.wiring import projections
from tests.workflow.factories import ev, record_all
from workflow import service
from workflow.account_models import AuditEntry
from workflow.db import new_session
from workflow.errors import InvalidInput
from workflow.law.deadlines import Settings
from workflow.models import Case, CasePeople, EventVoid, StoredEvent
from workflow.retention import (
    AUDIT_ACTION,
    ERASED_REASON,
    RetentionPolicy,
    add_years,
    cases_due,
    erase_case,
)

Clock = Callable[[], datetime]
AS_OF = date(2026, 11, 20)
CHILD, PARENT, ADDRESS = "Amelia Quartermaine", "Jo Quartermaine", "12 Example Road"
NOTE = "Mum says Amelia is struggling at Oakfield"
EVIDENCE = "GP letter about Amelia's illness"
VOID_REASON = "Recorded on Amelia's brother's case by mistake"
DETAILS = {
    "child_name": CHILD,
    "date_of_birth": "2012-03-14",
    "setting": "Oakfield Primary School",
    "parent_name": PARENT,
    "parent_address": f"{ADDRESS}, Exampletown, EX1 2AB",
    "parent_email": "jo.quartermaine@example.com",
}
# The cases that stay (open, or not yet due) are another family's.
KEPT_DETAILS = {**DETAILS, "child_name": "Kit Keeper", "parent_name": "Lou Keeper",
                "date_of_birth": "2011-05-02", "parent_address": "3 Other Street, Elsewhere",
                "parent_email": "lou.keeper@example.com"}  # fmt: skip
KEPT_NOTE = "Kit's school has asked for a meeting"
SECRETS = (CHILD, PARENT, ADDRESS, NOTE, EVIDENCE, VOID_REASON, "Quartermaine", "2012-03-14",
           "14 March 2012")  # fmt: skip
POLICY = RetentionPolicy(years_after_25th_birthday=None, years_after_closed=6)
JAN, FEB, JUN = Month(2017, 1), Month(2017, 2), Month(2017, 6)

COHORT: dict[str, list[dict[str, Any]]] = {
    # Not assessed on 13 February 2017, after an exception: closed, due 13 February 2023.
    "R1": [
        ev("request_received", "2017-01-09", source="parent", note=NOTE),
        ev(
            "exception_recorded",
            "2017-01-20",
            reason="personal_circumstances",
            applies_to="decision_to_assess",
            evidence=EVIDENCE,
        ),
        ev("decision_not_to_assess", "2017-02-13"),
    ],  # fmt: skip
    # Withdrawn on 1 March 2017: due 1 March 2023.
    "R2": [
        ev("request_received", "2017-01-16", source="school"),
        ev("decision_to_assess", "2017-02-20", note=NOTE),
        ev("request_withdrawn", "2017-03-01"),
    ],
    # Still being assessed: never due.
    "OPEN": [
        ev("request_received", "2017-01-23", source="parent", note=KEPT_NOTE),
        ev("decision_to_assess", "2017-02-27"),
    ],
    # Withdrawn on 1 June 2022: due 1 June 2028, not yet.
    "LATE": [
        ev("request_received", "2017-02-06", source="parent"),
        ev("request_withdrawn", "2022-06-01"),
    ],
}


def _load(session: Session, clock: Clock) -> None:
    for ref, events in COHORT.items():
        details = DETAILS if ref.startswith("R") else KEPT_DETAILS
        service.update_case(projections=projections(), session=session, case_ref=ref,
                            details=details, actor="t", clock=clock)  # fmt: skip
        record_all(session=session, case_ref=ref, events=events, clock=clock)
    # A voided event with a reason that names the child.
    record_all(session=session, case_ref="R2", clock=clock,
               events=[ev("mediation_requested", "2017-02-25")])  # fmt: skip
    service.void_event(session=session, case_ref="R2", sequence=4, reason=VOID_REASON,
                       actor="manager.m", clock=clock, projections=projections())  # fmt: skip


def _card(session: Session) -> dict[str, Any]:
    card = compute_scorecard(session, first=JAN, last=JUN, settings=Settings())
    attach_revisions(session, card)
    assert card.revisions == {}
    return card.to_json()


def _dump(engine: Engine) -> str:
    """Every row of every table, as text: what a copy of the database holds."""
    out = []
    with engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')):
                values = [bytes(v) if isinstance(v, memoryview) else v for v in row]
                out.append(f"{table}: {values}")
    return "\n".join(out)


def test_due_cases_by_the_policy(session: Session, clock: Clock) -> None:
    _load(session, clock)
    due = cases_due(session, POLICY, AS_OF)
    assert [(c.reference, c.due_since) for c in due] == [
        ("R1", date(2023, 2, 13)),
        ("R2", date(2023, 3, 1)),
    ]
    assert due[0].why == "6 years after it closed on 2017-02-13"
    assert cases_due(session, POLICY, date(2023, 2, 12)) == []
    # Both rules: the later wins. R1's and R2's child is 25 on 14 March 2037, LATE's on
    # 2 May 2036 (after LATE's 6 years from its close on 1 June 2022).
    both = RetentionPolicy(years_after_25th_birthday=0, years_after_closed=6)
    assert cases_due(session, both, AS_OF) == []
    assert [c.reference for c in cases_due(session, both, date(2036, 5, 2))] == ["LATE"]
    found = cases_due(session, both, date(2037, 3, 14))
    assert [(c.reference, c.due_since) for c in found] == [
        ("LATE", date(2036, 5, 2)), ("R1", date(2037, 3, 14)), ("R2", date(2037, 3, 14))
    ]  # fmt: skip
    assert found[1].why == "0 years after the 25th birthday"
    # The birthday rule alone: a case without a date of birth is never due by it.
    birthday_only = RetentionPolicy(years_after_25th_birthday=0)
    assert [c.reference for c in cases_due(session, birthday_only, date(2037, 3, 14))] == [
        "LATE", "R1", "R2"
    ]  # fmt: skip
    case = session.exec(select(Case).where(Case.reference == "R1")).one()
    case.date_of_birth = None
    session.add(case)
    session.commit()
    assert [c.reference for c in cases_due(session, birthday_only, date(2099, 1, 1))] == [
        "LATE", "R2"
    ]  # fmt: skip
    assert cases_due(session, RetentionPolicy(), date(2099, 1, 1)) == []


@pytest.mark.parametrize("born, years, due", [
    ("2008-02-29", 25, "2033-03-01"),  # a leap day: the age is reached on 1 March
    ("2008-02-29", 28, "2036-02-29"),  # a leap year again
    ("2010-03-14", 31, "2041-03-14"),
])  # fmt: skip
def test_adding_years(born: str, years: int, due: str) -> None:
    assert add_years(date.fromisoformat(born), years) == date.fromisoformat(due)


def test_erasure_keeps_the_scorecard_and_removes_the_personal_data(
    engine: Engine, session: Session, clock: Clock
) -> None:
    _load(session, clock)
    letters_before = {
        ref: len(letter_service.list_letters(session=session, case_ref=ref)) for ref in COHORT
    }
    assert letters_before["R1"] > 0
    published = publish(session, compute_scorecard(session, first=JAN, last=JUN,
                        settings=Settings()), month=FEB, as_of=AS_OF, at=clock(),
                        by="scheduler")  # fmt: skip
    assert published is not None
    session.commit()
    before = _card(session)
    # The cohort counts: the published month's decisions are the erased cases' too.
    decisions = next(i for i in before["indicators"] if i["id"] == "decisions_within_6_weeks")
    february = next(m for m in decisions["months"] if m["month"] == "2017-02")
    assert february["denominator"] == 3 and "published_at" in february
    assert any(b["cases"] for m in before["open_assessment_age_bands"] for b in m["bands"])

    for ref in ("R1", "R2"):
        with new_session(engine) as s:
            done = erase_case(session=s, case_ref=ref, policy=POLICY, as_of=AS_OF,
                              actor="dpo@council.example", clock=clock)  # fmt: skip
        assert done.reference == ref and done.letters_cleared == letters_before[ref]

    with new_session(engine) as s:
        assert _card(s) == before  # every figure, and no revision of the published month
        # What was kept: the events' types, dates and chosen details, and the letters made.
        kept = s.exec(select(StoredEvent).order_by(StoredEvent.id)).all()
        assert len(kept) == 11
        exception = next(e for e in kept if e.type == "exception_recorded")
        assert exception.fields == {"reason": "personal_circumstances",
                                    "applies_to": "decision_to_assess"}  # fmt: skip
        assert [len(letter_service.list_letters(session=s, case_ref=r)) for r in COHORT] == list(
            letters_before.values()
        )
        erased = s.exec(select(Case).where(Case.erased_at.is_not(None))).all()  # type: ignore[union-attr]
        assert sorted(c.reference for c in erased) == ["R1", "R2"]
        assert all(c.date_of_birth is None for c in erased)
        assert s.exec(select(EventVoid)).one().reason == ERASED_REASON
        people = s.exec(select(CasePeople)).all()
        assert len(people) == 2  # OPEN's and LATE's
        audit = s.exec(select(AuditEntry).where(AuditEntry.action == AUDIT_ACTION)).all()
        assert [(a.actor, a.subject) for a in audit] == [
            ("dpo@council.example", "R1"), ("dpo@council.example", "R2")
        ]  # fmt: skip
        assert audit[0].detail["rule"] == "6 years after it closed on 2017-02-13"

    # Nothing of the erased cases' people is left in any table; the other family's is.
    dump = _dump(engine)
    assert "Kit Keeper" in dump and KEPT_NOTE in dump and "2011-05-02" in dump
    for secret in SECRETS:
        assert secret not in dump, secret


def test_normal_writes_are_still_refused_and_erasure_cannot_change_the_facts(
    engine: Engine, session: Session, clock: Clock
) -> None:
    _load(session, clock)
    statements = (
        "UPDATE events SET note = NULL",
        "UPDATE events SET date = '2017-01-01'",
        "UPDATE event_voids SET reason = 'x'",
        "UPDATE letters SET html = NULL, text = NULL, pdf = NULL",
    )
    for statement in statements:
        with new_session(engine) as s, pytest.raises(sa.exc.DatabaseError):
            s.execute(sa.text(statement))
            s.commit()
    # Inside an erasure of R1, only R1's clearings pass; its facts still cannot change.
    r1 = session.exec(select(Case).where(Case.reference == "R1")).one().id
    ready = [x for x in letter_service.list_letters(session=session, case_ref="R1")
             if x.status == "ready"]  # fmt: skip
    assert ready  # letters that cannot change, but for an erasure's clearing
    session.commit()
    for statement, allowed in (
        ("UPDATE events SET note = NULL WHERE case_id = :c", True),
        ("UPDATE events SET note = NULL WHERE case_id <> :c", False),
        ("UPDATE events SET date = '2017-01-01' WHERE case_id = :c", False),
        ("UPDATE events SET note = 'new words' WHERE case_id = :c", False),
        ("UPDATE letters SET html = NULL, text = NULL, pdf = NULL WHERE case_id = :c", True),
        ("UPDATE letters SET type = 'x', html = NULL, text = NULL, pdf = NULL "
         "WHERE case_id = :c", False),
        ("DELETE FROM events WHERE case_id = :c", False),
        ("DELETE FROM letters WHERE case_id = :c", False),
    ):  # fmt: skip
        with new_session(engine) as s:
            s.execute(sa.text("INSERT INTO erasures_in_progress (case_id) VALUES (:c)"), {"c": r1})
            try:
                s.execute(sa.text(statement), {"c": r1})
                passed = True
            except sa.exc.DatabaseError:
                passed = False
            s.rollback()
        assert passed == allowed, statement


def test_a_case_not_due_is_refused(session: Session, clock: Clock) -> None:
    _load(session, clock)
    for ref, words in (
        ("OPEN", "Case OPEN is not due for erasure (retention: 6 years after the case closed"),
        ("LATE", "Case LATE is not due for erasure until 2028-06-01"),
    ):
        with pytest.raises(InvalidInput) as refused:
            erase_case(session=session, case_ref=ref, policy=POLICY, as_of=AS_OF, actor="d",
                       clock=clock)  # fmt: skip
        session.rollback()
        assert words in str(refused.value)
    erase_case(session=session, case_ref="R1", policy=POLICY, as_of=AS_OF, actor="d", clock=clock)
    with pytest.raises(InvalidInput, match="was erased on 2026-11-20"):
        erase_case(session=session, case_ref="R1", policy=POLICY, as_of=AS_OF, actor="d",
                   clock=clock)  # fmt: skip
    session.rollback()
    assert [c.reference for c in cases_due(session, POLICY, AS_OF)] == ["R2"]


def test_a_subject_access_request_after_erasure_says_so(session: Session, clock: Clock) -> None:
    _load(session, clock)
    erase_case(session=session, case_ref="R1", policy=POLICY, as_of=AS_OF, actor="d", clock=clock)
    made = subject_access(session=session, case_ref="R1", as_of=AS_OF, actor="dpo", clock=clock)
    with zipfile.ZipFile(io.BytesIO(made.data)) as archive:
        files = {n.split("/", 1)[1]: archive.read(n) for n in archive.namelist()}
    case = json.loads(files["case.json"])
    assert case["erased"] == "2026-11-20T12:00:00+00:00" and case["people"] == {}
    assert not [n for n in files if n.endswith(".pdf")]
    index = files["index.html"].decode()
    assert "was erased on 2026-11-20" in index
    assert all(secret not in index for secret in SECRETS)
