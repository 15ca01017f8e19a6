"""The synthetic cohort's function API, kept for its callers (tests, bench/, the CLI).

The generator lives in `workflow.demo`: stories, calibration and fictional people.
"""

from __future__ import annotations

from workflow.demo import OFFICERS, TEAMS, generate, json_lines

__all__ = ["OFFICERS", "TEAMS", "generate", "json_lines"]
