"""A manager's morning (issue 19): the dashboard, into one team's breach queue (the team
typed in another case and with spaces still finds it), two cases ticked and moved to
another officer at once, and the queue showing them moved."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.e2e.conftest import OFFICER_NAME, TEAM, Visit
from workflow import demo

# Moved between two North officers who are not the test officer: the team's counts and
# the officer's own work queue, which other browser tests read, stay as they were.
TARGET = demo.OFFICERS[TEAM][1]


def _rows(page: Page) -> list[list[str]]:
    rows = page.locator("table.app-breach-table tbody tr")
    return [r.locator("td").all_inner_texts() for r in rows.all()]


def test_a_managers_morning(visit: Callable[..., Visit]) -> None:
    v = visit("manager")
    page = v.page()
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.get_by_role("heading", name="Unassigned cases")).to_be_visible()
    v.shot(page, "dashboard")

    # Into the North team's breach queue from the dashboard's table by team.
    page.locator("#by-team").get_by_role("link", name=re.compile(f"^{TEAM}")).click()
    expect(page).to_have_url(re.compile(f"/breaches\\?team={TEAM}"))
    everyone_in_team = len(_rows(page))
    assert everyone_in_team > 0

    # The team typed as a person might: lower case, a space after. Same queue.
    page.get_by_label("Team", exact=True).fill("north ")
    page.get_by_label("Overdue only").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile("team=north"))
    rows = _rows(page)
    assert rows, "the North team has overdue deadlines in the cohort"
    assert {row[5] for row in rows} == {TEAM}, "every row is the North team's"
    v.shot(page, "queue-north")

    page.get_by_role("link", name="Select cases to move to another officer").click()
    rows = _rows(page)  # now with a checkbox first on each row

    # Two cases of North officers other than the test officer and the one they go to.
    picked: list[str] = []
    for row in rows:
        case, officer = row[1], row[7]
        if officer not in (OFFICER_NAME, TARGET) and case not in picked:
            picked.append(case)
        if len(picked) == 2:
            break
    assert len(picked) == 2, rows
    for case in picked:
        page.get_by_label(re.compile(f"^Select case {re.escape(case)} ")).first.check()
    page.get_by_label("To officer").select_option(label=f"{TARGET} ({TEAM})")
    v.shot(page, "two-cases-chosen")
    page.get_by_role("button", name="Move selected cases").click()

    expect(page.get_by_role("alert").filter(has_text="2 cases moved")).to_be_visible()
    expect(page).to_have_url(re.compile("team=north.*select=1.*moved=2"))
    after = _rows(page)
    moved = {row[1]: row[7] for row in after if row[1] in picked}
    assert moved == dict.fromkeys(picked, TARGET)
    assert {row[6] for row in after} == {TEAM}  # still the team's queue
    v.shot(page, "moved")

    # The case page says so too.
    page.get_by_role("link", name=picked[0], exact=True).first.click()
    expect(page.get_by_text(TARGET).first).to_be_visible()
    v.shot(page, "case-moved")
