"""The breach queue: overdue deadlines (and those due soon), filtered, sorted,
counted, a page at a time, and as CSV. Managers see every team's; officers only
their own team's (the team filter is fixed to it, whatever the address asks).

The rows come from `scheduler.breaches.breach_queue`, the query `ehc breaches`
runs (kept between views until the database changes: web/queue_cache.py), and the
CSV from the same writer, so the page, the download and the command agree for the
same filters. Counts and the CSV cover the whole queue, not one page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from math import ceil
from typing import Annotated
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col
from starlette.datastructures import FormData

from scheduler.breach_formats import render_csv
from scheduler.breaches import (
    DEFAULT_DUE_WITHIN_DAYS,
    MAX_DUE_WITHIN_DAYS,
    Filters,
    QueueItem,
)
from web import auth
from web.date_input import read_date
from web.deps import context, db, posted_form, reading
from web.pages import unassigned
from web.queue_cache import Queue, breach_queue_kept
from web.read_audit import record_reads_by_reference
from web.templating import render
from workflow import teams
from workflow.assignments import CasesChanged, reassign_cases
from workflow.errors import WorkflowError
from workflow.law.deadlines import KINDS
from workflow.models import Case

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 100
SHOW = ("all", "overdue")
# Each sortable column and the way it first sorts: most days late first, the rest A to Z.
SORTS = {"days_late": "desc", "due": "asc", "case": "asc", "team": "asc", "officer": "asc"}


@dataclass(frozen=True)
class QueueQuery:
    """The filters, sort and page as asked for (the page's query string)."""

    as_of: date
    as_of_entered: dict[str, str]
    team: str = ""
    officer: str = ""
    kind: str = ""
    show: str = "all"
    due_within: str = str(DEFAULT_DUE_WITHIN_DAYS)
    sort: str = "days_late"
    order: str = "desc"
    page: int = 1

    def filters(self) -> Filters:
        return Filters(
            team=self.team or None,
            officer=self.officer or None,
            kind=self.kind or None,
            due_within=int(self.due_within),
        )

    def query_string(self, **changes: object) -> str:
        """This query with some values changed, for links (sorting, pages, CSV)."""
        q = replace(self, **changes)  # type: ignore[arg-type]
        params = {
            "team": q.team,
            "officer": q.officer,
            "kind": q.kind,
            "show": q.show,
            "due_within": q.due_within,
            **{f"as_of-{part}": value for part, value in q.as_of_entered.items()},
            "sort": q.sort,
            "order": q.order,
            "page": str(q.page),
        }
        return urlencode({k: v for k, v in params.items() if v})

    def sort_link(self, key: str) -> str:
        """The column heading's link: the other way round if it is the sort already."""
        if key == self.sort:
            order = "asc" if self.order == "desc" else "desc"
        else:
            order = SORTS[key]
        return "?" + self.query_string(sort=key, order=order, page=1)

    def aria_sort(self, key: str) -> str:
        if key != self.sort:
            return "none"
        return "ascending" if self.order == "asc" else "descending"


def _text(params: Mapping[str, str], name: str) -> str:
    return params.get(name, "").strip()[:100]


def read_query(params: Mapping[str, str], today: date) -> tuple[QueueQuery, dict[str, str]]:
    """The query from the page's parameters, and an error message per bad field."""
    errors: dict[str, str] = {}  # in the order the fields are on the page
    kind = _text(params, "kind")
    if kind and kind not in KINDS:
        errors["kind"] = "Select a deadline from the list"
    due_within = _text(params, "due_within") or str(DEFAULT_DUE_WITHIN_DAYS)
    if not due_within.isdigit():
        errors["due_within"] = "Enter the number of days as a whole number, like 14"
    elif int(due_within) > MAX_DUE_WITHIN_DAYS:
        errors["due_within"] = f"The number of days must be {MAX_DUE_WITHIN_DAYS:,} or fewer"
    answer = read_date(params, "as_of", "The date to show the queue as of", required=False)
    if answer.error:
        errors["as_of"] = answer.error
    sort = params.get("sort", "")
    sort = sort if sort in SORTS else "days_late"
    order = params.get("order", "")
    page = params.get("page", "1")
    query = QueueQuery(
        as_of=answer.value or today,
        as_of_entered=answer.entered,
        team=_text(params, "team"),
        officer=_text(params, "officer"),
        kind=kind,
        show=params.get("show") if params.get("show") in SHOW else "all",  # type: ignore[arg-type]
        due_within=due_within,
        sort=sort,
        order=order if order in ("asc", "desc") else SORTS[sort],
        page=int(page) if page.isdigit() and 0 < int(page) < 1_000_000 else 1,
    )
    return query, errors


def shown(items: list[QueueItem], query: QueueQuery) -> list[QueueItem]:
    """The queue's items the page lists, in the order asked for (the queue's order breaks ties)."""
    if query.show == "overdue":
        items = [i for i in items if i.status == "overdue"]
    if query.sort == "days_late":
        # The queue is in due date order: the most days late first.
        return items if query.order == "desc" else items[::-1]
    keys = {
        "due": lambda i: i.due,
        "case": lambda i: i.case,
        "team": lambda i: (i.team or "").lower(),
        "officer": lambda i: (i.officer or "").lower(),
    }
    # A stable sort: within one team or officer, the queue's order still holds.
    return sorted(items, key=keys[query.sort], reverse=query.order == "desc")


READERS = ("officer", "manager")


def _queue(
    request: Request, session: Session, who: auth.Principal, params: Mapping[str, str] | None = None
) -> tuple[QueueQuery, dict[str, str], Queue]:
    params = request.query_params if params is None else params
    query, errors = read_query(params, context(request).today())
    if who.user.role != "manager":
        query = replace(query, team=who.user.team or "")
        if not who.user.team:  # an officer with no team sees no one's deadlines
            return query, errors, Queue([])
    if errors:
        return query, errors, Queue([])
    queue = breach_queue_kept(
        session=session,
        engine=context(request).engine,
        as_of=query.as_of,
        filters=query.filters(),
    )
    return query, errors, queue


def _page(
    request: Request,
    query: QueueQuery,
    errors: dict[str, str],
    queue: Queue,
    who: auth.Principal | None = None,
    status_code: int | None = None,
    selecting: bool = False,
    **move: object,
) -> Response:
    listed = shown(queue.overdue if query.show == "overdue" else queue.items, query)
    pages = max(1, ceil(len(listed) / PAGE_SIZE))
    page = min(query.page, pages)
    rows = listed[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    managing = who is not None and who.user.role == "manager"
    if managing and selecting and rows:
        move = {**_move_choices(request, [i.case for i in rows]), **move}
    return render(
        request,
        "breaches.html",
        status_code=status_code or (400 if errors else 200),
        errors=errors,
        move=move,
        can_move=managing,
        query=query,
        kinds=[(k, k.replace("_", " ").capitalize()) for k in KINDS],
        counts=queue.counts,
        total=len(listed),
        rows=rows,
        page=page,
        pages=pages,
        first_row=(page - 1) * PAGE_SIZE + 1,
    )


def _move_choices(request: Request, refs: list[str]) -> dict[str, object]:
    """What the managers' "move the selected cases" form needs: each listed case's
    version (a case changed after the page was read is then not moved) and the choices."""
    with reading(request) as read:
        versions = dict(
            read.execute(
                sa.select(col(Case.reference), col(Case.version)).where(
                    col(Case.reference).in_(set(refs))
                )
            ).all()
        )
        team_choices = [(t, t) for t in teams.team_names(read)]
        officers = [
            (u.email, f"{u.name} ({u.team})" if u.team else u.name) for u in teams.holders(read)
        ]
    return {"versions": versions, "team_choices": team_choices, "officer_choices": officers}


@router.get("/breaches")
def breaches_page(
    request: Request,
    session: Annotated[Session, Depends(db)],
    who: Annotated[auth.Principal, Depends(auth.allow(*READERS))],
    moved: str = "",
    select: str = "",
) -> Response:
    """With `select=1`, managers get a checkbox on each row to move cases at once."""
    query, errors, queue = _queue(request, session, who)
    return _page(
        request, query, errors, queue, who, selecting=select == "1",
        moved=int(moved) if moved.isdigit() else None,
    )  # fmt: skip


@router.post("/breaches/reassign", dependencies=[Depends(auth.check_csrf)])
def move_cases(
    request: Request,
    session: Annotated[Session, Depends(db)],
    who: Annotated[auth.Principal, Depends(auth.allow("manager"))],
    form: Annotated[FormData, Depends(posted_form)],
) -> Response:
    """Managers move the cases they ticked in the queue to an officer, all at once
    (`workflow.assignments.reassign_cases`), and come back to the same view of the queue."""
    back = str(form.get("back") or "")[:2000]  # the queue's query string, with select=1
    chosen = unassigned.chosen_cases(form)
    officer = str(form.get("to_officer") or "").strip()
    team = str(form.get("to_team") or "").strip()
    shown_move = {"to_officer": officer, "to_team": team, "cases": set(chosen)}
    errors = unassigned.move_errors(chosen, officer)
    status = 400
    if not errors:
        try:
            done = reassign_cases(
                session=session, cases=chosen, officer=officer, team=team or None,
                actor=who.actor, clock=context(request).clock,
            )  # fmt: skip
        except CasesChanged as e:
            errors, status = {"cases": str(e)}, 409
        except WorkflowError as e:
            errors = unassigned.refusal(e)
        else:
            moved = urlencode({"moved": len(done)})
            return RedirectResponse(f"/breaches?{back}&{moved}" if back else f"/breaches?{moved}",
                                    status_code=303)  # fmt: skip
    session.rollback()
    params = dict(parse_qsl(back))
    query, query_errors, queue = _queue(request, session, who, params)
    return _page(
        request, query, query_errors, queue, who, status_code=status, selecting=True,
        move_errors=errors, chosen=shown_move,
    )  # fmt: skip


@router.get("/breaches.csv")
def breaches_csv(
    request: Request,
    session: Annotated[Session, Depends(db)],
    who: Annotated[auth.Principal, Depends(auth.allow(*READERS))],
) -> Response:
    """What `ehc breaches --csv` prints for the same filters (overdue only, if asked)."""
    query, errors, queue = _queue(request, session, who)
    if errors:
        return _page(request, query, errors, queue)
    items = queue.overdue if query.show == "overdue" else queue.items
    # The read audit records the CSV, a copy that leaves the service, one read a case.
    # The HTML page is not recorded: it shows references, deadlines, dates, teams and
    # officers, no child's name or date of birth (tests/web/test_read_audit_pages.py
    # fails if it starts to).
    record_reads_by_reference(request, who, session, (i.case for i in items), "breach queue (CSV)")
    return Response(
        render_csv(items),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": (
                f'attachment; filename="breach-queue-{query.as_of.isoformat()}.csv"'
            )
        },
    )
