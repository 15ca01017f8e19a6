"""Who may call the API, as the OpenAPI document tells clients.

`web.auth.Authenticate` has already refused callers without a valid session
or token; the HTTPBearer scheme here only puts `bearerAuth` in the document
(`auto_error=False`: it never refuses anything itself).
"""

from __future__ import annotations

from fastapi import Depends
from fastapi.security import HTTPBearer

from web import auth

BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="bearerAuth",
    description="An API token: `ehc users token EMAIL` prints one",
)
DOCUMENTED = [Depends(BEARER)]

CASEWORK = auth.allow(*auth.CASEWORK)
MANAGERS = auth.allow("manager")
SCORECARD = auth.allow("manager", "viewer")
