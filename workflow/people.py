"""The people on a case: checking the details an officer enters, and storing them.

`ehc case update REF --set FIELD=VALUE`: an empty value clears a field. An
address may be written on one line with commas ("12 Example Road, Exampletown,
EX1 2AB") or with `\\n` between lines; it is stored one line per line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select

from workflow import bulk
from workflow.case_writes import check_text
from workflow.errors import InvalidInput
from workflow.law.events import parse_date
from workflow.models import CasePeople

TEXT_FIELDS = {"child_name": 200, "setting": 200, "parent_name": 200}
ADDRESS_FIELDS = ("parent_address", "young_person_address")
EMAIL_FIELDS = ("parent_email", "young_person_email")
BOOL_FIELDS = ("large_print", "parent_copy")
FIELDS = (
    "child_name",
    "date_of_birth",
    "setting",
    "parent_name",
    "parent_address",
    "parent_email",
    "young_person_address",
    "young_person_email",
    "communication",
    "large_print",
    "parent_copy",
)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_AGE_YEARS = 26  # plans run to 25
DOB = "date_of_birth"


def parse_details(details: Mapping[str, Any], today: date, where: str) -> dict[str, Any]:
    """Check each field; the first bad one raises, naming the field (never its value)."""
    out: dict[str, Any] = {}
    for name, raw in details.items():
        if name not in FIELDS:
            raise InvalidInput(
                f"{where}: {name} is not a detail of a case. Enter one of: {', '.join(FIELDS)}",
                field=name,
            )
        if isinstance(raw, str):
            # Names, emails and the rest are one line; an address may be several.
            raw = check_text(raw, label=name, field=name, where=where, lines=name in ADDRESS_FIELDS)
        value = raw.strip() if isinstance(raw, str) else raw
        if value is None or value == "":
            out[name] = None
        elif name == "date_of_birth":
            out[name] = _dob(value, today, where)
        elif name in TEXT_FIELDS:
            if len(str(value)) > TEXT_FIELDS[name]:
                raise InvalidInput(
                    f"{where}: {name} must be {TEXT_FIELDS[name]} characters or fewer",
                    field=name,
                )
            out[name] = str(value)
        elif name in ADDRESS_FIELDS:
            out[name] = _address(str(value), name, where)
        elif name in EMAIL_FIELDS:
            if not EMAIL.match(str(value)) or len(str(value)) > 320:
                raise InvalidInput(
                    f"{where}: enter {name} in the correct format, like name@example.com",
                    field=name,
                )
            out[name] = str(value)
        elif name == "communication":
            if value not in ("post", "email"):
                raise InvalidInput(f"{where}: select post or email for communication", field=name)
            out[name] = value
        else:
            out[name] = _flag(value, name, where)
    return out


def _dob(value: Any, today: date, where: str) -> date:
    try:
        day = value if isinstance(value, date) else parse_date(value)
    except ValueError:
        raise InvalidInput(
            f"{where}: date_of_birth must be a real date in the form YYYY-MM-DD", field=DOB
        ) from None
    if day > today:
        raise InvalidInput(f"{where}: date_of_birth must be today or in the past", field=DOB)
    if day.year < today.year - MAX_AGE_YEARS:
        raise InvalidInput(
            f"{where}: date_of_birth must be within the last {MAX_AGE_YEARS} years", field=DOB
        )
    return day


def _address(value: str, name: str, where: str) -> str:
    text = value.replace("\\n", "\n")
    parts = text.split("\n") if "\n" in text else text.split(",")
    lines = [p.strip() for p in parts if p.strip()]
    if not lines or len(lines) > 8 or any(len(line) > 100 for line in lines):
        raise InvalidInput(
            f"{where}: enter {name} as up to 8 lines of up to 100 characters", field=name
        )
    return "\n".join(lines)


def _flag(value: Any, name: str, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    if text in ("true", "yes", "y", "1"):
        return True
    if text in ("false", "no", "n", "0"):
        return False
    raise InvalidInput(f"{where}: {name} must be true or false", field=name)


def write_people(
    session: Session, case_id: int, details: Mapping[str, Any], now: datetime, actor: str
) -> None:
    """Store the people fields (the date of birth goes on the case row, not here)."""
    fields = {k: v for k, v in details.items() if k != "date_of_birth"}
    row = session.exec(select(CasePeople).where(CasePeople.case_id == case_id)).first()
    if row is None:
        row = CasePeople(case_id=case_id, updated_at=now)
    for name, value in fields.items():
        setattr(row, name, value)
    row.updated_at = now
    row.updated_by = actor
    session.add(row)


def insert_people(
    session: Session, rows: Mapping[int, Mapping[str, Any]], now: datetime, actor: str
) -> None:
    """People of newly opened cases (case id -> parsed details), in one insert (imports)."""
    blank: dict[str, Any] = {name: None for name in FIELDS if name != "date_of_birth"}
    values = [
        {**blank, **details, "case_id": case_id, "updated_at": now, "updated_by": actor}
        for case_id, details in rows.items()
    ]
    bulk.insert_rows(session, CasePeople.__table__, values)  # type: ignore[attr-defined]
