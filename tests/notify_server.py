"""A small local stand-in for the GOV.UK Notify API, for the dispatch tests.

Notify cannot be reached from CI, so the tests send to this server through Notify's own
Python client. It answers the endpoints the engine uses with the request and response
shapes of Notify's API (v2, as in alphagov/notifications-api: `app/v2/notifications`,
`app/v2/errors.py`, `app/authentication/auth.py`):

- authentication: a JWT in `Authorization: Bearer`, HS256 signed with the key's secret,
  `iss` = the service id, `iat` within 30 seconds; else 401/403 `AuthError`;
- POST /v2/notifications/email: template id, email address, personalisation (each of
  the template's placeholders required), reference, a `link_to_file` upload; 201 with
  the id, reference, content and template; 400 `ValidationError`/`BadRequestError`;
- POST /v2/notifications/letter with `content`: a precompiled letter (base64 PDF); 201
  with id, reference and postage. Like Notify's template preview it then checks the PDF
  (here with pypdf, not the engine's WeasyPrint layout): every page A4 portrait, and the
  address read from the envelope window (3 to 7 lines, a UK postcode last); a letter that
  fails is `validation-failed`, else `pending-virus-check` until a test moves it on;
- GET /v2/notifications/{id} and GET /v2/notifications?reference=: the notification as
  Notify serialises it, with the status as its API reports it for that type; one it
  does not hold (never made, or dropped with `forget` as after Notify's retention
  period) is 404 `NoResultFound`;
- errors as Notify writes them: {"status_code": N, "errors": [{"error", "message"}]};
  `fail_next` makes the next requests answer 429 (`RateLimitError`) or 500, or take the
  request and then answer 500 (the answer lost on the way back).

It does not prove what only Notify can: that a real key, real template ids and their
placeholders match the service's templates, that its virus scan and its pixel checks
of the margins accept our PDFs, or that emails and letters arrive. See README.
"""

from __future__ import annotations

import base64
import io
import json
import re
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from pypdf import PdfReader

MM = 72 / 25.4  # PDF points per mm
ADDRESS_WINDOW_MM = (24.6, 39.5, 120.0, 66.3)  # Notify's, from the page's top-left corner
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$", re.IGNORECASE)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PLACEHOLDER = re.compile(r"\(\(([^)]+)\)\)")
TOKEN_BOUND_SECONDS = 30
DATETIME = "%Y-%m-%dT%H:%M:%S.%fZ"
# The statuses a letter goes through, as the API reports them (models.get_letter_status).
LETTER_STATUSES = (
    "pending-virus-check",
    "accepted",
    "received",
    "virus-scan-failed",
    "validation-failed",
    "technical-failure",
    "permanent-failure",
    "cancelled",
)
EMAIL_STATUSES = (
    "created",
    "sending",
    "delivered",
    "permanent-failure",
    "temporary-failure",
    "technical-failure",
)


@dataclass
class Template:
    id: str
    subject: str
    body: str
    version: int = 1

    @property
    def placeholders(self) -> set[str]:
        return set(PLACEHOLDER.findall(self.subject + self.body))


@dataclass
class Failure:
    status: int
    lose_answer: bool  # do the work, then answer 500: the client never sees the id


@dataclass
class Call:
    method: str
    path: str
    body: dict[str, Any] | None


@dataclass
class FakeNotify:
    """The server's state: one service, its key's secret, its templates."""

    service_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    secret: str = field(default_factory=lambda: str(uuid.uuid4()))
    templates: dict[str, Template] = field(default_factory=dict)
    notifications: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def api_key(self) -> str:
        return f"ehc_test-{self.service_id}-{self.secret}"

    @property
    def base_url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def add_template(self, subject: str, body: str) -> str:
        template = Template(str(uuid.uuid4()), subject, body)
        self.templates[template.id] = template
        return template.id

    def fail_next(self, status: int, *, times: int = 1, lose_answer: bool = False) -> None:
        with self.lock:
            self.failures += [Failure(status, lose_answer) for _ in range(times)]

    def set_status(self, notification_id: str, status: str) -> None:
        with self.lock:
            found = self.notifications[notification_id]
            allowed = LETTER_STATUSES if found["type"] == "letter" else EMAIL_STATUSES
            assert status in allowed, status
            found["status"] = status
            if status in ("delivered", "received") or "fail" in status:
                found["completed_at"] = _now()

    def forget(self, notification_id: str) -> None:
        """Drop a notification, as Notify does after its retention period (7 days by
        default): asked for by id it answers 404 NoResultFound, and no list holds it."""
        with self.lock:
            del self.notifications[notification_id]

    def sent(self, kind: str | None = None) -> list[dict[str, Any]]:
        """The notifications made, oldest first (of `kind`: email or letter)."""
        with self.lock:
            rows = list(self.notifications.values())
        return [n for n in rows if kind is None or n["type"] == kind]

    def posts(self) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == "POST"]

    def with_engine_templates(self) -> FakeNotify:
        """The two email templates the engine is configured with: alerts, then letters."""
        self.add_template("((subject))", "((body))")
        self.add_template("((subject))", "((body))\n\nCase ((case_reference)): ((link_to_file))")
        return self

    def config_values(self) -> dict[str, Any]:
        """The EHC_NOTIFY_* settings that point the engine at this server."""
        alert, letter = list(self.templates)[:2]
        return {
            "notify_api_key": self.api_key,
            "notify_base_url": self.base_url,
            "notify_alert_template_id": alert,
            "notify_letter_template_id": letter,
        }

    def start(self) -> FakeNotify:
        state = self

        class Handler(_Handler):
            notify = state

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def _now() -> str:
    return datetime.now(UTC).strftime(DATETIME)


class ApiError(Exception):
    def __init__(self, status: int, error: str, message: str) -> None:
        self.status, self.error, self.message = status, error, message


class _Handler(BaseHTTPRequestHandler):
    notify: FakeNotify
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass  # quiet: requests are recorded in `calls`

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        state = self.notify
        with state.lock:
            state.calls.append(Call(method, self.path, body))
            failure = state.failures.pop(0) if state.failures else None
        try:
            self._authenticate()
            if failure is not None and not failure.lose_answer:
                raise _failure_error(failure.status)
            status, answer = self._route(method, body)
            if failure is not None:  # the work is done, but the answer never arrives
                raise _failure_error(failure.status)
        except ApiError as e:
            if e.status == 500:
                status, answer = 500, {"result": "error", "message": "Internal server error"}
            else:
                status = e.status
                answer = {
                    "status_code": e.status,
                    "errors": [{"error": e.error, "message": e.message}],
                }
        self._answer(status, answer)

    def _answer(self, status: int, answer: Mapping[str, Any]) -> None:
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authenticate(self) -> None:
        header = self.headers.get("Authorization")
        if not header:
            raise ApiError(401, "AuthError", "Unauthorized: authentication token must be provided")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise ApiError(
                401, "AuthError", "Unauthorized: authentication bearer scheme must be used"
            )
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.DecodeError:
            raise ApiError(
                403, "AuthError", "Invalid token: signature, api token not found"
            ) from None
        if "iss" not in unverified:
            raise ApiError(403, "AuthError", "Invalid token: iss field not provided")
        if unverified["iss"] != self.notify.service_id:
            raise ApiError(403, "AuthError", "Invalid token: service not found")
        try:
            claims = jwt.decode(token, key=self.notify.secret, algorithms=["HS256"])
        except jwt.InvalidAlgorithmError:
            raise ApiError(403, "AuthError", "Invalid token: algorithm used is not HS256") from None
        except jwt.InvalidTokenError:
            raise ApiError(
                403, "AuthError", "Invalid token: signature, api token not found"
            ) from None
        iat = claims.get("iat")
        if iat is None:
            raise ApiError(403, "AuthError", "Invalid token: iat field not provided")
        if abs(time.time() - int(iat)) > TOKEN_BOUND_SECONDS:
            raise ApiError(
                403, "AuthError", "Error: Your system clock must be accurate to within 30 seconds"
            )

    def _route(self, method: str, body: dict[str, Any] | None) -> tuple[int, dict[str, Any]]:
        path, _, query = self.path.partition("?")
        if method == "POST" and path == "/v2/notifications/email":
            return 201, self._email(body or {})
        if method == "POST" and path == "/v2/notifications/letter":
            if "content" not in (body or {}):
                raise ApiError(400, "BadRequestError", "Only precompiled letters are served here")
            return 201, self._letter(body or {})
        if method == "GET" and path == "/v2/notifications":
            return 200, self._list(query)
        found = re.fullmatch(r"/v2/notifications/([^/]+)", path)
        if method == "GET" and found:
            return 200, self._get(found.group(1))
        raise ApiError(404, "NotFound", "The requested URL was not found on the server.")

    # -- the endpoints ----------------------------------------------------------------

    def _email(self, body: dict[str, Any]) -> dict[str, Any]:
        for name in ("email_address", "template_id"):
            if name not in body:
                raise ApiError(400, "ValidationError", f"{name} is a required property")
        template = self.notify.templates.get(str(body["template_id"]))
        if template is None:
            raise ApiError(400, "BadRequestError", "Template not found")
        if not EMAIL.match(str(body["email_address"])):
            raise ApiError(400, "ValidationError", "email_address Not a valid email address")
        given = body.get("personalisation") or {}
        missing = sorted(template.placeholders - set(given))
        if missing:
            raise ApiError(400, "BadRequestError", f"Missing personalisation: {', '.join(missing)}")
        values = {k: v for k, v in given.items() if not isinstance(v, dict)}
        for name, upload in given.items():
            if isinstance(upload, dict):
                values[name] = self._document(upload)

        def fill(text: str) -> str:
            return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), "")), text)

        notification_id = str(uuid.uuid4())
        subject, content = fill(template.subject), fill(template.body)
        with self.notify.lock:
            self.notify.notifications[notification_id] = _notification(
                notification_id,
                "email",
                body.get("reference"),
                template,
                status="sending",
                email_address=body["email_address"],
                body=content,
                subject=subject,
            )
        url = f"{self.notify.base_url}/"
        return {
            "id": notification_id,
            "reference": body.get("reference"),
            "uri": f"{url}v2/notifications/{notification_id}",
            "template": {
                "id": template.id,
                "version": template.version,
                "uri": f"{url}services/{self.notify.service_id}/templates/{template.id}",
            },
            "scheduled_for": None,
            "content": {
                "from_email": "council@notifications.service.gov.uk",
                "body": content,
                "subject": subject,
                "one_click_unsubscribe_url": None,
            },
        }

    def _document(self, upload: dict[str, Any]) -> str:
        """A file sent by email (`prepare_upload`): checked, and given a download link."""
        try:
            data = base64.b64decode(str(upload.get("file")), validate=True)
        except ValueError:
            raise ApiError(400, "BadRequestError", "Cannot decode file (invalid base64)") from None
        if not upload.get("filename") or "." not in str(upload["filename"]):
            raise ApiError(400, "BadRequestError", "filename must end with a file extension")
        if len(data) > 2 * 1024 * 1024:
            raise ApiError(400, "BadRequestError", "File did not pass the virus scan")
        if not data.startswith(b"%PDF"):
            raise ApiError(400, "BadRequestError", "Unsupported file type 'text/plain'")
        return f"https://documents.service.gov.uk/d/{uuid.uuid4()}"

    def _letter(self, body: dict[str, Any]) -> dict[str, Any]:
        if "reference" not in body:
            raise ApiError(400, "ValidationError", "reference is a required property")
        postage = body.get("postage", "second")
        if postage not in ("first", "second", "economy"):
            raise ApiError(
                400, "ValidationError", "postage invalid. It must be first, second or economy."
            )
        try:
            pdf = base64.b64decode(str(body["content"]), validate=True)
        except ValueError:
            raise ApiError(
                400, "BadRequestError", "Cannot decode letter content (invalid base64 encoding)"
            ) from None
        address, problem = check_precompiled(pdf)
        notification_id = str(uuid.uuid4())
        lines = {f"line_{n}": (address[n - 1] if n <= len(address) else None) for n in range(1, 7)}
        with self.notify.lock:
            self.notify.notifications[notification_id] = _notification(
                notification_id,
                "letter",
                body["reference"],
                None,
                status="validation-failed" if problem else "pending-virus-check",
                postage=postage,
                **lines,
                postcode=address[-1] if address else None,
                validation=problem,
            )
        return {"id": notification_id, "reference": body["reference"], "postage": postage}

    def _get(self, notification_id: str) -> dict[str, Any]:
        try:
            uuid.UUID(notification_id)
        except ValueError:
            raise ApiError(400, "ValidationError", "notification_id is not a valid UUID") from None
        with self.notify.lock:
            found = self.notify.notifications.get(notification_id)
            if found is None:
                raise ApiError(404, "NoResultFound", "No result found")
            return _public(found)

    def _list(self, query: str) -> dict[str, Any]:
        wanted = dict(part.partition("=")[::2] for part in query.split("&") if part)
        with self.notify.lock:
            rows = [
                _public(n)
                for n in reversed(self.notify.notifications.values())
                if all(str(n.get(k)) == v for k, v in wanted.items())
            ]
        return {
            "notifications": rows,
            "links": {"current": f"{self.notify.base_url}/v2/notifications"},
        }


def _failure_error(status: int) -> ApiError:
    if status == 429:
        return ApiError(
            429,
            "RateLimitError",
            "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds",
        )
    return ApiError(status, "ServerError", "Internal server error")


def _notification(
    notification_id: str, kind: str, reference: Any, template: Template | None, **fields: Any
) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": notification_id,
        "reference": reference,
        "email_address": None,
        "phone_number": None,
        **{f"line_{n}": None for n in range(1, 7)},
        "postcode": None,
        "type": kind,
        "template": {
            "id": template.id if template else "precompiled",
            "version": template.version if template else 1,
            "uri": "",
        },
        "body": "",
        "subject": None,
        "created_at": _now(),
        "created_by_name": None,
        "sent_at": None,
        "completed_at": None,
        "scheduled_for": None,
        "postage": None,
        "one_click_unsubscribe_url": None,
    }
    return {**base, **fields}


def _public(notification: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in notification.items() if k != "validation"}


# -- the precompiled letter check ------------------------------------------------------


def _text_runs(pdf: bytes, page: int = 0) -> tuple[float, float, list[tuple[float, float, str]]]:
    """(width, height) of a page in mm and its text runs as (x, y from the top, text)."""
    reader = PdfReader(io.BytesIO(pdf))
    target = reader.pages[page]
    height = float(target.mediabox.height)
    runs: list[tuple[float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: Any, _size: Any) -> None:
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        runs.append((x / MM, (height - y) / MM, text))

    target.extract_text(visitor_text=visit)
    return float(target.mediabox.width) / MM, height / MM, runs


def check_precompiled(pdf: bytes) -> tuple[list[str], str | None]:
    """The address in the envelope window, and why Notify would refuse the letter (None
    if it would not): any page not A4 portrait, or an address not of 3 to 7 lines with
    a UK postcode last."""
    try:
        reader = PdfReader(io.BytesIO(pdf))
    except Exception:
        return [], "Notify can't read this PDF file"
    for page in reader.pages:
        width, height = float(page.mediabox.width) / MM, float(page.mediabox.height) / MM
        if abs(width - 210) > 2 or abs(height - 297) > 2:
            return [], "Your letter is not A4 portrait size"
    left, top, right, bottom = ADDRESS_WINDOW_MM
    _w, _h, runs = _text_runs(pdf)
    lines: dict[float, list[tuple[float, str]]] = {}
    for x, y, text in runs:
        # The baseline of the address's text sits inside the window.
        if left - 1 <= x <= right + 1 and top - 1 <= y <= bottom + 1:
            lines.setdefault(round(y, 1), []).append((x, text))
    address = [
        " ".join(t.strip() for _x, t in sorted(parts)).strip()
        for _y, parts in sorted(lines.items())
    ]
    address = [line for line in address if line]
    if not 3 <= len(address) <= 7:
        return address, "The address must be at least 3 lines and no more than 7 lines"
    if not POSTCODE.match(address[-1]):
        return address, "The last line of the address must be a real UK postcode"
    return address, None
