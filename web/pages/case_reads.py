"""Who has looked at a case (issue 23 item 5): each look at its personal data, newest
first, for managers. Officers do not see it (it is about their colleagues' work).

The rows come from `workflow.read_audit` (the pages, letters, exports and API answers
that show the case's personal data record them); reading this page is not itself a
read of the child's data (it shows staff and times only), so it records nothing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from web import auth
from web.deps import db
from web.pages.cases import read_case
from web.templating import render
from workflow.read_audit import count_reads, reads_of

router = APIRouter(include_in_schema=False)

Manager = Annotated[auth.Principal, Depends(auth.allow("manager"))]
Db = Annotated[Session, Depends(db)]
SHOWN = 500  # the newest reads a page shows; the count says how many there are


@router.get("/cases/{ref:path}/reads")
def case_reads(request: Request, ref: str, session: Db, who: Manager) -> Response:
    view = read_case(request, session, who, ref)
    assert view.case.id is not None
    return render(
        request,
        "case_reads.html",
        case=view.case,
        reads=reads_of(session, view.case.id, limit=SHOWN),
        total=count_reads(session, view.case.id),
    )
