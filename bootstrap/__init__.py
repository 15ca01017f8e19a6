"""The composition root: the parts the edges (cli, web) build once and hand down.

The service never imports the layers above it; what they derive from a case's changes
reaches it as projections built here. May import `scheduler`, `letters` and
`workflow`; only the edges (`cli`, `web`) import it.
"""

from __future__ import annotations

from letters.config import load_council
from letters.projection import LetterProjection
from workflow.config import Config
from workflow.projection import Projection


def projections(config: Config) -> tuple[Projection, ...]:
    """What every change to a case derives above `workflow`: its letters, with the council's
    details from `config`."""
    return (LetterProjection(load_council(config)),)
