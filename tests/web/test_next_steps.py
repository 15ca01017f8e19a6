"""What happens next (issue 19): on the case page first under the summary, and in the API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from tests.web.conftest import Browser, Client, People
from tests.web.test_cases import requested_case
from workflow.law.machine import accepts

Make = Callable[[str | None], Browser]
Clock = Callable[[], datetime]


def next_block(html: str) -> str:
    """The "What happens next" section: from its heading to the next one."""
    start = html.index('<h2 class="govuk-heading-m" id="next">')
    return html[start : html.index("<h2", start + 1)]


def test_the_api_gives_the_next_steps_soonest_first(
    api: Client, people: People, open_case: str
) -> None:
    client = api(people.officer)
    case = client.get(f"/api/cases/{open_case}").json()
    # Today is 20 November 2026; requested 1 September, decided to assess 5 October.
    assert case["next_steps"] == [
        {
            "event": "draft_plan_issued",
            "label": "Issue a draft plan, or decide not to issue one",
            "due": "2026-12-22",  # reg 10(1): 16 weeks from the request
            "days_left": 32,
            "who": "The council",
            "chase_on": None,
        },
        {
            "event": "final_plan_issued",
            "label": "Issue the final plan",
            "due": "2027-01-19",  # reg 13(2): 20 weeks from the request
            "days_left": 60,
            "who": "The council",
            "chase_on": None,
        },
    ]
    earlier = client.get(f"/api/cases/{open_case}", params={"as_of": "2026-09-10"}).json()
    assert [(s["event"], s["days_left"]) for s in earlier["next_steps"]] == [
        ("decision_to_assess", 33)
    ]


def test_the_openapi_document_describes_next_steps(api: Client, people: People) -> None:
    doc = api(people.officer).get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    assert "next_steps" in schemas["CaseDetail"]["required"]
    step = schemas["NextStepOut"]
    assert {"event", "label", "due", "days_left", "who", "chase_on"} == set(step["properties"])
    assert "negative when overdue" in step["properties"]["days_left"]["description"]


def test_the_case_page_starts_with_what_happens_next(
    browser: Make, people: People, open_case: str
) -> None:
    html = browser(people.officer).page(f"/cases/{open_case}")
    block = next_block(html)
    # First under the summary: before the deadline table, which is still there.
    assert html.index("govuk-summary-list") < html.index('id="next"') < html.index('id="deadlines"')
    assert block.index("Issue a draft plan, or decide not to issue one") < block.index(
        "Issue the final plan"
    )
    assert "22 December 2026" in block and "32 days left" in block
    assert "19 January 2027" in block and "60 days left" in block
    assert "The council" in block
    assert "govuk-tag--red" not in block
    assert f'href="/cases/{open_case}/events/new?type=draft_plan_issued"' in block
    assert ">Record draft plan issued</a>" in block


def test_an_overdue_step_is_tagged_red_and_links_to_its_form(
    browser: Make, people: People, session: Session, clock: Clock
) -> None:
    ref = requested_case(session, clock)  # requested 1 October 2026, nothing since
    client = browser(people.officer)
    block = next_block(client.page(f"/cases/{ref}"))
    # Reg 5(1): decide within 6 weeks, by 12 November; on 20 November 8 days overdue.
    assert "Decide whether to assess" in block and "12 November 2026" in block
    assert '<strong class="govuk-tag govuk-tag--red">8 days overdue</strong>' in block
    href = f"/cases/{ref}/events/new?type=decision_to_assess"
    assert f'href="{href}"' in block
    form = client.page(href)  # the link opens that event's form, not the list
    assert "Decision to assess" in form and 'name="version"' in form


def test_a_step_the_case_cannot_take_yet_has_no_link(
    browser: Make, people: People, open_case: str
) -> None:
    # An assessing case cannot take a final plan before its draft: no link that would fail.
    assert "final_plan_issued" not in accepts("assessing")
    block = next_block(browser(people.officer).page(f"/cases/{open_case}"))
    row = block[block.index("Issue the final plan") :]
    row = row[: row.index("</tr>")]
    assert "href=" not in row
