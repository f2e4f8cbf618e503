"""Where a nerve-centre commit's time goes, part by part, measured in the process.

PostgreSQL's own statistics (``pg_stat_statements``) are not loaded by the embedded server,
and the statement log's durations mix in waits for a core on a shared machine with no way to
tell one commit from another. A commit's parts timed here (each its statements' wall time,
waits included) are logged at DEBUG (a projector's ``--verbose``), one line a commit.
"""

from __future__ import annotations

import logging
from time import perf_counter

log = logging.getLogger(__name__)


class Laps:
    """Seconds since the last lap, by the part named at each lap."""

    def __init__(self, what: str = "write") -> None:
        self.what = what
        self.enabled = log.isEnabledFor(logging.DEBUG)
        self.parts: dict[str, float] = {}
        self.started = self.last = perf_counter()

    def __call__(self, part: str) -> None:
        if self.enabled:
            now = perf_counter()
            self.parts[part] = self.parts.get(part, 0.0) + now - self.last
            self.last = now

    def resume(self) -> None:
        """Start the next lap now (the time since the last one was spent elsewhere)."""
        self.last = perf_counter()

    def report(self) -> None:
        if self.enabled:
            parts = " ".join(f"{part} {seconds:.3f}" for part, seconds in self.parts.items())
            log.debug("commit's %s %.3f s: %s", self.what, sum(self.parts.values()), parts)
