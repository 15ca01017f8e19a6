"""The composition root: the parts the edges (cli, web) build once and hand down.

The service never imports the layers above it; what they derive from a case's changes
reaches it as projections built here. May import `scheduler`, `letters` and
`workflow`; only the edges (`cli`, `web`) import it.
"""

from __future__ import annotations

from dataclasses import dataclass

from letters.config import load_council
from letters.dispatch.projection import DispatchProjection
from letters.projection import LetterProjection
from scheduler.gov_notify import NotifySettings
from workflow.config import Config
from workflow.projection import Projection


def projections(config: Config) -> tuple[Projection, ...]:
    """What every change to a case derives above `workflow`: its letters, with the council's
    details from `config`; with GOV.UK Notify configured, letters to families are also
    queued to be sent (`letters.dispatch`)."""
    council = load_council(config)
    if NotifySettings.from_config(config) is not None:
        return (DispatchProjection(council),)
    return (LetterProjection(council),)


@dataclass(frozen=True)
class DeliveryMode:
    """How letters and officer alerts leave the engine, for the admin page to state."""

    notify: bool = False  # letters to families and alerts sent through GOV.UK Notify
    smtp_host: str | None = None  # without Notify: alerts by SMTP through this, or the log
    postage: str | None = None
    poll_minutes: int = 5

    @property
    def letters(self) -> str:
        if self.notify:
            return (
                "Sent to families through GOV.UK Notify: by email with the PDF as a file "
                f"link, or by {self.postage} class post, as each family prefers"
            )
        return "Downloaded and sent by hand: no GOV.UK Notify API key is set"

    @property
    def alerts(self) -> str:
        if self.notify:
            return "Emailed through GOV.UK Notify"
        if self.smtp_host:
            return f"Emailed through the SMTP server {self.smtp_host}"
        return "Written to the log: no email is configured"


def delivery_mode(config: Config) -> DeliveryMode:
    notify = NotifySettings.from_config(config)
    return DeliveryMode(
        notify=notify is not None,
        smtp_host=config.smtp_host,
        postage=notify.postage if notify else None,
        poll_minutes=config.notify_poll_minutes,
    )
