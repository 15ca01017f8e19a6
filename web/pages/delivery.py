"""How letters and officer alerts leave the engine, for administrators: through GOV.UK
Notify when its key is set, else by hand (letters) and SMTP or the log (alerts), with the
letters sent, waiting and failed so far, and the failed letters (an officer or manager
sends one again from its case page: administrators do no casework)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from letters.catalogue import CATALOGUE
from letters.dispatch import store as dispatch_store
from letters.models import DISPATCH_STATUSES
from web import auth
from web.deps import context, db
from web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/delivery")
def delivery_page(
    request: Request,
    session: Annotated[Session, Depends(db)],
    who: Annotated[auth.Principal, Depends(auth.allow("admin"))],
) -> Response:
    counts = dispatch_store.counts(session=session)
    failed_total, failed = dispatch_store.failures(session=session)
    session.commit()
    return render(
        request,
        "delivery.html",
        mode=context(request).delivery,
        counts=[(status, counts.get(status, 0)) for status in DISPATCH_STATUSES],
        any_sent=bool(counts),
        failed_total=failed_total,
        failed=failed,
        letter_titles={t: spec.title for t, spec in CATALOGUE.items()},
    )
