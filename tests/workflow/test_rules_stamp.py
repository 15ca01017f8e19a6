"""Existing databases follow the rules (issue 20, item 5): a database whose stored
deadlines were computed under spec v2 gives v3's after `ehc db upgrade`, and a changed
setting is caught the same way; a database that is already up to date is left alone."""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from cli.app import app
from workflow.law.deadlines import RULES_VERSION
from workflow.models import Case, StoredDeadline
from workflow.rules_stamp import DeadlineRules

GOLDEN = Path(__file__).resolve().parents[2].parent / "shared" / "golden"
V2, V3 = (
    GOLDEN / "deadlines" / "09-phase-transfer.json",
    GOLDEN / "deadlines-v3" / "09-phase-transfer.json",
)


def ehc(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def import_golden(path: Path, tmp_path: Path) -> dict[str, Any]:
    golden = json.loads(path.read_text())
    case = golden["input"]["case"]
    lines = [json.dumps({"case": case, **e}) for e in golden["input"]["events"]]
    lines[0] = json.dumps({**json.loads(lines[0]), "team": "North"})
    file = tmp_path / "case.jsonl"
    file.write_text("\n".join(lines) + "\n")
    ehc("teams", "add", "North")
    ehc("import", "events", str(file))
    return golden


def stored(engine: Engine) -> list[tuple[str, str, str, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                StoredDeadline.kind,
                StoredDeadline.starts,
                StoredDeadline.due,
                StoredDeadline.met_on,
            ).order_by(StoredDeadline.position)
        )
        return sorted((k, s.isoformat(), d.isoformat(), m and m.isoformat()) for k, s, d, m in rows)


def expected(golden: dict[str, Any]) -> list[tuple[str, str, str, str | None]]:
    return sorted(
        (d["kind"], d["starts"], d["due"], d["met_on"]) for d in golden["expected"]["deadlines"]
    )


@pytest.fixture
def cli_db(db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    if not GOLDEN.is_dir():  # the shared golden cases sit beside the checkout
        if os.environ.get("CI") == "true":
            raise RuntimeError(f"CI=true but the golden cases are missing: {GOLDEN}")
        pytest.skip(f"no golden cases at {GOLDEN}")
    monkeypatch.setenv("EHC_DATABASE_URL", db_url)
    monkeypatch.delenv("EHC_TWENTY_WEEK_DAYS", raising=False)
    return engine


def test_a_v2_database_gives_v3_deadlines_after_upgrading(cli_db: Engine, tmp_path: Path) -> None:
    v3 = import_golden(V3, tmp_path)
    # As a v2 engine left it: v2's phase transfer (starting on the day it was recorded,
    # not 1 September: v3 change 3), and no stamp (revision 0010 had no such table).
    v2 = json.loads(V2.read_text())
    v2_phase = next(d for d in v2["expected"]["deadlines"] if d["kind"] == "phase_transfer")
    with cli_db.begin() as conn:
        conn.execute(
            sa.update(StoredDeadline)
            .where(StoredDeadline.kind == "phase_transfer")  # type: ignore[arg-type]
            .values(starts=date.fromisoformat(v2_phase["starts"]))
        )
        conn.execute(sa.delete(DeadlineRules))
    assert stored(cli_db) == expected(v2)
    assert stored(cli_db) != expected(v3)

    out = ehc("db", "upgrade")

    assert f"Recomputed the stored deadlines of 1 case under the v{RULES_VERSION} rules" in out
    assert "older than the v3 rules" in out
    assert stored(cli_db) == expected(v3)
    with cli_db.connect() as conn:
        stamp = conn.execute(sa.select(DeadlineRules.rules_version)).scalar_one()
    assert stamp == RULES_VERSION
    # Up to date now: a second upgrade recomputes nothing.
    assert "Recomputed" not in ehc("db", "upgrade")


def test_a_changed_setting_is_recomputed_on_upgrade(
    cli_db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    golden = import_golden(GOLDEN / "deadlines-v3" / "01-full-assessment-on-time.json", tmp_path)
    ehc("db", "upgrade")  # stamps the rules and settings of this import (140 days)
    final = next(d for d in expected(golden) if d[0] == "final_plan")

    monkeypatch.setenv("EHC_TWENTY_WEEK_DAYS", "139")
    out = ehc("db", "upgrade")

    assert "twenty_week_days was 140, is now 139" in out
    moved = next(d for d in stored(cli_db) if d[0] == "final_plan")
    assert date.fromisoformat(moved[2]) == date.fromisoformat(final[2]) - timedelta(days=1)
    # Refreshing by hand under the other setting moves it back, and says so.
    out = ehc("db", "refresh-deadlines", "--twenty-week-days", "140")
    assert out.strip() == "Recomputed the deadlines of 1 case"
    assert next(d for d in stored(cli_db) if d[0] == "final_plan") == final


def test_a_new_database_is_stamped_and_left_alone(cli_db: Engine) -> None:
    with cli_db.begin() as conn:
        conn.execute(sa.delete(DeadlineRules))
        assert conn.execute(sa.select(sa.func.count()).select_from(Case)).scalar_one() == 0
    assert "Recomputed" not in ehc("db", "upgrade")
    with cli_db.connect() as conn:
        assert conn.execute(sa.select(DeadlineRules.rules_version)).scalar_one() == RULES_VERSION
