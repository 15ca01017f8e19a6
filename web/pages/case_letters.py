"""A case's letters as downloads (the stored HTML and the PDF), and the correction letter.

Both downloads are served as attachments: the letter's HTML carries its own stylesheet,
which the site's content security policy would (rightly) block if a browser opened it
as a page of this site. The letter must belong to the case in the URL, and the case must
be the user's to see; otherwise 404.

Each download is recorded (`letters.service.record_download`, who and when), in a small
write of its own after the letter is read: if the letter is later withdrawn (its event
corrected or voided), the case page says it may have reached the family and offers the
correction letter, which an officer makes here.

A letter GOV.UK Notify could not send or deliver can be sent again from here once its
cause is mended (`letters.dispatch.store.send_again`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from letters import service as letter_service
from letters.contexts import Council
from letters.dispatch import store as dispatch_store
from letters.models import READY, Letter
from letters.projection import LetterProjection
from web import auth
from web.deps import context, db, reading
from web.pages.cases import case_page, read_case
from web.read_audit import record_read
from web.templating import case_path
from workflow.db import new_session
from workflow.errors import WorkflowError

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


def _download(
    request: Request,
    who: auth.Principal,
    body: bytes,
    media_type: str,
    ref: str,
    letter: Letter,
    suffix: str,
) -> Response:
    assert letter.id is not None
    # Recorded once the copy is made, in its own short write (the read above took no lock).
    with new_session(context(request).engine) as session:
        letter_service.record_download(
            session=session,
            letter_id=letter.id,
            actor=who.actor,
            how="web",
            clock=context(request).clock,
        )
    record_read(request, who, letter.case_id, f"letter {letter.id} ({suffix.upper()})")
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
    return _download(
        request, who, body, "text/html; charset=utf-8", letter_ref(ref), letter, "html"
    )


@router.get("/cases/{ref:path}/letters/{key}.pdf")
def letter_pdf(request: Request, ref: str, key: str, session: Db, who: Casework) -> Response:
    letter = _letter(request, session, who, ref, key)
    assert letter.id is not None
    # Rendered from the stored HTML on demand (or the PDF stored with an older letter).
    body = letter_service.letter_pdf(session=session, letter_id=letter.id)
    return _download(request, who, body, "application/pdf", letter_ref(ref), letter, "pdf")


@router.post("/cases/{ref:path}/letters/{key}/correction", dependencies=[Depends(auth.check_csrf)])
def correction_letter(request: Request, ref: str, key: str, session: Db, who: Casework) -> Response:
    """Make the correction letter to the family for a withdrawn letter that may have
    reached them (the case page offers it)."""
    with reading(request) as read:
        view = read_case(request, read, who, ref)
    if not key.isdigit():
        raise HTTPException(status_code=404)
    ctx = context(request)
    try:
        made = letter_service.make_correction_letter(
            session=session,
            case_ref=view.case.reference,
            letter_id=int(key),
            actor=who.actor,
            clock=ctx.clock,
            council=_council(request),
        )
    except WorkflowError as e:
        with reading(request) as read:
            return case_page(
                request, read, who, ref, status_code=400, errors={f"gone-out-{key}": str(e)}
            )
    return RedirectResponse(
        f"{case_path(view.case.reference)}?correction_letter={made[0].id}#letters",
        status_code=303,
    )


@router.post("/cases/{ref:path}/letters/{key}/send-again", dependencies=[Depends(auth.check_csrf)])
def send_again(request: Request, ref: str, key: str, session: Db, who: Casework) -> Response:
    """Queue a failed letter to go through GOV.UK Notify again (the case page offers it
    next to the letter)."""
    with reading(request) as read:
        letter = _letter(request, read, who, ref, key)  # only a ready letter is ever sent
    assert letter.id is not None
    letter_id = letter.id
    try:
        dispatch_store.send_again(
            session=session, letter_id=letter_id, actor=who.actor, clock=context(request).clock
        )
        session.commit()
    except WorkflowError as e:
        session.rollback()
        with reading(request) as read:
            return case_page(
                request, read, who, ref, status_code=400, errors={f"dispatch-{key}": str(e)}
            )
    return RedirectResponse(
        f"{case_path(ref)}?sent_again={letter_id}#dispatch-{letter_id}",
        status_code=303,
    )


def _council(request: Request) -> Council:
    """The council the letters are made with: the letters projection's."""
    for projection in context(request).projections:
        if isinstance(projection, LetterProjection):
            return projection.council
    raise RuntimeError("the web app runs without the letters projection")


def letter_ref(ref: str) -> str:
    """The reference as part of a file name: only its safe characters."""
    return "".join(c for c in ref if c.isalnum() or c in "-_.") or "case"
