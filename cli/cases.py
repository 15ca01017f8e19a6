"""`ehc case record`, `update`, `void`, `correct` and `show`."""

from __future__ import annotations

import json
from typing import Any

import typer

import bootstrap
from cli.common import fail, parse_day, today, user_errors
from cli.context import config, default_actor, session_scope
from workflow import read_audit, service
from workflow.clock import system_clock
from workflow.law.calendar import govuk_date
from workflow.law.machine import quoted, state_name
from workflow.law.next_steps import NextStep, next_steps
from workflow.service import CaseView

app = typer.Typer(help="Record events on a case and look at it.", no_args_is_help=True)


def parse_assignments(values: list[str], what: str = "--set") -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            fail(f"{what} takes field=value (got {item!r})")
        out[name.strip()] = value
    return out


@app.command("record")
def record(
    reference: str = typer.Argument(..., help="The case reference"),
    event_type: str = typer.Argument(..., help="The event type, for example request_received"),
    on: str = typer.Option(..., "--date", help="When it happened, YYYY-MM-DD"),
    assignments: list[str] = typer.Option([], "--set", help="field=value, repeatable"),
    note: str | None = typer.Option(None, "--note"),
    team: str | None = typer.Option(None, "--team", help="Assign the case to a team"),
    officer: str | None = typer.Option(None, "--officer", help="Assign the case officer"),
    expect_version: int | None = typer.Option(
        None, "--expect-version", help="Refuse if the case has changed since this version"
    ),
    actor: str | None = typer.Option(None, "--actor", help="Who is recording (default: you)"),
) -> None:
    """Record one event on a case; the first event opens the case."""
    cfg = config()
    raw: dict[str, Any] = {"type": event_type, "date": on, **parse_assignments(assignments)}
    if note:
        raw["note"] = note
    case_fields = {k: v for k, v in (("team", team), ("officer", officer)) if v}
    with user_errors(), session_scope(cfg) as session:
        result = service.record_event(
            projections=bootstrap.projections(cfg),
            session=session,
            case_ref=reference,
            event=raw,
            actor=actor or default_actor(cfg),
            clock=system_clock,
            expected_version=expect_version,
            settings=cfg.clock_settings(),
            working_days=cfg.working_days,
            case_fields=case_fields,
        )
    typer.echo(
        f"Recorded {quoted(result.event.type)} on {govuk_date(result.event.date)} for case "
        f"{result.case.reference}: "
        f"it is now {state_name(result.case.state)} (version {result.case.version})"
    )
    for warning in result.evaluation.warnings:
        typer.echo(f"Warning: {warning}")


@app.command("update")
def update(
    reference: str = typer.Argument(..., help="The case reference (a new one opens the case)"),
    assignments: list[str] = typer.Option(
        [],
        "--set",
        help="field=value, repeatable: child_name, date_of_birth, setting, parent_name, "
        "parent_address, parent_email, young_person_address, young_person_email, "
        "communication (post|email), large_print (true|false), parent_copy (true|false)",
    ),
    expect_version: int | None = typer.Option(
        None, "--expect-version", help="Refuse if the case has changed since this version"
    ),
    actor: str | None = typer.Option(None, "--actor", help="Who is recording (default: you)"),
) -> None:
    """Set the people on a case; letters waiting for these details are written now."""
    cfg = config()
    details = parse_assignments(assignments)
    if not details:
        fail("Enter at least one --set field=value")
    with user_errors(), session_scope(cfg) as session:
        case = service.update_case(
            projections=bootstrap.projections(cfg),
            session=session,
            case_ref=reference,
            details=details,
            actor=actor or default_actor(cfg),
            clock=system_clock,
            expected_version=expect_version,
        )
    # Field names only: never a name, an address or a date of birth on the terminal log.
    typer.echo(
        f"Updated {', '.join(sorted(details))} for case {case.reference} (version {case.version})"
    )


_REASON_HELP = "Why (required): kept with the case's history"


@app.command("void")
def void(
    reference: str = typer.Argument(..., help="The case reference"),
    sequence: int = typer.Argument(..., help="The event's number (`ehc case show`)"),
    reason: str = typer.Option(..., "--reason", help=_REASON_HELP),
    expect_version: int | None = typer.Option(
        None, "--expect-version", help="Refuse if the case has changed since this version"
    ),
    actor: str | None = typer.Option(None, "--actor", help="Who is voiding (default: you)"),
) -> None:
    """Void a recorded event: it stays in the history, marked voided, and no longer counts."""
    cfg = config()
    with user_errors(), session_scope(cfg) as session:
        result = service.void_event(
            projections=bootstrap.projections(cfg),
            session=session,
            case_ref=reference,
            sequence=sequence,
            reason=reason,
            actor=actor or default_actor(cfg),
            clock=system_clock,
            expected_version=expect_version,
            settings=cfg.clock_settings(),
            working_days=cfg.working_days,
        )
    typer.echo(
        f"Voided event {sequence} ({quoted(result.voided.type)} on "
        f"{govuk_date(result.voided.date)}) of case {result.case.reference}: "
        f"it is now {state_name(result.case.state)} "
        f"(version {result.case.version})"
    )


@app.command("correct")
def correct(
    reference: str = typer.Argument(..., help="The case reference"),
    sequence: int = typer.Argument(..., help="The event's number (`ehc case show`)"),
    on: str | None = typer.Option(None, "--date", help="The right date, YYYY-MM-DD"),
    assignments: list[str] = typer.Option(
        [], "--set", help="field=value, repeatable; field= clears an optional field"
    ),
    reason: str = typer.Option(..., "--reason", help=_REASON_HELP),
    expect_version: int | None = typer.Option(
        None, "--expect-version", help="Refuse if the case has changed since this version"
    ),
    actor: str | None = typer.Option(None, "--actor", help="Who is correcting (default: you)"),
) -> None:
    """Correct a recorded event's date or fields: the event is voided and the corrected
    one recorded in its place, in one change."""
    cfg = config()
    fields = parse_assignments(assignments)
    if on is None and not fields:
        fail("Enter the right --date or at least one --set field=value")
    with user_errors(), session_scope(cfg) as session:
        result = service.correct_event(
            projections=bootstrap.projections(cfg),
            session=session,
            case_ref=reference,
            sequence=sequence,
            date=on,
            fields=fields,
            reason=reason,
            actor=actor or default_actor(cfg),
            clock=system_clock,
            expected_version=expect_version,
            settings=cfg.clock_settings(),
            working_days=cfg.working_days,
        )
    assert result.replacement is not None
    typer.echo(
        f"Corrected event {sequence} of case {result.case.reference}: recorded as event "
        f"{result.replacement.sequence} ({quoted(result.replacement.type)} on "
        f"{govuk_date(result.replacement.date)}); it is now {state_name(result.case.state)} "
        f"(version {result.case.version})"
    )
    for warning in result.evaluation.warnings:
        typer.echo(f"Warning: {warning}")


def case_json(view: CaseView) -> dict[str, Any]:
    case = view.case
    return {
        "case": case.reference,
        "state": case.state,
        "version": case.version,
        "team": case.team,
        "officer": case.officer,
        "date_of_birth": case.date_of_birth.isoformat() if case.date_of_birth else None,
        "as_of": view.evaluation.as_of.isoformat(),
        "events": [
            {
                "sequence": e.sequence,
                "type": e.type,
                "date": e.date.isoformat(),
                **e.fields,
                "note": e.note,
                "recorded_at": e.recorded_at.isoformat(),
                "recorded_by": e.recorded_by,
            }
            for e in view.events
        ],
        "corrections": [c.to_json() for c in view.corrections],
        "next_steps": [s.to_json() for s in steps_of(view)],
        "deadlines": [d.to_json() for d in view.evaluation.deadlines],
        "windows": [w.to_json() for w in view.evaluation.windows],
        "warnings": view.warnings,
        # Spec 5a: the structured warnings, exactly as `ehc deadlines --json` has `warnings`.
        "law_warnings": [w.to_json() for w in view.evaluation.law_warnings],
    }


def steps_of(view: CaseView) -> list[NextStep]:
    return next_steps(view.evaluation, view.evaluation.as_of)


def step_line(step: NextStep) -> str:
    """One step as `ehc case show` prints it: due, days left or overdue, who, what."""
    days = abs(step.days_left)
    when = (
        f"{days} day{'s' if days != 1 else ''} overdue"
        if step.overdue
        else f"{days} day{'s' if days != 1 else ''} left"
    )
    chase = f"; chase on {step.chase_on.isoformat()}" if step.chase_on else ""
    record = f" [{step.event.value}]" if step.event else ""
    return f"  by {step.due.isoformat()}  {when:18} {step.who}: {step.label}{record}{chase}"


@app.command("show")
def show(
    reference: str = typer.Argument(..., help="The case reference"),
    as_json: bool = typer.Option(False, "--json"),
    as_of: str | None = typer.Option(None, "--as-of", help="YYYY-MM-DD; default today"),
) -> None:
    """Show a case: its state, details, events in date order, deadlines and windows."""
    cfg = config()
    day = parse_day(as_of, "--as-of") or today()
    with user_errors(), session_scope(cfg) as session:
        view = service.get_case(
            session=session,
            case_ref=reference,
            as_of=day,
            settings=cfg.clock_settings(),
            working_days=cfg.working_days,
        )
        assert view.case.id is not None
        # The read audit (issue 23): both forms show the case's personal data (the JSON
        # its child's date of birth). Written before anything is printed.
        what = "case (ehc case show --json)" if as_json else "case (ehc case show)"
        read_audit.record_read_now(
            session, view.case.id, reader=default_actor(cfg), at=system_clock(), what=what
        )
        session.commit()
    doc = case_json(view)
    if as_json:
        typer.echo(json.dumps(doc, indent=1, default=str))
        return
    typer.echo(f"Case {doc['case']} is {state_name(doc['state'])} (version {doc['version']})")
    typer.echo(f"  Team: {doc['team'] or '-'}    Case officer: {doc['officer'] or '-'}")
    steps = steps_of(view)
    typer.echo(f"\nWhat happens next (as of {doc['as_of']}):")
    for step in steps:
        typer.echo(step_line(step))
    if not steps:
        typer.echo("  Nothing is due: the case has no open statutory step.")
    typer.echo(f"\nEvents ({len(doc['events'])}):")
    for e in view.events:
        details = ", ".join(f"{k}={v}" for k, v in e.fields.items())
        typer.echo(f"  {e.sequence:>3}  {e.date.isoformat()}  {e.type:30} {details}")
    if view.corrections:
        typer.echo(f"\nVoided events ({len(view.corrections)}):")
        for c in view.corrections:
            replaced = f", replaced by event {c.replaced_by}" if c.replaced_by else ""
            typer.echo(
                f"  {c.sequence:>3}  {c.date.isoformat()}  {c.type:30} voided by {c.voided_by} "
                f"on {c.voided_at.date().isoformat()}{replaced}"
            )
        # The reasons are free text that may name people: --json has them, not the log.
    typer.echo(f"\nDeadlines as of {doc['as_of']}:")
    for d in view.evaluation.deadlines:
        what = d.kind + (f" ({d.advice})" if d.advice else "") + (f" [{d.ref}]" if d.ref else "")
        late = f", {d.days_late} days late" if d.days_late is not None else ""
        exc = f", exception: {d.exception}" if d.exception else ""
        breach = "  BREACH" if d.breach else ""
        typer.echo(f"  due {d.due.isoformat()}  {what:38} {d.status}{late}{exc}{breach}")
    if view.evaluation.windows:
        typer.echo("\nWindows:")
        for w in view.evaluation.windows:
            typer.echo(f"  {w.kind:28} {w.opens.isoformat()} to {w.closes.isoformat()}")
    for warning in view.warnings:
        typer.echo(f"\nWarning: {warning}")
