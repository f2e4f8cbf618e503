"""The data-key table's rewrite after erasures: in the background, coalesced, retried."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any, cast

from adapters.key_scrubbing import KeyScrubber


class Recording(KeyScrubber):
    """Counts rewrites instead of running them; fails the first ``failures`` attempts."""

    def __init__(self, failures: int = 0, hold: threading.Event | None = None) -> None:
        datastore = SimpleNamespace(schema="public", pool=SimpleNamespace(closed=False))
        super().__init__(cast(Any, datastore), "sukuma_data_keys", delay_seconds=0.2)
        self.retry_seconds = 0.0
        self.attempts = 0
        self.failures = failures
        self.hold = hold
        self.started = threading.Event()

    def scrub(self) -> None:
        self.attempts += 1
        self.started.set()
        if self.hold is not None:
            self.hold.wait(5)
        if self.attempts <= self.failures:
            raise RuntimeError("lock timeout")
        self.runs += 1


def test_erasures_close_together_share_one_rewrite() -> None:
    scrubber = Recording()

    for _ in range(3):
        scrubber.scrub_soon()

    assert scrubber.wait(timeout=5)
    assert scrubber.runs == 1


def test_an_erasure_during_a_rewrite_asks_for_another() -> None:
    hold = threading.Event()
    scrubber = Recording(hold=hold)
    scrubber.scrub_soon()
    assert scrubber.started.wait(5)

    scrubber.scrub_soon()  # committed while the first rewrite runs: it may have missed it
    hold.set()

    assert scrubber.wait(timeout=5)
    assert scrubber.runs == 2


def test_a_failed_rewrite_is_tried_again() -> None:
    scrubber = Recording(failures=2)

    scrubber.scrub_soon()

    assert scrubber.wait(timeout=5)
    assert (scrubber.attempts, scrubber.runs) == (3, 1)
