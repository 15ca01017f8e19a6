"""`ehc retention review` and `ehc retention erase` (issue 23 item 6): references and
reasons only, never a name; erasure refuses a case not due; a policy must be set."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime

from sqlmodel import select

from tests.cli.test_cli import EHC
from tests.workflow.test_retention import CHILD, _load
from workflow.account_models import AuditEntry
from workflow.db import make_engine, new_session


def _ehc(
    *args: str, db: str, years: str | None = "6", stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EHC_ACTOR": "dpo.cli", "EHC_DATABASE_URL": db}
    env.pop("EHC_RETENTION_YEARS_AFTER_CLOSED", None)
    env.pop("EHC_RETENTION_YEARS_AFTER_25TH_BIRTHDAY", None)
    if years is not None:
        env["EHC_RETENTION_YEARS_AFTER_CLOSED"] = years
    return subprocess.run([EHC, "retention", *args], capture_output=True, text=True, env=env,
                          input=stdin, timeout=120)  # fmt: skip


def test_review_then_erase(db_url: str) -> None:
    engine = make_engine(db_url)
    with new_session(engine) as session:
        _load(session, lambda: datetime(2026, 11, 20, 12, tzinfo=UTC))
    review = _ehc("review", "--as-of", "2026-11-20", db=db_url)
    assert review.returncode == 0, review.stderr
    lines = review.stdout.splitlines()
    assert lines[0] == "Retention: 6 years after the case closed. As of 2026-11-20:"
    assert lines[1].startswith("R1") and "due since 2023-02-13" in lines[1]
    assert "not assessed: 6 years after it closed on 2017-02-13" in lines[1]
    assert lines[2].startswith("R2") and lines[-1] == "2 cases due for erasure"
    assert CHILD not in review.stdout
    # Not due (open, or not yet): refused, naming the case; nothing erased.
    refused = _ehc("erase", "OPEN", "--yes", "--as-of", "2026-11-20", db=db_url)
    assert refused.returncode == 2 and "Case OPEN is not due for erasure" in refused.stderr
    # Asked first; "n" erases nothing.
    declined = _ehc("erase", "--as-of", "2026-11-20", db=db_url, stdin="n\n")
    assert declined.returncode != 0 and "Nothing erased" in declined.stderr
    erased = _ehc("erase", "R1", "--yes", "--as-of", "2026-11-20", db=db_url)
    assert erased.returncode == 0, erased.stderr
    assert erased.stdout.startswith("Erased case R1 (due since 2023-02-13")
    after = _ehc("review", "--as-of", "2026-11-20", db=db_url)
    assert "R1" not in after.stdout and after.stdout.splitlines()[-1] == "1 case due for erasure"
    rest = _ehc("erase", "--yes", "--as-of", "2026-11-20", db=db_url)
    assert rest.returncode == 0 and "Erased case R2" in rest.stdout
    assert "No case is due" in _ehc("review", "--as-of", "2026-11-20", db=db_url).stdout
    with new_session(engine) as session:
        audit = session.exec(select(AuditEntry).where(AuditEntry.action == "case_erased")).all()
        assert [(a.actor, a.subject) for a in audit] == [("dpo.cli", "R1"), ("dpo.cli", "R2")]
    engine.dispose()


def test_no_policy_no_erasure(sqlite_url: str) -> None:
    for command in ("review", "erase"):
        done = _ehc(command, db=sqlite_url, years=None)
        assert done.returncode == 2 and "No retention policy is set" in done.stderr
