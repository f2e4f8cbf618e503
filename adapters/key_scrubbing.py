"""After an erasure, rewrite the data-key table so the destroyed keys leave its files.

Erasure tombstones a key row (``wrapped_key`` set to NULL) in the erasure's transaction. In
PostgreSQL an UPDATE (or a DELETE) never overwrites the row in place: it writes a new version,
and the old one, wrapped key and all, stays in the page until vacuum. A plain ``VACUUM`` frees
it but compacts the page without zeroing the freed space, so a key can survive in it. Measured
on PostgreSQL 16 by reading the table's file: the last-written row of a page kept its key
through ``VACUUM`` whether it was set to NULL, deleted, or set to NULL or deleted after zeros;
set to zeros of the same length only, it survived when a key rotation had left dead versions
above it. Only a rewrite (``VACUUM FULL``: a new file, the old one unlinked) left no copy in
any case.

The rewrite locks the table against every key read and write while it runs (3.1 s for a million
keys here, on 2 busy cores), so it never runs inside the erasure command: a background thread
starts it a little later, one at a time, erasures meanwhile joining the next run. It waits at
most ``LOCK_TIMEOUT`` for the lock (a rewrite queued behind a long transaction would hold up
every key lookup queued behind it) and tries again later if it cannot get it.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Final

from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Identifier

logger = logging.getLogger(__name__)

LOCK_TIMEOUT: Final = "2s"
ATTEMPTS: Final = 5


class KeyScrubber:
    """Runs ``VACUUM FULL`` on the data-key table soon after erasures (never during one)."""

    def __init__(
        self,
        datastore: PostgresDatastore,
        table: str,
        *,
        delay_seconds: float = 5.0,
        retry_seconds: float = 30.0,
    ) -> None:
        self.datastore = datastore
        self.delay_seconds = delay_seconds  # erasures within it share one rewrite
        self.retry_seconds = retry_seconds
        self.sql_vacuum = SQL("VACUUM (FULL) {0}.{1}").format(
            Identifier(datastore.schema), Identifier(table)
        )
        self.runs = 0  # rewrites done (for tests and logs)
        self._wanted = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def scrub_soon(self) -> None:
        """Ask for a rewrite after the committed erasures (returns at once)."""
        with self._lock:
            self._wanted.set()
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="data-key-scrub", daemon=True
                )
                self._thread.start()

    def wait(self, timeout: float) -> bool:
        """Wait until no rewrite is asked for or running; False if still busy at ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._thread is None:
                    return True
            time.sleep(0.05)
        return False

    def scrub(self) -> None:
        """Rewrite the table now (outside any transaction: VACUUM cannot run in one)."""
        with self.datastore.get_connection() as conn:
            conn.execute(SQL("SET lock_timeout = {0}").format(LOCK_TIMEOUT))
            try:
                conn.execute(self.sql_vacuum)
            finally:
                conn.execute(SQL("RESET lock_timeout"))
        self.runs += 1

    def _run(self) -> None:
        while True:
            time.sleep(self.delay_seconds)
            self._wanted.clear()  # an erasure committed from here on asks for another run
            if self.datastore.pool.closed:  # the application closed meanwhile
                logger.warning("data-key table not rewritten: the application closed first")
            else:
                self._scrub_with_retries()
            with self._lock:
                if not self._wanted.is_set():
                    self._thread = None
                    return

    def _scrub_with_retries(self) -> None:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                self.scrub()
                return
            except Exception:  # a lock timeout, an outage: log it, try again later
                logger.warning(
                    "rewriting the data-key table after an erasure failed (attempt %d of %d)",
                    attempt,
                    ATTEMPTS,
                    exc_info=True,
                )
                if attempt < ATTEMPTS and not self.datastore.pool.closed:
                    time.sleep(self.retry_seconds)
        logger.error(
            "destroyed data keys remain in the data-key table's file until it is rewritten: "
            "run VACUUM (FULL) on %s",
            self.sql_vacuum.as_string(None),
        )
