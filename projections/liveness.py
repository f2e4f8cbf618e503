"""Background workers that never die silently: retry with backoff, give up loudly.

A lost connection is transient (the server restarts, fails over, the network blips): it is
retried for as long as ``give_up_seconds``. Anything else is retried a few times, since a bug
that fails every time would otherwise spin forever behind a healthy-looking process. Past
either bound ``WorkerGaveUp`` is raised, for the process to exit non-zero and be restarted.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import psycopg
import psycopg_pool
from eventsourcing import persistence

log = logging.getLogger(__name__)

#: Errors that mean "the database is not reachable right now", not "this is wrong".
TRANSIENT: tuple[type[BaseException], ...] = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
    psycopg_pool.PoolTimeout,
    persistence.OperationalError,
    persistence.InterfaceError,
    ConnectionError,
    TimeoutError,
)


def discard_broken_connections(pool: psycopg_pool.ConnectionPool[Any]) -> None:
    """Check the pool's idle connections (dropping dead ones) so a retry after the server's
    return does not fail again on a connection the old server closed."""
    with contextlib.suppress(Exception):  # the server may still be away: the retry will say
        pool.check()


class WorkerGaveUp(RuntimeError):
    """A background worker failed past its retry policy's bounds."""


@dataclass(frozen=True)
class RetryPolicy:
    first_delay: float = 0.5  # seconds, doubled on each consecutive failure
    max_delay: float = 2.0  # short: the views should catch up soon after the server is back
    give_up_seconds: float = 900.0  # transient failures for this long in a row: give up
    max_other_failures: int = 5  # other errors in a row before giving up


@dataclass
class Failures:
    """Consecutive failures of one worker, and the delay before its next try."""

    policy: RetryPolicy
    worker: str
    count: int = 0
    others: int = 0
    since: float | None = field(default=None)

    def record(self, exc: BaseException) -> float:
        """Log ``exc``; the seconds to wait before retrying, or raise ``WorkerGaveUp``."""
        now = time.monotonic()
        if self.since is None:
            self.since = now
        self.count += 1
        transient = isinstance(exc, TRANSIENT)
        if not transient:
            self.others += 1
        failing_for = now - self.since
        policy = self.policy
        if failing_for > policy.give_up_seconds or self.others > policy.max_other_failures:
            log.critical(
                "%s gives up after %d failures in %.0f s",
                self.worker,
                self.count,
                failing_for,
                exc_info=exc,
            )
            raise WorkerGaveUp(f"{self.worker}: {exc!r}") from exc
        delay: float = min(policy.first_delay * 2.0 ** (self.count - 1), policy.max_delay)
        if transient:
            log.warning(
                "%s lost the database (%s): retrying in %.1f s",
                self.worker,
                str(exc).strip() or type(exc).__name__,
                delay,
            )
        else:
            log.error("%s failed: retrying in %.1f s", self.worker, delay, exc_info=exc)
        return delay

    def recovered(self) -> None:
        if self.count:
            log.info("%s recovered after %d failures", self.worker, self.count)
        self.count = self.others = 0
        self.since = None
