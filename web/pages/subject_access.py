"""Subject access requests, for administrators (issue 23 item 4): enter a case reference,
get the zip of everything held about the child (`scheduler.subject_access`, as
`ehc sar` writes it). Making it is audited: the audit log and the case's reads say who
took it and when.

The zip is the answer to the request: the page downloads it, nothing is kept on the
server.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlmodel import Session

from scheduler.subject_access import subject_access
from web import auth
from web.deps import context, db
from web.templating import render
from workflow.errors import NotFound, WorkflowError

router = APIRouter(include_in_schema=False)

Admin = Annotated[auth.Principal, Depends(auth.allow("admin"))]
Db = Annotated[Session, Depends(db)]
MAX_REFERENCE = 64


def _page(request: Request, status: int = 200, **values: object) -> Response:
    return render(
        request, "subject_access.html", status_code=status,
        **{"errors": {}, "reference": "", **values},
    )  # fmt: skip


@router.get("/subject-access")
def subject_access_page(request: Request, who: Admin) -> Response:
    return _page(request)


@router.post("/subject-access", dependencies=[Depends(auth.check_csrf)])
def subject_access_zip(
    request: Request,
    session: Db,
    who: Admin,
    reference: Annotated[str, Form()] = "",
) -> Response:
    ref = reference.strip()
    if not ref:
        return _page(request, 400, errors={"reference": "Enter a case reference"})
    if len(ref) > MAX_REFERENCE or any(c.isspace() or not c.isprintable() for c in ref):
        error = f"Enter a case reference of up to {MAX_REFERENCE} letters, digits or symbols"
        return _page(request, 400, errors={"reference": error}, reference=ref[:MAX_REFERENCE])
    ctx = context(request)
    try:
        made = subject_access(
            session=session,
            case_ref=ref,
            as_of=ctx.today(),
            actor=who.actor,
            clock=ctx.clock,
            settings=ctx.settings,
            working_days=ctx.working_days,
            role=who.user.role,
            how="web",
        )
    except NotFound:
        session.rollback()
        return _page(request, 404, errors={"reference": f"There is no case {ref}"}, reference=ref)
    except WorkflowError as e:
        session.rollback()
        return _page(request, 400, errors={"reference": str(e)}, reference=ref)
    name = "".join(c if c.isalnum() or c in "-_" else "-" for c in made.case_ref)
    return Response(
        made.data,
        media_type="application/zip",
        headers={
            "Content-Disposition": (
                f'attachment; filename="subject-access-{name}-{ctx.today().isoformat()}.zip"'
            ),
            "Cache-Control": "no-store",  # personal data: never kept by a browser or proxy
        },
    )
