"""What a scenario is given: the scale, the data set's address and the run options."""

from __future__ import annotations

from dataclasses import dataclass

from bench.config import Scale, url_for


@dataclass(frozen=True)
class Context:
    scale: Scale
    runs: int
    fresh: bool  # rebuild the data set even if the cached one is current
    keep_data: bool = False  # use the cached data set even if the generator has changed

    @property
    def url(self) -> str:
        return url_for(self.scale)


class Skipped(Exception):
    """The scenario cannot run here (say why); the harness records no result for it."""
