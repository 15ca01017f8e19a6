"""Officers saving the same event on one case at the same moment through the web form.

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


def test_concurrent_saves_of_one_version_give_one_303_and_409s_without_locking(
    browser: Make, people: People, session: Session, open_case: str
) -> None:
    client: Browser = browser(people.officer)
    version = form_page(client, open_case, "advice_requested")
    before = session.exec(select(Case).where(Case.reference == open_case)).one()
    case_id, before_version = before.id, before.version
    session.commit()
    start = threading.Barrier(OFFICERS)

    def save(_: int) -> tuple[int, float, str]:
        start.wait()
        began = time.monotonic()
        response = client.submit(
            f"/cases/{open_case}/events",
            {
                "type": "advice_requested",
                "version": version,
                "advice": "health",
                **date_parts("6", "10", "2026"),
            },
            follow_redirects=False,
        )
        return response.status_code, time.monotonic() - began, response.text

    pool = ThreadPoolExecutor(OFFICERS)
    futures = [pool.submit(save, i) for i in range(OFFICERS)]
    _, waiting = wait(futures, timeout=60)
    pool.shutdown(wait=False, cancel_futures=True)
    assert not waiting, f"{len(waiting)} of {OFFICERS} saves had no answer after 60 s"
    answers = [f.result() for f in futures]

    codes = sorted(code for code, _, _ in answers)
    assert codes == [303] + [409] * (OFFICERS - 1), codes
    slowest = max(seconds for _, seconds, _ in answers)
    assert slowest < SLOWEST_SECONDS, f"the slowest answer took {slowest:.1f} s"
    for code, _, text in answers:
        if code == 409:
            assert "Someone else changed this case" in text
            assert "database is locked" not in text
    rows = session.exec(select(StoredEvent).where(StoredEvent.case_id == case_id)).all()
    after = session.exec(select(Case).where(Case.id == case_id)).one()
    session.refresh(after)
    assert [r.type for r in rows].count("advice_requested") == 1
    assert after.version == before_version + 1
