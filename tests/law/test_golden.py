"""The shared golden cases of spec v3, one test each, through the real `ehc deadlines` script.

The v2 cases (../shared/golden/deadlines/) are retired from the run: v3 deliberately
changes some of them (09: a phase transfer starts on 1 September whatever its record date).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SHARED = Path(__file__).parents[3] / "shared"
CHECKER = SHARED / "golden" / "check_deadlines.py"
GOLDEN = sorted((SHARED / "golden" / "deadlines-v3").glob("*.json"))
EHC = Path(sys.executable).parent / "ehc"

if not CHECKER.exists():
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"CI=true but the golden checker is missing: {CHECKER}")
    pytest.skip(
        f"the shared golden cases are not here ({CHECKER}); "
        "they live in ../shared next to the project",
        allow_module_level=True,
    )


def test_there_are_golden_cases() -> None:
    assert len(GOLDEN) >= 41


@pytest.mark.parametrize("case", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden_case(case: Path) -> None:
    assert EHC.exists(), f"no ehc script next to {sys.executable}"
    p = subprocess.run(
        [sys.executable, str(CHECKER), "--ehc", str(EHC), str(case)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "1 passed, 0 failed" in p.stdout, p.stdout + p.stderr
    assert p.returncode == 0
