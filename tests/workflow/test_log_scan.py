"""The scan of the test run's log (tests/log_scan.py) finds personal data where it is."""

from __future__ import annotations

import json
import logging

from tests.log_scan import personal_data_in
from workflow.demo.people import STREETS, SURNAMES


def test_the_scan_finds_a_name_or_an_address_and_passes_what_has_none() -> None:
    lines = [
        json.dumps({"message": "Swept 3 cases", "request_id": None}),
        json.dumps({"message": f"Letter for Alfie {SURNAMES[0]}"}),
        json.dumps({"message": f"Posted to 4 {STREETS[1]}, Exampleton ZZ99 1AB"}),
        json.dumps({"message": "Case EHC0001: decision overdue"}),
    ]
    assert personal_data_in(lines) == [lines[1], lines[2]]


def test_this_run_s_records_reach_the_scan() -> None:
    """The run's recorder is on the root and takes DEBUG records: the per-notification
    lines (DEBUG) are scanned too."""
    root = logging.getLogger()
    recorders = [
        h for h in root.handlers if getattr(h, "baseFilename", "").endswith(".pytest-run.log")
    ]
    assert len(recorders) == 1 and recorders[0].level == logging.DEBUG
