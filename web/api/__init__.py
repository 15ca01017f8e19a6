"""The JSON API under `/api`, for portals and other systems (docs/api.md).

The same service functions and errors as the pages and the CLI; callers send
an API token (`Authorization: Bearer ...`, from `ehc users token EMAIL`) or a
session cookie with the X-CSRF-Token header on writes.
"""

from __future__ import annotations

from fastapi import APIRouter

from web.api import cases, reports

router = APIRouter()
router.include_router(cases.router)
router.include_router(reports.router)
