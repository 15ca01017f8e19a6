"""`ehc letters list|show|complete|preview|send-again`: a case's statutory letters."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from cli.common import fail, user_errors
from cli.context import config, default_actor, session_scope
from letters import service as letter_service
from letters.catalogue import CATALOGUE
from letters.config import load_council
from letters.models import READY
from letters.render import html_to_text, render_html, render_pdf
from letters.samples import sample_context
from workflow import read_audit
from workflow.clock import system_clock

app = typer.Typer(help="A case's statutory letters.", no_args_is_help=True)

FORMATS = ("html", "pdf", "text")


def _write(content: str | bytes, output: Path | None, fmt: str) -> None:
    if output is None:
        if isinstance(content, bytes):
            fail("A PDF needs --output FILE")
        typer.echo(content, nl=False)
        return
    if isinstance(content, bytes):
        output.write_bytes(content)
    else:
        output.write_text(content, encoding="utf-8")
    typer.echo(f"Wrote {fmt} to {output}", err=True)


@app.command("list")
def list_letters(
    case: str = typer.Option(..., "--case", help="The case reference"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List a case's letters: ready, awaiting details (named), or withdrawn (event voided)."""
    cfg = config()
    with user_errors(), session_scope(cfg) as session:
        docs = letter_service.list_letter_docs(session=session, case_ref=case)
    if as_json:
        typer.echo(json.dumps(docs, indent=1))
        return
    if not docs:
        typer.echo(f"Case {case} has no letters")
        return
    for d in docs:
        to = d["recipient"] + (" (copy)" if d["copy"] else "")
        status = d["status"]
        if d["missing"]:
            status += ": needs " + ", ".join(d["missing"])
        typer.echo(f"{d['id']:>6}  {d['type']:28} {to:20} {status}")


@app.command("show")
def show(
    letter_id: int = typer.Argument(..., help="The letter's id (from `ehc letters list`)"),
    fmt: str = typer.Option("text", "--format", help="html, pdf or text"),
    output: Path | None = typer.Option(None, "--output", help="File to write"),
    actor: str | None = typer.Option(None, "--actor", help="Who takes the copy (recorded)"),
) -> None:
    """Write a stored letter as HTML, PDF or plain text (the email body).

    Each copy is recorded (who, when): if the letter is later withdrawn, the case page
    says it may have reached its reader. It is also a read of the case (the read audit)."""
    cfg = config()
    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}")
    with user_errors(), session_scope(cfg) as session:
        letter = letter_service.get_letter(session=session, letter_id=letter_id)
        if letter.status != READY:
            fail(
                f"Letter {letter_id} is awaiting details: {', '.join(letter.missing or [])}. "
                "Add them with `ehc case update` or `ehc letters complete`"
            )
        content: str | bytes | None
        if fmt == "pdf":
            if output is None:
                fail("A PDF needs --output FILE")
            content = letter_service.letter_pdf(session=session, letter_id=letter_id)
        else:
            content = {"html": letter.html, "text": letter.text}[fmt]
        assert content is not None
        reader, now = actor or default_actor(cfg), system_clock()
        letter_service.record_download(
            session=session, letter_id=letter_id, actor=reader, how="cli", clock=lambda: now
        )
        # The read audit (issue 23), as the web records a download: one read a copy.
        read_audit.record_read_now(
            session,
            letter.case_id,
            reader=reader,
            at=now,
            what=f"letter {letter_id} ({fmt.upper()})",
        )
        session.commit()
    _write(content, output, fmt)


@app.command("complete")
def complete(
    letter_id: int = typer.Argument(..., help="The letter's id"),
    assignments: list[str] = typer.Option([], "--set", help="reasons=... or will_assess=yes|no"),
    actor: str | None = typer.Option(None, "--actor"),
) -> None:
    """Add a detail of the letter itself (the reasons for a decision) to a waiting letter."""
    from cli.cases import parse_assignments

    cfg = config()
    with user_errors(), session_scope(cfg) as session:
        letter = letter_service.complete_letter(
            session=session,
            letter_id=letter_id,
            details=parse_assignments(assignments),
            actor=actor or default_actor(cfg),
            clock=system_clock,
            council=load_council(cfg),
        )
    if letter.status == READY:
        typer.echo(f"Letter {letter_id} is ready")
    else:
        typer.echo(f"Letter {letter_id} still needs: {', '.join(letter.missing or [])}")


@app.command("send-again")
def send_again(
    letter_id: int = typer.Argument(..., help="The letter's id (from `ehc letters list`)"),
    actor: str | None = typer.Option(None, "--actor", help="Who asks for it (audited)"),
) -> None:
    """Queue a letter GOV.UK Notify could not send or deliver to go again, once the cause
    is fixed (for example the family's email address, with `ehc case update`). The
    scheduler's next run sends it."""
    from letters.dispatch import store as dispatch_store

    cfg = config()
    with user_errors(), session_scope(cfg) as session:
        dispatch = dispatch_store.send_again(
            session=session,
            letter_id=letter_id,
            actor=actor or default_actor(cfg),
            clock=system_clock,
        )
        session.commit()
        how = "by email" if dispatch.channel == "email" else "by post"
    typer.echo(f"Letter {letter_id} is queued to be sent again {how} through GOV.UK Notify")


@app.command("preview")
def preview(
    letter_type: str = typer.Argument(..., help="A letter type, or 'all' to list them"),
    fmt: str = typer.Option("html", "--format", help="html, pdf or text"),
    output: Path | None = typer.Option(None, "--output", help="File to write"),
    large_print: bool = typer.Option(False, "--large-print"),
    young_person: bool = typer.Option(False, "--young-person", help="As sent to a young person"),
) -> None:
    """Render a sample letter, with invented people, for the council to review."""
    if letter_type == "all" or letter_type not in CATALOGUE:
        if letter_type != "all":
            typer.echo(f"There is no letter {letter_type}. The letters are:", err=True)
        for spec in CATALOGUE.values():
            typer.echo(f"{spec.type:28} {spec.audience:8} {spec.title}")
        if letter_type != "all":
            raise typer.Exit(2)
        return
    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}")
    people: dict[str, object] = {"large_print": large_print}
    if young_person:
        people.update(
            child_name="Alex Sample",
            young_person_address="Flat 2, 5 Station Road\nExampletown\nEX1 3CD",
        )
    with user_errors():
        context = sample_context(letter_type, council=load_council(config()), people=people)
    html = render_html(CATALOGUE[letter_type], context)
    content: str | bytes = {"html": html, "text": html_to_text(html)}.get(fmt) or render_pdf(html)
    _write(content, output, fmt)
