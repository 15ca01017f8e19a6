"""A case's letters as downloads: the stored HTML and the PDF.

Both are served as attachments: the letter's HTML carries its own stylesheet,
which the site's content security policy would (rightly) block if a browser
opened it as a page of this site. The letter must belong to the case in the
URL, and the case must be the user's to see; otherwise 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlmodel import Session

from letters import service as letter_service
from letters.models import READY, Letter
from web import auth
from web.deps import db
from web.pages.cases import read_case

router = APIRouter(include_in_schema=False)

Casework = Annotated[auth.Principal, Depends(auth.allow(*auth.CASEWORK))]
Db = Annotated[Session, Depends(db)]


def _letter(request: Request, session: Session, who: auth.Principal, ref: str, key: str) -> Letter:
    view = read_case(request, session, who, ref)
    if not key.isdigit():
        raise HTTPException(status_code=404)
    try:
        letter = letter_service.get_letter(session=session, letter_id=int(key))
    except letter_service.LetterNotFound:
        raise HTTPException(status_code=404) from None
    if letter.case_id != view.case.id or letter.status != READY or letter.html is None:
        raise HTTPException(status_code=404)
    return letter


def _download(body: bytes, media_type: str, ref: str, letter: Letter, suffix: str) -> Response:
    name = f"{ref}-letter-{letter.id}-{letter.type}.{suffix}"
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/cases/{ref:path}/letters/{key}.html")
def letter_html(request: Request, ref: str, key: str, session: Db, who: Casework) -> Response:
    letter = _letter(request, session, who, ref, key)
    assert letter.html is not None
    body = letter.html.encode("utf-8")
    return _download(body, "text/html; charset=utf-8", letter_ref(ref), letter, "html")


@router.get("/cases/{ref:path}/letters/{key}.pdf")
def letter_pdf(request: Request, ref: str, key: str, session: Db, who: Casework) -> Response:
    letter = _letter(request, session, who, ref, key)
    assert letter.id is not None
    # Rendered from the stored HTML on demand (or the PDF stored with an older letter).
    body = letter_service.letter_pdf(session=session, letter_id=letter.id)
    return _download(body, "application/pdf", letter_ref(ref), letter, "pdf")


def letter_ref(ref: str) -> str:
    """The reference as part of a file name: only its safe characters."""
    return "".join(c for c in ref if c.isalnum() or c in "-_.") or "case"
