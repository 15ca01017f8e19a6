"""Officers saving one case at the same moment through the web forms (an event, the
child's details, a move).

Exactly one save wins per version; every other answers the 409 page at once, never a 500
or a "database is locked". All requests go through one client, so they share one event
loop, as they do in a served worker: a handler that blocks the loop (or holds a write
lock while drawing its page) makes the others wait on it.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait

from sqlmodel import Session, select

from tests.web.conftest import Browser, People
from tests.web.test_cases import Make, date_parts, form_page
from workflow.models import Case, StoredEvent

OFFICERS = 12
SLOWEST_SECONDS = 5.0  # each answer; the API answers the same race in about 0.1 s


def race(client: Browser, path: str, form: dict[str, str]) -> list[tuple[int, float, str]]:
    """`OFFICERS` posts of one form at once; each answer's status, seconds and page."""
    start = threading.Barrier(OFFICERS)

    def save(_: int) -> tuple[int, float, str]:
        start.wait()
        began = time.monotonic()
        response = client.submit(path, form, follow_redirects=False)
        return response.status_code, time.monotonic() - began, response.text

    pool = ThreadPoolExecutor(OFFICERS)
    futures = [pool.submit(save, i) for i in range(OFFICERS)]
    _, waiting = wait(futures, timeout=60)
    pool.shutdown(wait=False, cancel_futures=True)
    assert not waiting, f"{len(waiting)} of {OFFICERS} saves had no answer after 60 s"
    return [f.result() for f in futures]


def assert_one_wins(answers: list[tuple[int, float, str]]) -> None:
    codes = sorted(code for code, _, _ in answers)
    assert codes == [303] + [409] * (OFFICERS - 1), codes
    slowest = max(seconds for _, seconds, _ in answers)
    assert slowest < SLOWEST_SECONDS, f"the slowest answer took {slowest:.1f} s"
    for code, _, text in answers:
        if code == 409:
            assert "database is locked" not in text


def version_of(session: Session, ref: str) -> tuple[int, int]:
    case = session.exec(select(Case).where(Case.reference == ref)).one()
    session.refresh(case)
    assert case.id is not None
    found = (case.id, case.version)
    session.commit()
    return found


def test_concurrent_saves_of_one_version_give_one_303_and_409s_without_locking(
    browser: Make, people: People, session: Session, open_case: str
) -> None:
    client: Browser = browser(people.officer)
    version = form_page(client, open_case, "advice_requested")
    case_id, before_version = version_of(session, open_case)
    answers = race(
        client,
        f"/cases/{open_case}/events",
        {
            "type": "advice_requested",
            "version": version,
            "advice": "health",
            **date_parts("6", "10", "2026"),
        },
    )
    assert_one_wins(answers)
    for code, _, text in answers:
        if code == 409:
            assert "Someone else changed this case" in text
    rows = session.exec(select(StoredEvent).where(StoredEvent.case_id == case_id)).all()
    assert [r.type for r in rows].count("advice_requested") == 1
    assert version_of(session, open_case)[1] == before_version + 1


def test_concurrent_saves_of_the_details_give_one_303_and_409s_without_locking(
    browser: Make, people: People, session: Session, open_case: str
) -> None:
    client: Browser = browser(people.officer)
    client.page(f"/cases/{open_case}/details")  # as an officer would: the form first
    _, version = version_of(session, open_case)
    form = {"version": str(version), "child_name": "Sam Example", "setting": "Oak School"}
    assert_one_wins(race(client, f"/cases/{open_case}/details", form))
    assert version_of(session, open_case)[1] == version + 1


def test_concurrent_moves_give_one_303_and_409s_without_locking(
    browser: Make, people: People, session: Session, open_case: str
) -> None:
    client: Browser = browser(people.manager)
    client.page(f"/cases/{open_case}")  # the move form is on the case page
    _, version = version_of(session, open_case)
    form = {"version": str(version), "team": "South", "officer": ""}
    assert_one_wins(race(client, f"/cases/{open_case}/reassign", form))
    assert version_of(session, open_case)[1] == version + 1
