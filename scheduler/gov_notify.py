"""GOV.UK Notify: the client the engine sends with, and officer alerts sent through it.

`notifications-python-client` (Notify's own) signs each request with a JWT made from the
API key (HS256 with the key's secret part; `iss` = the service id in the key, `iat` =
now) and raises `HTTPError` with Notify's status code and error body on a refusal. Here
each refusal becomes a `NotifyError` that says whether trying again later can help:

- 429 (a rate or daily limit), 5xx and no answer at all: yes, later (`retry`);
- 401 and 403 (a bad, revoked or test-only key, a service in trial mode): later, once
  the key is mended; the send job stops at the first (`stop`), as every letter would fail;
- any other 4xx (400: Notify's validation of the request): no; the letter fails with
  Notify's message.

Nothing logged here holds an address, a name or a letter's text: only ids, references,
status codes and Notify's error names.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from scheduler.notify import Sender, make_sender
from workflow.config import Config
from workflow.errors import InvalidInput

log = logging.getLogger("ehc.notify")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
STOP_STATUSES = frozenset({401, 403})
# A Notify API key: "{key name}-{service id}-{secret}", both ids UUIDs.
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
API_KEY = re.compile(rf".+-{_UUID}-{_UUID}$", re.IGNORECASE)
TEMPLATE_ID = re.compile(rf"^{_UUID}$", re.IGNORECASE)


class NotifyError(Exception):
    """Notify refused a request, or could not be reached."""

    def __init__(self, status_code: int, errors: Sequence[tuple[str, str]]) -> None:
        self.status_code = status_code
        self.errors = tuple(errors)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """Notify's words: "400 BadRequestError: Can't send to this recipient ..."."""
        said = "; ".join(f"{name}: {text}" for name, text in self.errors) or "no answer"
        return f"{self.status_code} {said}"

    @property
    def names(self) -> str:
        """Notify's error names only, for a log line (its messages may quote the request)."""
        return ", ".join(name for name, _ in self.errors) or "no answer"

    @property
    def retry(self) -> bool:
        """Worth trying again later. An answer that is not an error but could not be read
        counts too: the letter may have gone, and the next try asks Notify first."""
        code = self.status_code
        return code in RETRY_STATUSES or code in STOP_STATUSES or code < 400

    @property
    def stop(self) -> bool:
        return self.status_code in STOP_STATUSES


def _errors(raw: Any) -> list[tuple[str, str]]:
    """Notify's error body {"status_code": 400, "errors": [{"error": ..., "message": ...}]}
    as (error, message) pairs; the client gives `errors` (or a `message`) from it."""
    if isinstance(raw, list):
        return [
            (str(e.get("error", "Error")), str(e.get("message", "")))
            for e in raw
            if isinstance(e, Mapping)
        ]
    if isinstance(raw, str):
        return [("Error", raw)]
    return []


@dataclass(frozen=True)
class NotifySettings:
    """What the engine needs to send through Notify, read from the configuration."""

    api_key: str
    base_url: str
    alert_template_id: str
    letter_template_id: str
    postage: str

    def __repr__(self) -> str:  # never the key
        return f"NotifySettings(base_url={self.base_url!r}, postage={self.postage!r})"

    @classmethod
    def from_config(cls, config: Config) -> NotifySettings | None:
        """None without EHC_NOTIFY_API_KEY; a key without its templates is refused."""
        if config.notify_api_key is None:
            return None
        key = config.notify_api_key.get_secret_value().strip()
        if not API_KEY.match(key):
            raise InvalidInput(
                "EHC_NOTIFY_API_KEY: enter the whole API key from GOV.UK Notify "
                "(its name, then the service id and the secret key)",
                field="EHC_NOTIFY_API_KEY",
            )
        ids = {
            "EHC_NOTIFY_ALERT_TEMPLATE_ID": config.notify_alert_template_id,
            "EHC_NOTIFY_LETTER_TEMPLATE_ID": config.notify_letter_template_id,
        }
        for name, value in ids.items():
            if not value or not TEMPLATE_ID.match(value.strip()):
                raise InvalidInput(
                    f"{name}: enter the id of the Notify email template to use "
                    "(with EHC_NOTIFY_API_KEY set, both templates are needed)",
                    field=name,
                )
        return cls(
            api_key=key,
            base_url=config.notify_base_url.rstrip("/"),
            alert_template_id=str(config.notify_alert_template_id).strip(),
            letter_template_id=str(config.notify_letter_template_id).strip(),
            postage=config.notify_postage,
        )


class Notify(Protocol):
    """The Notify calls the engine makes (`NotifyClient`; the tests' server answers them)."""

    def send_email(
        self,
        *,
        email_address: str,
        template_id: str,
        personalisation: Mapping[str, Any],
        reference: str,
    ) -> Mapping[str, Any]: ...

    def send_precompiled_letter(
        self, *, reference: str, pdf: bytes, postage: str
    ) -> Mapping[str, Any]: ...

    def get_notification(self, notification_id: str) -> Mapping[str, Any]: ...

    def find_by_reference(self, reference: str) -> Mapping[str, Any] | None: ...


class NotifyClient:
    """Notify's Python client, typed, with its refusals as `NotifyError`."""

    def __init__(self, settings: NotifySettings, timeout: float = 30) -> None:
        from notifications_python_client.notifications import NotificationsAPIClient

        self._client: Any = NotificationsAPIClient(  # type: ignore[no-untyped-call]
            settings.api_key, base_url=settings.base_url, timeout=timeout
        )

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        from notifications_python_client.errors import APIError

        try:
            return getattr(self._client, method)(*args, **kwargs)
        except APIError as e:
            raise NotifyError(e.status_code, _errors(e.message)) from None

    def send_email(
        self,
        *,
        email_address: str,
        template_id: str,
        personalisation: Mapping[str, Any],
        reference: str,
    ) -> Mapping[str, Any]:
        result: Mapping[str, Any] = self._call(
            "send_email_notification",
            email_address=email_address,
            template_id=template_id,
            personalisation=dict(personalisation),
            reference=reference,
        )
        return result

    def send_precompiled_letter(
        self, *, reference: str, pdf: bytes, postage: str
    ) -> Mapping[str, Any]:
        result: Mapping[str, Any] = self._call(
            "send_precompiled_letter_notification",
            reference=reference,
            pdf_file=io.BytesIO(pdf),
            postage=postage,
        )
        return result

    def get_notification(self, notification_id: str) -> Mapping[str, Any]:
        result: Mapping[str, Any] = self._call("get_notification_by_id", notification_id)
        return result

    def find_by_reference(self, reference: str) -> Mapping[str, Any] | None:
        """The notification sent with this reference, if Notify has one (the newest)."""
        found = self._call("get_all_notifications", reference=reference)
        notifications = found.get("notifications") or []
        return notifications[0] if notifications else None


def file_link(pdf: bytes, filename: str) -> dict[str, Any]:
    """A PDF to send with an email as a link (Notify's `prepare_upload`): the family
    confirm their email address before it downloads. At most 2 MB (ValueError)."""
    from notifications_python_client.utils import prepare_upload

    link: dict[str, Any] = prepare_upload(  # type: ignore[no-untyped-call]
        io.BytesIO(pdf), filename=filename, confirm_email_before_download=True
    )
    return link


# -- officer alerts ---------------------------------------------------------------------


class MessageRefused(Exception):
    """Notify refused this one message (its address or content): not retried as it is."""


class NotifyUnavailable(OSError):
    """Notify cannot be used now (down, rate-limited, the key refused): stop the run; the
    next sweep tries again. An OSError, as a broken SMTP connection is."""


class NotifySender:
    """Officer and admin alerts as emails from the Notify alert template, with the
    alert's subject and body as its ((subject)) and ((body)). Implements
    `scheduler.notify.Sender`; an alert with no address goes to the log, as with SMTP."""

    def __init__(self, notify: Notify, template_id: str) -> None:
        self.notify = notify
        self.template_id = template_id

    def _email(self, *, to: str, subject: str, body: str, reference: str) -> None:
        try:
            self.notify.send_email(
                email_address=to,
                template_id=self.template_id,
                personalisation={"subject": subject, "body": body},
                reference=reference,
            )
        except NotifyError as e:
            if e.retry:
                raise NotifyUnavailable(f"GOV.UK Notify: {e.status_code} {e.names}") from None
            raise MessageRefused(f"GOV.UK Notify refused it: {e.message}") from None

    def send(
        self, *, message_id: int, role: str, recipient: str | None, subject: str, body: str
    ) -> str:
        if not recipient:
            log.debug("Notification %s has no address, logged instead: %s", message_id, subject)
            return "log"
        self._email(to=recipient, subject=subject, body=body, reference=f"ehc-alert-{message_id}")
        log.debug("Notification %s sent through GOV.UK Notify: %s", message_id, subject)
        return "notify"

    def alert(self, *, recipients: Sequence[str], subject: str, body: str) -> str:
        if not recipients:
            return "log"
        for n, to in enumerate(recipients, start=1):
            self._email(to=to, subject=subject, body=body, reference=f"ehc-admin-alert-{n}")
        log.info("Alert sent through GOV.UK Notify to %d admins: %s", len(recipients), subject)
        return "notify"

    def close(self) -> None:
        pass


def alert_sender(config: Config) -> Sender:
    """Officer and admin alerts through GOV.UK Notify when it is configured; else SMTP,
    else the log."""
    notify = NotifySettings.from_config(config)
    if notify is None:
        return make_sender(config.smtp)
    return NotifySender(NotifyClient(notify), notify.alert_template_id)
