"""`ehc demo load` makes the demo cases' letters: ready ones with the demo people's
details, and some waiting (for the reasons for a decision), so the case pages and the
waiting-letters page have letters to show."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from cli.app import app
from letters.models import AWAITING, READY, Letter


def test_demo_load_makes_ready_and_waiting_letters(
    db_url: str, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EHC_DATABASE_URL", db_url)
    result = CliRunner().invoke(app, ["demo", "load", "--cases", "60"])
    assert result.exit_code == 0, result.output
    letters = list(session.exec(select(Letter)))
    by_status = Counter(x.status for x in letters)
    assert by_status[READY] > 100 and by_status[AWAITING] > 0
    waiting_for = Counter(m for x in letters if x.status == AWAITING for m in x.missing or [])
    # The demo people are complete: letters wait only for details of the letter itself.
    assert set(waiting_for) <= {"reasons", "will_assess"}, waiting_for
