"""The case page: summary, what happens next, deadlines, windows, letters and timeline.

Officers see their own team's cases only: any other case answers 404, the
same as a case that does not exist, so the page does not reveal it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlmodel import Session
from starlette.datastructures import FormData

from letters import service as letter_service
from letters import store as letter_store
from letters.catalogue import CATALOGUE, detail_name
from letters.dispatch import store as dispatch_store
from letters.facts import APPEAL_NOTICES, SERVED_NOTICES
from letters.models import AWAITING, READY, Letter
from web import auth
from web.deps import context, db, posted_form, reading
from web.event_forms import EVENT_LABELS, WINDOW_LABELS, choice_label, fields_for
from web.read_audit import record_read
from web.templating import case_path, render
from workflow import service, teams
from workflow.clock import LONDON
from workflow.corrections import Correction
from workflow.errors import CaseNotFound, InvalidInput
from workflow.law.calendar import govuk_date
from workflow.law.machine import accepts
from workflow.law.names import EVENT_NAMES
from workflow.law.next_steps import NextStep, next_steps
from workflow.models import StoredEvent
from workflow.service import CaseView

router = APIRouter(include_in_schema=False)

Casework = Annotated[auth.Principal, Depends(auth.allow(*auth.CASEWORK))]
Db = Annotated[Session, Depends(db)]
Form = Annotated[FormData, Depends(posted_form)]


def read_case(request: Request, session: Session, who: auth.Principal, ref: str) -> CaseView:
    """The case as of today, or 404 if it does not exist or is not the user's to see."""
    ctx = context(request)
    try:
        view = service.get_case(
            session=session,
            case_ref=ref,
            as_of=ctx.today(),
            settings=ctx.settings,
            working_days=ctx.working_days,
        )
    except (CaseNotFound, InvalidInput):
        raise HTTPException(status_code=404) from None
    if not who.can_see_team(view.case.team):
        raise HTTPException(status_code=404)
    return view


def read_case_read_only(request: Request, who: auth.Principal, ref: str) -> CaseView:
    """`read_case` in a read-only session: for the pages of routes that save."""
    with reading(request) as session:
        return read_case(request, session, who, ref)


@dataclass(frozen=True)
class TimelineEntry:
    event: StoredEvent
    label: str
    details: list[tuple[str, str]]
    recorded_later: bool  # recorded on a later day than it happened (back-dated)
    letter: None = None


@dataclass(frozen=True)
class TimelineLetter:
    """A letter in the timeline, where it was made (or, waiting, where it was queued)."""

    letter: Letter
    title: str
    withdrawn: bool
    needs: str  # what a waiting letter needs, in words
    event: None = None


def _timeline(
    events: list[StoredEvent],
    letters: list[Letter] | None = None,
    withdrawn: Collection[int | None] = (),
) -> list[TimelineEntry | TimelineLetter]:
    """Events and letters together, newest first: events in the reverse of processing
    order, each letter where it was made (a ready letter when it was rendered, a waiting
    one when it was queued), above the event it was made with."""
    keyed: list[tuple[tuple[datetime, int, int, int], TimelineEntry | TimelineLetter]] = []
    sequence_of = {row.id: row.sequence for row in events}
    made_at = {row.id: row.recorded_at for row in events}
    for row in events:
        kinds = {f.name: f for f in fields_for(row.type)}
        details = [
            (kinds[name].label.removesuffix(" (optional)"), _shown(kinds[name].kind, value))
            for name, value in row.fields.items()
            if name in kinds
        ]
        entry = TimelineEntry(
            event=row,
            label=EVENT_LABELS.get(row.type, row.type),
            details=details,
            recorded_later=row.recorded_at.astimezone(LONDON).date() > row.date,
        )
        keyed.append(((row.recorded_at, row.sequence, 0, 0), entry))
    for letter in letters or []:
        spec = CATALOGUE.get(letter.type)
        item = TimelineLetter(
            letter=letter,
            title=spec.title if spec else letter.type,
            withdrawn=letter.id in withdrawn,
            needs=", ".join(detail_name(m) for m in letter.missing or []),
        )
        when = letter.rendered_at or letter.created_at
        event_at = made_at.get(letter.event_id)
        if event_at is not None and not any(event_at < r.recorded_at <= when for r in events):
            # Made with its event (recorded, or imported in one go with the case's other
            # events, a moment later): right above that event.
            keyed.append(((event_at, sequence_of[letter.event_id], 1, letter.id or 0), item))
            continue
        # Made later (completed after other events were recorded): where it was made.
        after = max((r.sequence for r in events if r.recorded_at <= when), default=0)
        keyed.append(((when, after, 1, letter.id or 0), item))
    keyed.sort(key=lambda pair: pair[0], reverse=True)
    return [item for _key, item in keyed]


def _shown(kind: str, value: Any) -> str:
    if kind == "date":
        return govuk_date(date.fromisoformat(str(value)))
    return choice_label(str(value)) if kind == "select" else str(value)


def _banner(request: Request, view: CaseView) -> str | None:
    """The success message after a change, named by the query the change redirected to."""
    recorded = request.query_params.get("recorded", "")
    if recorded.isdigit():
        for row in view.events:
            if row.sequence == int(recorded):
                label = EVENT_LABELS.get(row.type, row.type)
                return f"{label} recorded on {govuk_date(row.date)}"
    corrected = request.query_params.get("corrected", "")
    if corrected.isdigit():
        for row in view.events:
            if row.sequence == int(corrected):
                label = EVENT_LABELS.get(row.type, row.type)
                return f"{label} corrected: it now happened on {govuk_date(row.date)}"
    voided = request.query_params.get("voided", "")
    if voided.isdigit():
        for c in view.corrections:
            if c.sequence == int(voided):
                label = EVENT_LABELS.get(c.type, c.type)
                return f"{label} on {govuk_date(c.date)} voided"
    if "letters_made" in request.query_params:
        if request.query_params.get("details") == "1":
            return "Details updated"
        ids = [x for x in request.query_params["letters_made"].split(",") if x.isdigit()]
        return "Letters made" if len(ids) > 1 else "Letter made" if ids else "Details saved"
    made = request.query_params.get("correction_letter", "")
    if made.isdigit():
        return f"Correction letter {made} made"
    again = request.query_params.get("sent_again", "")
    if again.isdigit():
        return f"Letter {again} queued to be sent again"
    if request.query_params.get("details") == "1":
        return "Details updated"
    if request.query_params.get("reassigned") == "1":
        who = view.case.officer or "no officer"
        return f"Case moved to the {view.case.team} team ({who})"
    return None


def _banner_note(
    request: Request, view: CaseView, letters: list[Letter], withdrawn: dict[Any, Any]
) -> str | None:
    """What the success banner of a correction adds (else the page's own words); after
    details were saved, exactly which letters were made and which still wait, for what;
    and, for a letter dated after its event, that its family dates count from its date."""
    query = request.query_params
    if "letters_made" in query:
        ids = {int(x) for x in query.get("letters_made", "").split(",") if x.isdigit()}
        waiting = [x for x in letters if x.status == AWAITING and x.id not in withdrawn]
        made = [x for x in letters if x.id in ids]
        return " ".join([letters_banner(made, waiting), *filter(None, map(dated_later, made))])
    recorded = query.get("recorded", "")
    if recorded.isdigit():
        event_ids = {row.id for row in view.events if row.sequence == int(recorded)}
        notes = [dated_later(x) for x in letters if x.event_id in event_ids]
        if any(notes):
            return "The deadlines and letters below include it. " + " ".join(filter(None, notes))
    if query.get("corrected") or query.get("voided"):
        return "The deadlines, windows and letters below follow the corrected history."
    if query.get("correction_letter"):
        return "It is in the letters below."
    if query.get("sent_again"):
        return "The scheduler sends it through GOV.UK Notify at its next run."
    return None


# What a letter's family date is counted from, as the officer is told it.
_COUNTED = {
    **dict.fromkeys(APPEAL_NOTICES, ("the decision", "the appeal date")),
    "final_plan_cover": ("the plan was issued", "the appeal date"),
    "amended_plan": ("the plan was issued", "the appeal date"),
    **dict.fromkeys(SERVED_NOTICES, ("it was served", "the date to reply by")),
}


def dated_later(letter: Letter) -> str | None:
    """For a made letter dated after the day its family dates were counted from: so."""
    if letter.status != READY or letter.letter_date is None or letter.type not in _COUNTED:
        return None
    name = {**APPEAL_NOTICES, **SERVED_NOTICES}[letter.type]
    start = letter.context.get(name)
    if not start:
        return None
    began = date.fromisoformat(str(start))
    days = (letter.letter_date - began).days
    if days <= 0:
        return None
    what, fact = _COUNTED[letter.type]
    return (
        f"This letter is dated {govuk_date(letter.letter_date)}, {days} day"
        f"{'' if days == 1 else 's'} after {what} on {govuk_date(began)}: {fact} in it "
        "is counted from the letter's date."
    )


def letters_banner(made: list[Letter], waiting: list[Letter]) -> str:
    """Which letters were made, and which still wait and for what."""

    def name(letter: Letter) -> str:
        spec = CATALOGUE.get(letter.type)
        copy = " (the parent's copy)" if letter.is_copy else ""
        return f"“{spec.title if spec else letter.type}”{copy}"

    if made:
        said = f"Letters made: {', '.join(name(x) for x in made)}."
    else:
        said = "No letter was made."
    if waiting:
        still = "; ".join(
            f"{name(x)} needs {', '.join(detail_name(m) for m in (x.missing or []))}"
            for x in waiting
        )
        return f"{said} Still waiting: {still}."
    return f"{said} No letter is waiting for details."


def _letter_subject(letter: Letter) -> str | None:
    """What an advice letter is about ("psychological advice, EP-1"), to tell two apart.

    A ready letter's context holds the advice at its top; a waiting one, in its facts.
    """
    facts = letter.context.get("facts") or {}
    advice = letter.context.get("advice") or facts.get("advice")
    if not advice:
        return None
    ref = letter.context.get("advice_ref") or facts.get("advice_ref")
    subject = f"{choice_label(str(advice)).lower()} advice"
    return f"{subject}, {ref}" if ref else subject


@dataclass(frozen=True)
class StepRow:
    """A step of "What happens next" and the link that records it, when the case can."""

    step: NextStep
    record_label: str | None  # the event's plain name
    record_href: str | None


def _next_steps(view: CaseView) -> list[StepRow]:
    """The open steps soonest first; a step links to its event's form only when the case
    can take that event now (else the form would refuse it)."""
    can_take = set(accepts(view.case.state))
    rows = []
    for step in next_steps(view.evaluation, view.evaluation.as_of):
        event = step.event
        if event is not None and event.value in can_take:
            href = f"{case_path(view.case.reference)}/events/new?type={event.value}"
            rows.append(StepRow(step, EVENT_NAMES[event], href))
        else:
            rows.append(StepRow(step, None, None))
    return rows


@dataclass(frozen=True)
class CorrectionEntry:
    """One void on the case as the Corrections section shows it."""

    label: str
    correction: Correction
    replacement: StoredEvent | None  # the corrected event, if it still stands


def _corrections(view: CaseView) -> list[CorrectionEntry]:
    """Newest first, as the timeline."""
    by_sequence = {row.sequence: row for row in view.events}
    return [
        CorrectionEntry(
            EVENT_LABELS.get(c.type, c.type),
            c,
            by_sequence.get(c.replaced_by) if c.replaced_by else None,
        )
        for c in reversed(view.corrections)
    ]


def case_page(
    request: Request,
    session: Session,
    who: auth.Principal,
    ref: str,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    view = read_case(request, session, who, ref)
    record_read(request, who, view.case.id, "case page")  # the read audit (issue 23)
    ctx = context(request)
    today = ctx.today()
    people = letter_store.people_of(session, view.case)
    letters = letter_service.list_letters(session=session, case_ref=view.case.reference)
    withdrawn = {
        w.letter.id: w
        for w in letter_service.withdrawn_letters(session=session, case_ref=view.case.reference)
    }
    corrected_by = letter_service.correction_letters(session=session, case_ref=view.case.reference)
    dispatches = dispatch_store.for_case(session=session, case_id=view.case.id or 0)
    windows = [
        (
            WINDOW_LABELS.get(w.kind, w.kind),
            w,
            "open" if w.opens <= today <= w.closes else "closed",
        )
        for w in view.evaluation.windows
    ]
    return render(
        request,
        "case.html",
        status_code=status_code,
        view=view,
        case=view.case,
        child_name=people.get("child_name"),
        setting=people.get("setting"),
        next_steps=_next_steps(view),
        deadlines=view.evaluation.deadlines,
        windows=windows,
        timeline=_timeline(view.events, letters, withdrawn),
        letters=letters,
        letter_subjects={letter.id: _letter_subject(letter) for letter in letters},
        letter_needs={x.id: ", ".join(detail_name(m) for m in x.missing or []) for x in letters},
        letter_titles={t: spec.title for t, spec in CATALOGUE.items()},
        withdrawn=withdrawn,
        gone_out=[w for w in withdrawn.values() if letter_service.needs_correction_letter(w)],
        corrected_by=corrected_by,
        dispatches=dispatches,
        corrections=_corrections(view),
        replacements={c.replaced_by for c in view.corrections if c.replaced_by},
        can_record=bool(accepts(view.case.state)),
        banner=_banner(request, view),
        banner_note=_banner_note(request, view, letters, withdrawn),
        today=today,
        **_move_choices(session, who, view),
        **extra,
    )


def _move_choices(session: Session, who: auth.Principal, view: CaseView) -> dict[str, Any]:
    """For a manager's "Move this case": the council's teams and the active officers,
    with the case's own chosen (officers by email, which no two accounts share)."""
    if who.user.role != "manager":
        return {}
    holders = teams.holder_choices(session)
    current = next((email for email, name, _team in holders if name == view.case.officer), "")
    return {
        "move_teams": [(t, t) for t in teams.team_names(session)],
        "move_officers": [
            (email, f"{name} ({team})" if team else name) for email, name, team in holders
        ],
        "move_officer": current,
    }


# -- the case page --------------------------------------------------------------------


@router.get("/cases/{ref:path}")
def case(request: Request, ref: str, session: Db, who: Casework) -> Response:
    return case_page(request, session, who, ref)
