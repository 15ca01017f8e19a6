"""A subject access request: everything held about one child, as one zip file.

UK GDPR Article 15 gives the child (or the parent acting for them) a copy of their
personal data. For a case this is: its details and the people on it, every event with
its notes and every correction (what was voided, why, by whom), the deadlines as of
today, every letter (as the PDF the family was, or would be, sent; withdrawn ones too),
the audit of who recorded, corrected, reassigned and took copies of letters, and who
looked at the case (the read audit, `workflow.read_audit`). An `index.html`
(`templates/sar_index.html`) lists it all in plain English, readable without any other
software.

The request itself is audited (who made it, when, in the audit log and as a read of the
case). The zip holds personal data: the caller writes it only where the council's
subject access process says.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from sqlmodel import Session, col, select

from letters import service as letter_service
from letters.catalogue import CATALOGUE
from letters.models import LetterDownload
from letters.store import people_of
from workflow.account_models import AuditEntry
from workflow.clock import Clock
from workflow.law.calendar import WorkingDays, govuk_date
from workflow.law.deadlines import Settings
from workflow.law.events import EventType
from workflow.law.names import EVENT_NAMES
from workflow.read_audit import Read, reads_of, write_reads
from workflow.service import CaseView, get_case

AUDIT_ACTION = "subject_access"
READ_WHAT = "subject access request (zip)"  # how the request shows among the case's reads

_ENV = Environment(
    loader=PackageLoader("scheduler", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_ENV.filters["govuk_date"] = govuk_date


@dataclass(frozen=True)
class SubjectAccess:
    case_ref: str
    data: bytes  # the zip
    files: tuple[str, ...]


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=1, default=str, ensure_ascii=False) + "\n").encode()


def _event_name(event_type: str) -> str:
    try:
        return EVENT_NAMES[EventType(event_type)]
    except ValueError:
        return event_type


def _events(view: CaseView) -> list[dict[str, Any]]:
    voided = {c.sequence: c for c in view.corrections}
    out: list[dict[str, Any]] = []
    for e in view.events:
        out.append(
            {
                "sequence": e.sequence,
                "event": _event_name(e.type),
                "type": e.type,
                "date": e.date.isoformat(),
                "details": e.fields,
                "note": e.note,
                "recorded_by": e.recorded_by,
                "recorded_at": e.recorded_at.isoformat(),
            }
        )
    for c in voided.values():
        out.append(
            {
                "sequence": c.sequence,
                "event": _event_name(c.type),
                "type": c.type,
                "date": c.date.isoformat(),
                "details": c.fields,
                "voided": {
                    "reason": c.reason,
                    "by": c.voided_by,
                    "at": c.voided_at.isoformat(),
                    "replaced_by": c.replaced_by,
                },
            }
        )
    return sorted(out, key=lambda e: int(e["sequence"]))


def _audit(session: Session, view: CaseView) -> list[dict[str, Any]]:
    """Who did what to the record: each event recorded, each void, each reassignment
    and each copy of a letter taken, oldest first."""
    rows: list[dict[str, Any]] = [
        {
            "at": e.recorded_at.isoformat(),
            "who": e.recorded_by,
            "what": f"recorded event {e.sequence} ({_event_name(e.type)})",
        }
        for e in view.events
    ]
    rows += [
        {
            "at": c.voided_at.isoformat(),
            "who": c.voided_by,
            "what": f"{'corrected' if c.replaced_by else 'voided'} event {c.sequence} "
            f"({_event_name(c.type)})",
        }
        for c in view.corrections
    ]
    entries = session.exec(select(AuditEntry).where(col(AuditEntry.subject) == view.case.reference))
    rows += [
        {"at": a.at.isoformat(), "who": a.actor, "what": a.action.replace("_", " ")}
        for a in entries
    ]
    copies = session.exec(select(LetterDownload).where(col(LetterDownload.case_id) == view.case.id))
    rows += [
        {
            "at": d.downloaded_at.isoformat(),
            "who": d.downloaded_by,
            "what": f"took a copy of letter {d.letter_id} ({d.how})",
        }
        for d in copies
    ]
    return sorted(rows, key=lambda r: str(r["at"]))


def _reads(session: Session, view: CaseView) -> list[dict[str, Any]]:
    """Who looked at the case's personal data, oldest first."""
    assert view.case.id is not None
    return [
        {"at": r.read_at.isoformat(), "who": r.reader, "role": r.role, "what": r.what,
         "how": r.how}
        for r in reversed(reads_of(session, view.case.id))
    ]  # fmt: skip


def subject_access(
    *,
    session: Session,
    case_ref: str,
    as_of: date,
    actor: str,
    clock: Clock,
    settings: Settings | None = None,
    working_days: WorkingDays | None = None,
    role: str = "",
    how: str = "cli",
) -> SubjectAccess:
    """Everything held about the case's child, as a zip; the request is audited, in the
    audit log and as a read of the case (`role`, `how`: the requester's, as reads say)."""
    view = get_case(
        session=session,
        case_ref=case_ref,
        as_of=as_of,
        settings=settings,
        working_days=working_days,
    )
    ref = view.case.reference
    people = {k: v for k, v in people_of(session, view.case).items() if v is not None}
    details = {
        "reference": ref,
        "team": view.case.team,
        "officer": view.case.officer,
        "stage": view.case.state,
        "opened": view.case.created_at.isoformat(),
        # Erased under the retention policy (workflow.retention): no people, notes or letters.
        "erased": view.case.erased_at.isoformat() if view.case.erased_at else None,
        "people": people,
    }
    letters = letter_service.list_letter_docs(session=session, case_ref=ref)
    audit = _audit(session, view)
    reads = _reads(session, view)
    files: dict[str, bytes] = {
        "case.json": _json(details),
        "events.json": _json(_events(view)),
        "deadlines.json": _json({"as_of": as_of.isoformat(), **view.evaluation.to_json()}),
        "letters.json": _json(letters),
        "audit.json": _json(audit),
        "views.json": _json(reads),
    }
    for doc in letters:
        # Withdrawn letters too: they may have reached the family before their withdrawal.
        if doc.get("stored_status") == "ready" and view.case.erased_at is None:
            pdf = letter_service.letter_pdf(session=session, letter_id=int(doc["id"]))
            files[f"letters/{int(doc['id']):04d}-{doc['type']}.pdf"] = pdf
    now = clock()
    index = _index(ref, now, actor, details, view, letters, audit, reads, [*files])
    files = {"index.html": index, **files}
    session.add(
        AuditEntry(
            at=now, actor=actor, action=AUDIT_ACTION, subject=ref, detail={"files": len(files)}
        )
    )
    assert view.case.id is not None
    write_reads(session, [Read(view.case.id, now, actor, role, READ_WHAT, how)])
    session.commit()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(f"{_safe(ref)}/{name}", data)
    return SubjectAccess(ref, buffer.getvalue(), tuple(files))


def _letter_title(letter_type: str) -> str:
    spec = CATALOGUE.get(letter_type)
    return spec.title if spec else letter_type.replace("_", " ")


def _safe(ref: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in ref)


def _index(
    ref: str,
    now: datetime,
    actor: str,
    details: dict[str, Any],
    view: CaseView,
    letters: list[dict[str, Any]],
    audit: list[dict[str, Any]],
    reads: list[dict[str, Any]],
    files: list[str],
) -> bytes:
    """The zip's `index.html`: everything in it, in plain English."""
    page = _ENV.get_template("sar_index.html").render(
        ref=ref,
        made_on=now.date(),
        actor=actor,
        details=details,
        people=[(k.replace("_", " ").capitalize(), str(v)) for k, v in details["people"].items()],
        events=[(e.date, _event_name(e.type), e.note) for e in view.events],
        corrections=[
            (
                c.date,
                _event_name(c.type),
                "corrected" if c.replaced_by else "voided",
                c.voided_by,
                c.reason,
            )
            for c in view.corrections
        ],
        letters=[
            {
                "title": _letter_title(str(doc["type"])),
                "recipient": str(doc["recipient"]).replace("_", " "),
                "dated": doc.get("letter_date"),
                "status": str(doc["status"]).replace("_", " "),
            }
            for doc in letters
        ],
        audit=audit,
        reads=reads,
        files=["index.html", *files],
    )
    return page.encode()
