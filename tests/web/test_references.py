"""Case references with slashes (EHC/2026/0153) and other characters in the web app.

Councils' reference numbers often have slashes. New cases follow one syntax
(`workflow.case_writes.check_reference`, docs/api.md), checked the same way by the
forms, the API, the CLI and the import; cases opened before it (imported references
could hold anything but spaces) must stay reachable. Every page of a case, its
letters, the breach queue's links and the API must reach such a case.
"""

from __future__ import annotations

import json
import re

import pytest
from sqlmodel import Session, select

from letters import service as letter_service
from tests.web.conftest import Browser, People
from tests.web.test_cases import Clock, Make, date_parts, requested_case
from tests.workflow.factories import import_all
from web.templating import case_path
from workflow.errors import InvalidInput
from workflow.models import Case

VERSION = re.compile(r'name="version" value="(\d+)"')
# The request was made on 1 October 2026; the decision was due on 12 November (6 weeks),
# so on the test clock's day, 20 November, it is overdue: the breach queue lists it.
REFERENCES = ("EHC/2026/0153", "EHC#12?x%y")
LEGACY = "EHC#12?x%y"  # opened before the one syntax: the case row is written directly


def a_case(session: Session, clock: Clock, ref: str) -> str:
    if ref == LEGACY:
        now = clock()
        session.add(Case(reference=ref, state="new", version=0, created_at=now, updated_at=now))
        session.commit()
    return requested_case(session, clock, ref=ref)


def _version(html: str) -> str:
    found = VERSION.search(html)
    assert found
    return found.group(1)


@pytest.mark.parametrize("ref", REFERENCES)
def test_every_page_of_a_case_reaches_it_whatever_its_reference(
    browser: Make, people: People, session: Session, clock: Clock, ref: str
) -> None:
    a_case(session, clock, ref)
    path = case_path(ref)
    officer = browser(people.officer)
    assert f'href="{path}"' in officer.page("/")
    case_page = officer.page(path)
    assert f'<h1 class="govuk-heading-l">{ref.replace("&", "&amp;")}</h1>' in case_page
    letter = letter_service.list_letters(session=session, case_ref=ref)[0]
    assert f'href="{path}/letters/{letter.id}.html"' in case_page
    assert officer.get(f"{path}/letters/{letter.id}.html").status_code == 200
    assert officer.page(f"{path}/details")
    form = officer.page(f"{path}/events/new?type=decision_to_assess")
    recorded = officer.submit(
        f"{path}/events",
        {"type": "decision_to_assess", "version": _version(form), **date_parts("2", "11", "2026")},
        follow_redirects=False,
    )
    assert recorded.status_code == 303, recorded.text[:800]
    assert recorded.headers["location"] == f"{path}?recorded=2"
    assert "Decision to assess recorded on 2 November 2026" in officer.page(
        recorded.headers["location"]
    )
    manager = browser(people.manager)
    moved = manager.submit(
        f"{path}/reassign",
        {"team": "South", "officer": "", "version": _version(manager.page(path))},
        follow_redirects=False,
    )
    assert moved.status_code == 303 and moved.headers["location"] == f"{path}?reassigned=1"
    assert manager.get(path).status_code == 200


def test_the_breach_queue_links_to_a_case_with_slashes(
    browser: Make, people: People, session: Session, clock: Clock
) -> None:
    requested_case(session, clock, ref="EHC/2026/0153")
    queue = browser(people.manager).page("/breaches")
    assert 'href="/cases/EHC/2026/0153">EHC/2026/0153</a>' in queue


@pytest.mark.parametrize("ref", REFERENCES)
def test_the_api_reaches_a_case_whatever_its_reference(
    browser: Make, people: People, session: Session, clock: Clock, ref: str
) -> None:
    a_case(session, clock, ref)
    api: Browser = browser(people.officer)
    path = "/api" + case_path(ref)
    for suffix in ("", "/deadlines", "/events"):
        answer = api.get(path + suffix)
        assert answer.status_code == 200, (suffix, answer.text[:300])
        body = answer.json()
        assert (body["case"]["reference"] if suffix == "" else body["case"]) == ref


def test_a_new_case_may_have_slashes_between_the_parts_of_its_reference(
    browser: Make, people: People
) -> None:
    client = browser(people.officer)
    client.page("/cases/new")
    opening = {"source": "parent", **date_parts("12", "11", "2026")}
    for bad in ("/EHC", "EHC//1", "EHC/", "EHC/ 1"):
        refused = client.submit("/cases/new", {"reference": bad, **opening})
        assert refused.status_code == 400, bad
        assert "slashes between parts, like EHC/2026/0153" in refused.text
    # A case's own pages end with these: a reference cannot.
    for ending in ("details", "reassign", "events"):
        refused = client.submit("/cases/new", {"reference": f"EHC/{ending}", **opening})
        assert refused.status_code == 400
        assert f"Case reference cannot end with /{ending}" in refused.text
    opened = client.submit(
        "/cases/new", {"reference": "EHC/2026/0200", **opening}, follow_redirects=False
    )
    assert opened.status_code == 303, opened.text[:800]
    assert opened.headers["location"] == "/cases/EHC/2026/0200?recorded=1"
    assert "EHC/2026/0200" in client.page(opened.headers["location"])


@pytest.mark.parametrize(
    "ref, why",
    [
        ("EHC#12?x%y", "('#', U+0023, is not one of them)"),
        ("EH\u0421/2026", "U+0421"),  # a Cyrillic Es, like C
        ("EHC/2026/events", "cannot end with /events"),
    ],
)
def test_a_new_case_reference_is_checked_the_same_way_by_the_api_and_the_import(
    browser: Make, people: People, session: Session, clock: Clock, ref: str, why: str
) -> None:
    """The API and the import opened cases the forms refused."""
    api: Browser = browser(people.officer)
    body = {"type": "request_received", "date": "2026-11-02", "source": "school"}
    api.page("/cases/new")
    answer = api.post(
        "/api" + case_path(ref) + "/events", json=body, headers={"X-CSRF-Token": api.csrf}
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == "reference"
    assert why in answer.json()["detail"]
    line = json.dumps({"case": ref, **body})
    with pytest.raises(InvalidInput, match=f"Line 1: Case reference.*{re.escape(why)}"):
        import_all(session=session, lines=[line], clock=clock)
    assert session.exec(select(Case)).first() is None
    session.commit()
