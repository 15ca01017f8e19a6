"""The council's details for its letters, read from configuration.

A TOML file named by `EHC_COUNCIL_CONFIG` (see docs/letters.md for an example),
else the placeholders below; single `EHC_COUNCIL_*` settings override either. Loaded
from the configuration at the edges and handed down; the values used are stored in each
letter's context, so a stored letter never changes when the configuration does.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from letters.contexts import Adviser, Contact, Council
from workflow.config import Config
from workflow.errors import InvalidInput

# Placeholders, plainly marked so that nobody posts a letter that carries them.
PLACEHOLDER = "[set in EHC_COUNCIL_CONFIG]"

DEFAULT_ADVISERS: dict[str, str] = {
    "educational": "Head teacher or principal of the child's setting",
    "health": "Designated Clinical Officer, NHS Integrated Care Board",
    "psychological": "Educational Psychology Service",
    "social_care": "Children's Social Care",
    "adulthood": "Preparing for Adulthood Team",
    "other": "SEND Assessment Team",
    "parent": "Parent or carer",
}

# The settings that override single details (EHC_COUNCIL_NAME and so on).
OVERRIDES = (
    "name",
    "address",
    "phone",
    "email",
    "local_offer_url",
    "signatory_name",
    "signatory_role",
    "timeline_url",
)


def _default() -> dict[str, Any]:
    return {
        "name": "Example Council",
        "team": "SEND Assessment Team",
        "address": f"Town Hall\nHigh Street\nExampletown\nEX1 1AA {PLACEHOLDER}",
        "phone": "01234 567890",
        "email": "send@example.gov.uk",
        "local_offer_url": "https://www.example.gov.uk/send-local-offer",
        "timeline_url": "https://www.example.gov.uk/send-local-offer/ehc-timeline",
        "signatory_name": "Alex Example",
        "signatory_role": "Head of SEND Assessment",
        "sendiass": {
            "name": "Example SENDIASS",
            "phone": "01234 000111",
            "email": "sendiass@example.org.uk",
            "website": "https://www.example-sendiass.org.uk",
        },
        "mediation": {
            "name": "Example Mediation Service",
            "phone": "01234 000222",
            "email": "mediation@example.org.uk",
            "website": "https://www.example-mediation.org.uk",
        },
        "advisers": {},
    }


def load_council(config: Config) -> Council:
    """The council's details: its file (if any), then the single-detail overrides."""
    data = _default()
    file = config.council_config
    if file:
        try:
            loaded = tomllib.loads(Path(file).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise InvalidInput(f"EHC_COUNCIL_CONFIG {file}: {e}") from None
        council = loaded.get("council", loaded)
        for key, value in council.items():
            if isinstance(value, dict) and isinstance(data.get(key), dict):
                data[key] = {**data[key], **value}
            else:
                data[key] = value
    for key in OVERRIDES:
        value = getattr(config, f"council_{key}")
        if value:
            data[key] = value.replace("\\n", "\n")
    advisers = data.pop("advisers") or {}
    try:
        return Council(
            **{k: v for k, v in data.items() if k not in ("sendiass", "mediation")},
            sendiass=Contact(**data["sendiass"]),
            mediation=Contact(**data["mediation"]),
            advisers={
                kind: Adviser(**_adviser(kind, advisers.get(kind))) for kind in DEFAULT_ADVISERS
            },
        )
    except (TypeError, ValueError) as e:
        raise InvalidInput(f"Council configuration: {e}") from None


def _adviser(kind: str, given: Any) -> dict[str, Any]:
    if isinstance(given, str):
        return {"name": given, "address": None, "email": None}
    given = dict(given or {})
    return {
        "name": given.get("name") or DEFAULT_ADVISERS[kind],
        "address": given.get("address"),
        "email": given.get("email"),
    }
