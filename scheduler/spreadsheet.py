"""Cells for spreadsheets: what every CSV and XLSX export writes through."""

from __future__ import annotations

import re

# OWASP's CSV injection advice: a cell starting with one of these is run as a formula
# by Excel, LibreOffice or Google Sheets (tab and CR are skipped over before the next).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def spreadsheet_safe(value: str) -> str:
    """A text cell a spreadsheet would read as a formula, with a ' in front so it shows
    as the text it is (OWASP). Used by every CSV and XLSX export. A plain number such as
    -3 cannot run, so it stays a number the reader can add up."""
    if value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value
