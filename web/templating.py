"""Jinja2 templates for the pages, with GOV.UK date formats and the navigation."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from workflow.clock import LONDON
from workflow.law.calendar import govuk_date

TEMPLATES = Path(__file__).parent / "templates"
SERVICE_NAME = "EHC casework"

# Navigation: (label, path, roles that see it).
NAVIGATION = (
    ("My cases", "/", ("officer",)),
    ("Dashboard", "/", ("manager",)),
    ("Breach queue", "/breaches", ("officer", "manager")),
    ("Waiting letters", "/letters/waiting", ("officer", "manager")),
    ("Scorecard", "/scorecard", ("manager", "viewer")),
    ("Corrections", "/corrections", ("manager",)),
    ("Users", "/users", ("admin",)),
    ("Subject access", "/subject-access", ("admin",)),
)

# Where each role's home is: the service name's link ("/") sends viewers and admins here,
# and error pages link to it, so neither leads to a page the role may not open.
HOME_PATHS = {"officer": "/", "manager": "/", "viewer": "/scorecard", "admin": "/users"}


def long_date(value: date | datetime | None) -> str:
    """GOV.UK style: 20 November 2026 (`govuk_date`), and 20 November 2026 at 2:05pm
    for a timestamp, in UK time."""
    if not isinstance(value, datetime):
        return govuk_date(value)
    local = value.astimezone(LONDON)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{govuk_date(local.date())} at {hour}:{local:%M}{suffix}"


@lru_cache(maxsize=65_536)
def case_path(reference: str) -> str:
    """The case page's address. References may hold slashes (EHC/2026/0153): the case
    routes take the rest of the path, so a slash stays; anything else unsafe is escaped."""
    return "/cases/" + quote(reference, safe="/")


def words(value: str | None) -> str:
    """An identifier for people: decision_to_assess -> Decision to assess."""
    if not value:
        return ""
    text = value.replace("_", " ")
    return text[0].upper() + text[1:]


# The colour of each status's tag (the `tag` macro); any other status is grey.
TAG_COLOURS = {
    "met": "green",
    "pending": "blue",
    "overdue": "red",
    "late": "orange",
    "lapsed": "orange",
    "cancelled": "grey",
    "exception": "purple",
    "breach": "red",
    "ready": "green",
    "awaiting_details": "yellow",
    "open": "blue",
    "closed": "grey",
}

templates = Jinja2Templates(directory=str(TEMPLATES))
# Templates change only with a new release: do not check their files on every page.
templates.env.auto_reload = False
templates.env.filters["long_date"] = long_date
templates.env.filters["words"] = words
templates.env.globals["service_name"] = SERVICE_NAME
templates.env.globals["tag_colours"] = TAG_COLOURS
templates.env.globals["case_path"] = case_path


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    who = getattr(request.state, "principal", None)
    role = who.user.role if who else None
    nav = [(label, path) for label, path, roles in NAVIGATION if role in roles]
    return templates.TemplateResponse(
        request,
        template,
        {
            "who": who,
            "csrf_token": who.csrf_token if who else context.pop("csrf_token", None),
            "navigation": nav,
            "home_path": HOME_PATHS.get(role or "", "/"),
            "current_path": request.url.path,
            # The council's details for the phase banner's feedback link (web.context).
            "about": getattr(getattr(request.app.state, "ctx", None), "about", None),
            **context,
        },
        status_code=status_code,
    )
