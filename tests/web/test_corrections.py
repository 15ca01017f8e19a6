"""Correcting and voiding an event in the browser (issue 18), on SQLite and PostgreSQL.

The known case (tests.web.test_cases.requested_case): a request received on Thu
1 October 2026, so the decision whether to assess is due Thu 12 November (reg 5(1), 6
weeks). The officer records the decision to assess as Fri 20 November (8 days late: a
breach) when it was made on Tue 10 November (on time): the correction's check page shows
the date before and after and the decision met on time instead, and saving it makes the
case what that history makes it. Nothing is saved at a check step.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session

from letters import service as letter_service
from tests.web.conftest import Browser, People
from tests.web.test_cases import Clock, Make, date_parts, requested_case, version_of
from tests.web.test_event_check import hidden_fields
from tests.wiring import projections
from workflow import service

TABLES = ("events", "event_voids", "deadlines", "letters", "letter_withdrawals", "audit_log")


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t: int(conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in TABLES
        }


def decided_late(session: Session, clock: Clock, ref: str = "WEB002") -> str:
    """The known case with its decision to assess recorded on the wrong day (event 2)."""
    requested_case(session, clock, ref)
    service.record_event(
        projections=projections(),
        session=session,
        case_ref=ref,
        event={"type": "decision_to_assess", "date": "2026-11-20"},
        actor="test",
        clock=clock,
    )
    return ref


def corrected(version: str, day: str = "10", **extra: str) -> dict[str, str]:
    return {
        "version": version,
        **date_parts(day, "11", "2026"),
        "note": "",
        "reason": "Typed 20 for 10",
        **extra,
    }


def correction_form(client: Browser, ref: str, sequence: int = 2) -> dict[str, str]:
    page = client.page(f"/cases/{ref}/events/{sequence}/correct")
    found = re.search(r'name="version" value="(\d+)"', page)
    assert found
    return {"version": found.group(1)}


# -- the case page -------------------------------------------------------------------


def test_each_event_has_correct_and_void_actions_naming_it(
    browser: Make, people: People, session: Session, clock: Clock
) -> None:
    ref = decided_late(session, clock)
    page = browser(people.officer).page(f"/cases/{ref}")
    assert (
        f'<a class="govuk-link" href="/cases/{ref}/events/2/correct">Correct'
        '<span class="govuk-visually-hidden"> decision to assess on 20 November 2026</span></a>'
    ) in page
    assert (
        f'<a class="govuk-link" href="/cases/{ref}/events/1/void">Void<span '
        'class="govuk-visually-hidden"> request for an assessment received on 1 October 2026'
    ) in page
    assert 'id="corrections"' not in page  # nothing corrected yet
    manager = browser(people.manager).page(f"/cases/{ref}")
    assert f"/cases/{ref}/events/2/correct" in manager


@pytest.mark.parametrize("step", ["correct", "void"])
def test_only_users_who_record_events_on_the_case_can_correct_it(
    browser: Make, people: People, session: Session, engine: Engine, clock: Clock, step: str
) -> None:
    ref = decided_late(session, clock)
    for email, status, home in (
        (people.other_officer, 404, "/"),  # another team's case: as if it did not exist
        (people.viewer, 403, "/scorecard"),
        (people.admin, 403, "/users"),
    ):
        client = browser(email)
        assert client.get(f"/cases/{ref}/events/2/{step}").status_code == status, email
        client.page(home)  # a page of theirs with a form: a valid CSRF token
        before = counts(engine)
        response = client.submit(f"/cases/{ref}/events/2/{step}", corrected("2"))
        assert response.status_code == status, email
        assert counts(engine) == before
    assert browser(people.officer).get(f"/cases/{ref}/events/9/{step}").status_code == 404


def test_every_correction_form_needs_its_csrf_token(
    browser: Make, people: People, session: Session, engine: Engine, clock: Clock
) -> None:
    ref = decided_late(session, clock)
    client = browser(people.officer)
    before = counts(engine)
    for path in ("correct/check", "correct/change", "correct", "void/check", "void/change", "void"):
        response = client.post(f"/cases/{ref}/events/2/{path}", data=corrected("2"))
        assert response.status_code == 403, path
    assert counts(engine) == before


# -- correcting ----------------------------------------------------------------------


def test_the_form_is_filled_in_with_what_was_recorded(
    browser: Make, people: People, session: Session, clock: Clock
) -> None:
    ref = decided_late(session, clock)
    page = browser(people.officer).page(f"/cases/{ref}/events/2/correct")
    assert "Correct the event: decision to assess" in page
    assert 'name="date-day" type="text" inputmode="numeric" value="20"' in page
    assert 'name="date-month" type="text" inputmode="numeric" value="11"' in page
    assert '<label class="govuk-label" for="reason">Reason for the correction</label>' in page
    assert f'action="/cases/{ref}/events/2/correct/check"' in page


def test_the_check_page_shows_before_and_after_and_saves_nothing(
    browser: Make, people: People, session: Session, engine: Engine, clock: Clock
) -> None:
    ref = decided_late(session, clock)
    client = browser(people.officer)
    form = correction_form(client, ref)
    before = counts(engine)

    response = client.submit(f"/cases/{ref}/events/2/correct/check", corrected(form["version"]))

    assert response.status_code == 200, response.text[:800]
    page = response.text
    assert counts(engine) == before  # nothing saved at the check step
    assert "Check your correction before saving it" in page
    row = re.search(r"Date the event happened</th>(.*?)</tr>", page, re.S)
    assert row, page
    assert "<del>20 November 2026</del>" in row.group(1)
    assert "<strong>10 November 2026</strong>" in row.group(1) and "Changed" in row.group(1)
    assert re.search(r"Note</th>\s*<td[^>]*>Not given</td>\s*<td[^>]*>Not given</td>", page)
    assert "Typed 20 for 10" in page
    # What it does: the decision, met 8 days late, is now met on time.
    assert "Decision to assess, due 12 November 2026: met on time" in page
    assert "The case stays assessing." in page
    # Its letters: the decision letter is withdrawn and the corrected event makes its own.
    assert "“We will carry out an EHC needs assessment” to the parent" in page
    assert "The corrected event will make:" in page
    # The save posts the same answers, the reason too; each Change goes back to the form.
    assert f'<form method="post" action="/cases/{ref}/events/2/correct" novalidate>' in page
    hidden = hidden_fields(page)
    assert (hidden["date-day"], hidden["reason"], hidden["version"]) == (
        "10",
        "Typed 20 for 10",
        "3",
    )
    assert f'formaction="/cases/{ref}/events/2/correct/change#date-day"' in page
    assert f'formaction="/cases/{ref}/events/2/correct/change#reason"' in page

    back = client.submit(f"/cases/{ref}/events/2/correct/change", hidden)
    assert back.status_code == 200
    assert 'name="date-day" type="text" inputmode="numeric" value="10"' in back.text
    assert "Typed 20 for 10</textarea>" in back.text
    assert counts(engine) == before


def test_saving_the_correction_makes_the_case_what_the_corrected_history_makes(
    browser: Make, people: People, session: Session, clock: Clock
) -> None:
    ref = decided_late(session, clock)
    client = browser(people.officer)
    client.page(f"/cases/{ref}")
    check = client.submit(f"/cases/{ref}/events/2/correct/check", corrected("3"))
    saved = client.submit(
        f"/cases/{ref}/events/2/correct", hidden_fields(check.text), follow_redirects=False
    )
    assert saved.status_code == 303, saved.text[:800]
    assert saved.headers["location"] == f"/cases/{ref}?corrected=3"

    page = client.page(saved.headers["location"])
    assert "Decision to assess corrected: it now happened on 10 November 2026" in page
    corrections = page.split('id="corrections"', 1)[1]
    assert "Decision to assess, 20 November 2026: corrected" in corrections
    assert "Corrected to 10 November 2026." in corrections
    assert "Reason: Typed 20 for 10" in corrections
    assert "Corrected by officer@council.example on 20 November 2026" in corrections
    timeline = page.split('id="timeline"', 1)[1].split('id="corrections"', 1)[0]
    assert "10 November 2026" in timeline and "20 November 2026</p>" not in timeline
    assert f"/cases/{ref}/events/3/correct" in timeline  # the corrected event, now event 3
    again = client.submit(f"/cases/{ref}/events/2/correct", hidden_fields(check.text))
    assert again.status_code == 409  # Save clicked twice: the event is already corrected
    assert "this event was already corrected by officer@council.example" in again.text

    view = service.get_case(session=session, case_ref=ref, as_of=clock().date())
    decision = next(d for d in view.evaluation.deadlines if d.kind == "decision_to_assess")
    assert (str(decision.met_on), decision.days_late) == ("2026-11-10", None)
    (c,) = view.corrections
    assert (c.sequence, c.replaced_by, c.voided_by) == (2, 3, people.officer)
    # The withdrawn letter is shown as withdrawn, and the corrected event's letter is ready.
    letters = page.split('id="letters"', 1)[1].split("</table>", 1)[0]
    assert letters.count("Withdrawn on 20 November 2026") == 1
    assert letters.count("We will carry out an EHC needs assessment") == 2


def test_a_correction_the_law_refuses_names_the_events_that_depend_on_it(
    browser: Make, people: People, session: Session, engine: Engine, clock: Clock
) -> None:
    ref = decided_late(session, clock)
    service.record_event(
        projections=projections(),
        session=session,
        case_ref=ref,
        event={"type": "advice_requested", "date": "2026-11-20", "advice": "health"},
        actor="test",
        clock=clock,
    )
    client = browser(people.officer)
    client.page(f"/cases/{ref}")
    before = counts(engine)
    for path in ("void/check", "void"):
        response = client.submit(f"/cases/{ref}/events/2/{path}", corrected("4"))
        assert response.status_code == 400, path
        assert "cannot be voided, because these recorded events could then not happen" in (
            response.text
        )
        assert "event 3 (“Advice requested”" in response.text
    assert counts(engine) == before


def test_a_correction_that_changes_nothing_or_lacks_a_reason_is_refused_on_the_form(
    browser: Make, people: People, session: Session, engine: Engine, clock: Clock
) -> None:
    ref = decided_late(session, clock)
    client = browser(people.officer)
    client.page(f"/cases/{ref}")
    before = counts(engine)
    same = client.submit(f"/cases/{ref}/events/2/correct/check", corrected("3", day="20"))
    assert same.status_code == 400
    assert "the correction changes nothing" in same.text
    blank = client.submit(f"/cases/{ref}/events/2/correct/check", corrected("3", reason=" "))
    assert blank.status_code == 400
    assert '<a href="#reason">Enter the reason for the correction</a>' in blank.text
    future = client.submit(f"/cases/{ref}/events/2/correct", corrected("3", day="30"))
    assert future.status_code == 400
    assert counts(engine) == before


def test_a_stale_correction_is_refused_with_the_conflict_page(
    browser: Make, people: People, session: Session, engine: Engine, clock: Clock
) -> None:
    ref = decided_late(session, clock)
    client = browser(people.officer)
    client.page(f"/cases/{ref}")
    check = client.submit(f"/cases/{ref}/events/2/correct/check", corrected("3"))
    service.update_case(  # someone else changes the case meanwhile
        projections=projections(),
        session=session,
        case_ref=ref,
        details={"setting": "Elm School"},
        actor="other",
        clock=clock,
    )
    before = counts(engine)
    for path in ("correct/check", "correct"):
        response = client.submit(f"/cases/{ref}/events/2/{path}", hidden_fields(check.text))
        assert response.status_code == 409, path
        assert "was changed by someone else since you opened this form" in response.text
    response = client.submit(f"/cases/{ref}/events/2/void", corrected("3"))
    assert response.status_code == 409
    assert counts(engine) == before
    assert version_of(session, ref) == 4


# -- voiding ---------------------------------------------------------------------------


def test_voiding_an_event_checks_first_then_takes_it_out_of_the_timeline(
    browser: Make, people: People, session: Session, engine: Engine, clock: Clock
) -> None:
    ref = decided_late(session, clock)
    client = browser(people.manager)  # a manager, on any team's case
    page = client.page(f"/cases/{ref}/events/2/void")
    assert "Void the event: decision to assess" in page
    before = counts(engine)
    check = client.submit(
        f"/cases/{ref}/events/2/void/check", {"version": "3", "reason": "Wrong case"}
    )
    assert check.status_code == 200, check.text[:800]
    assert counts(engine) == before
    assert "Check before you void the event" in check.text
    assert "The case will move from assessing to <strong>requested</strong>" in check.text
    assert "“We will carry out an EHC needs assessment” to the parent" in check.text
    saved = client.submit(
        f"/cases/{ref}/events/2/void", hidden_fields(check.text), follow_redirects=False
    )
    assert saved.status_code == 303
    page = client.page(saved.headers["location"])
    assert "Decision to assess on 20 November 2026 voided" in page
    assert "Decision to assess, 20 November 2026: voided" in page
    assert "Voided by manager@council.example" in page
    assert f"/cases/{ref}/events/2/correct" not in page


# -- letters that may have gone out ---------------------------------------------------


def test_a_withdrawn_letter_that_was_downloaded_offers_the_correction_letter(
    browser: Make, people: People, session: Session, engine: Engine, clock: Clock
) -> None:
    ref = decided_late(session, clock)
    client = browser(people.officer)
    client.page(f"/cases/{ref}")
    decision = letter_service.list_letters(session=session, case_ref=ref)[1]
    assert decision.type == "decision_to_assess"
    response = client.get(f"/cases/{ref}/letters/{decision.id}.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert client.get(f"/cases/{ref}/letters/{decision.id}.html").status_code == 200
    assert letter_service.download_counts(session=session, letter_ids=[decision.id or 0]) == {
        decision.id: 2
    }

    check = client.submit(f"/cases/{ref}/events/2/correct/check", corrected("3"))
    assert "It was downloaded or printed 2 times: it may have reached them." in check.text
    client.submit(f"/cases/{ref}/events/2/correct", hidden_fields(check.text))

    page = client.page(f"/cases/{ref}")
    assert "may have reached the family." in page
    assert "(last by officer@council.example on 20 November 2026" in page
    assert f'action="/cases/{ref}/letters/{decision.id}/correction"' in page
    before = counts(engine)
    made = client.submit(f"/cases/{ref}/letters/{decision.id}/correction", {})
    assert made.status_code == 200  # followed to the case page
    assert counts(engine)["letters"] == before["letters"] + 1
    assert re.search(r"Correction letter \d+ made", made.text)
    assert "The correction letter to the family is made" in made.text
    again = client.submit(f"/cases/{ref}/letters/{decision.id}/correction", {})
    assert again.status_code == 400 and "already has its correction letter" in again.text

    letter = letter_service.correction_letters(session=session, case_ref=ref)[decision.id or 0]
    pdf = client.get(f"/cases/{ref}/letters/{letter.id}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_no_correction_letter_is_offered_for_a_letter_never_downloaded(
    browser: Make, people: People, session: Session, clock: Clock
) -> None:
    ref = decided_late(session, clock)
    client = browser(people.officer)
    client.page(f"/cases/{ref}")
    check = client.submit(f"/cases/{ref}/events/2/correct/check", corrected("3"))
    assert "may have reached them" not in check.text
    client.submit(f"/cases/{ref}/events/2/correct", hidden_fields(check.text))
    page = client.page(f"/cases/{ref}")
    assert "Withdrawn on 20 November 2026" in page
    assert "may have reached the family" not in page and "/correction" not in page
