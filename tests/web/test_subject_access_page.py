"""The subject access page (issue 23 item 4): admins enter a reference and get the zip,
and taking it is audited; nobody else may open it; a bad reference gets a plain error."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI
from sqlmodel import Session, select

from tests.web.conftest import Browser, People
from tests.web.test_cases import requested_case
from workflow.account_models import AuditEntry
from workflow.read_audit import CaseRead

Make = Callable[[str | None], Browser]
Clock = Callable[[], datetime]


def test_an_admin_downloads_the_zip_and_it_is_audited(
    app: FastAPI, browser: Make, people: People, session: Session, clock: Clock
) -> None:
    ref = requested_case(session, clock)
    admin = browser(people.admin)
    assert 'href="/subject-access"' in admin.page("/users")  # in the admin's navigation
    page = admin.page("/subject-access")
    assert "Subject access request" in page
    response = admin.submit("/subject-access", {"reference": f" {ref} "})
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="subject-access-{ref}-2026-11-20.zip"'
    )
    assert response.headers["cache-control"] == "no-store"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = archive.namelist()
        index = archive.read(f"{ref}/index.html").decode()
    assert f"{ref}/views.json" in names and any(n.endswith(".pdf") for n in names)
    assert f"Information held about case {ref}" in index
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "subject_access")).one()
    assert (entry.actor, entry.subject) == (people.admin, ref)
    read = session.exec(select(CaseRead)).one()
    assert (read.reader, read.role, read.how) == (people.admin, "admin", "web")


def test_a_missing_or_unknown_reference_is_explained(
    browser: Make, people: People, session: Session
) -> None:
    admin = browser(people.admin)
    admin.page("/subject-access")
    empty = admin.submit("/subject-access", {"reference": "  "})
    assert empty.status_code == 400
    assert 'href="#reference">Enter a case reference' in empty.text
    unknown = admin.submit("/subject-access", {"reference": "NOPE1"})
    assert unknown.status_code == 404
    assert "There is no case NOPE1" in unknown.text and 'value="NOPE1"' in unknown.text
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "subject_access")).all() == []


def test_only_admins_may_use_it(browser: Make, people: People) -> None:
    for email in (people.officer, people.manager, people.viewer):
        client = browser(email)
        assert client.get("/subject-access").status_code == 403
        token = client.csrf
        refused = client.post("/subject-access", data={"csrf_token": token, "reference": "X1"})
        assert refused.status_code == 403
    admin = browser(people.admin)
    admin.page("/subject-access")
    forged = admin.post("/subject-access", data={"csrf_token": "forged", "reference": "X1"})
    assert forged.status_code in (400, 403)
