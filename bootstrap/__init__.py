"""The composition root: the parts the edges (cli, web) and the scheduler hand down.

The service never imports the layers above it; what they derive from a case's changes
reaches it as projections built here. Only the edges and the scheduler import this.
"""

from __future__ import annotations

from letters.projection import LetterProjection
from workflow.projection import Projection


def projections() -> tuple[Projection, ...]:
    """What every change to a case derives above `workflow`: its letters."""
    return (LetterProjection(),)
