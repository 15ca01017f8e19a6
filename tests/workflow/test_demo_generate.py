"""`ehc demo generate`: reproducible, accepted by the import on both databases, fictional."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from cli.app import app
from tests.council import council_for_lines
from tests.wiring import projections
from tests.workflow.factories import import_all
from workflow import demo, service
from workflow.demo.people import POSTCODE_AREA, TOWNS
from workflow.errors import InvalidInput
from workflow.models import CasePeople

END = date(2026, 10, 31)
# A real UK postcode's outward code: one or two letters, a digit, then a digit or letter.
REAL_AREA = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?$")
REAL_AREAS_NEVER_ZZ = "ZZ"  # no Royal Mail postcode area starts ZZ


def generate_file(tmp_path: Path, seed: int, name: str) -> bytes:
    out = tmp_path / name
    args = ["demo", "generate", "--cases", "60", "--seed", str(seed), "--end", END.isoformat()]
    result = CliRunner().invoke(app, [*args, "--output", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def test_same_seed_gives_byte_identical_output(tmp_path: Path) -> None:
    first = generate_file(tmp_path, 5, "a.jsonl")
    assert first == generate_file(tmp_path, 5, "b.jsonl")
    assert first != generate_file(tmp_path, 6, "c.jsonl")
    assert len({json.loads(x)["case"] for x in first.splitlines()}) == 60


def test_stdout_without_output_and_a_bad_range_is_refused() -> None:
    args = ["demo", "generate", "--cases", "3", "--seed", "1", "--end", "2026-01-31"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0
    assert {json.loads(x)["case"] for x in result.stdout.splitlines()} == {
        "DEMO00001",
        "DEMO00002",
        "DEMO00003",
    }
    bad = CliRunner().invoke(app, [*args, "--start", "2026-02-01"])
    assert bad.exit_code == 2
    assert "--start (2026-02-01) must be on or before --end (2026-01-31)" in bad.output


def test_people_are_fictional() -> None:
    firsts = [line for line in demo.generate(500, end=END, seed=9) if "people" in line]
    assert len(firsts) == 500
    for line in firsts:
        people = line["people"]
        *street, town, county, postcode = people["parent_address"].split("\n")
        outward = postcode.split(" ")[0]
        # Our rule: every postcode is in ZZ99, an area Royal Mail has never issued, in
        # one of the made-up towns of Exampleshire; e-mail only at example.org.
        assert outward == POSTCODE_AREA and outward.startswith(REAL_AREAS_NEVER_ZZ)
        assert REAL_AREA.match(outward)  # shaped like a postcode, so letters lay out
        assert town in TOWNS and county == "Exampleshire" and street
        assert people.get("parent_email", "x@example.org").endswith("@example.org")
        born = date.fromisoformat(line["date_of_birth"])
        age = (date.fromisoformat(line["date"]) - born).days // 365
        assert 1 <= age <= 20, line


def test_teams_and_officers_are_stable() -> None:
    assert demo.TEAMS == ("North", "South", "East", "West")
    assert demo.OFFICERS["North"][0] == "Asha Fernhollow"
    teams = {line["team"] for line in demo.generate(200, end=END, seed=1) if "team" in line}
    assert teams == set(demo.TEAMS)


def test_every_generated_history_imports(
    session: Session, engine: Engine, clock: Callable[[], datetime]
) -> None:
    lines = list(demo.json_lines(300, end=END, seed=4))
    summary = import_all(session=session, lines=lines, clock=clock, actor="t")
    assert summary.cases_created == 300 and summary.events == len(lines)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM case_people")).scalar_one() == 300
        dobs = conn.execute(
            sa.text("SELECT count(*) FROM cases WHERE date_of_birth IS NOT NULL")
        ).scalar_one()
    assert dobs == 300
    # Export carries the people back out, on each case's first line.
    exported = [json.dumps(x) for x in service.export_events(session=session)]
    assert sum('"people"' in x for x in exported) == 300


# -- the import's `people` key --------------------------------------------------------


def opening(ref: str = "P1", **extra: object) -> str:
    line = {"case": ref, "type": "request_received", "date": "2026-09-01", "source": "parent"}
    return json.dumps({**line, **extra})


def test_people_on_a_line_are_stored_with_the_events(
    session: Session, clock: Callable[[], datetime]
) -> None:
    people = {"child_name": "Pip Oddsock", "parent_address": "1 Kettle Street, Exampleton"}
    later = json.dumps(
        {"case": "P1", "type": "decision_to_assess", "date": "2026-10-01",
         "people": {"parent_name": "Jo Oddsock", "date_of_birth": "2016-05-04"}}
    )  # fmt: skip
    service.import_events(
        projections=projections(),
        session=session,
        lines=council_for_lines(session, clock, [opening(people=people), later]),
        actor="t",
        clock=clock,
    )
    row = session.exec(sa.select(CasePeople)).scalars().one()  # type: ignore[call-overload]
    assert (row.child_name, row.parent_name) == ("Pip Oddsock", "Jo Oddsock")
    assert row.parent_address == "1 Kettle Street\nExampleton"
    case = service.get_case(session=session, case_ref="P1", as_of=date(2026, 11, 1)).case
    assert case.date_of_birth == date(2016, 5, 4)


@pytest.mark.parametrize(
    "people, message",
    [
        ({"favourite_colour": "blue"}, "Line 2 (case P2): favourite_colour is not a detail"),
        ({"date_of_birth": "2030-01-01"}, "date_of_birth must be today or in the past"),
        ("Pip", "Line 2 (case P2): people must be a JSON object"),
    ],
)
def test_bad_people_import_nothing(
    session: Session, engine: Engine, clock: Callable[[], datetime], people: object, message: str
) -> None:
    lines = [opening("P1", people={"child_name": "Kit Nettlebun"}), opening("P2", people=people)]
    with pytest.raises(InvalidInput) as caught:
        import_all(session=session, lines=lines, clock=clock, actor="t")
    assert message in str(caught.value)
    with engine.connect() as conn:
        for table in ("cases", "events", "case_people"):
            assert conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one() == 0
