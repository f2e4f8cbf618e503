"""A commit as a pipeline: the projector builds part k+1 while PostgreSQL runs part k.

A view's commit is Python (building, sorting, grouping rows) and PostgreSQL's statements;
one after the other, one of the two cores sat idle all along a large window's commit. Here
the projector's thread builds the parts in order and hands each, as a function of the
transaction's cursor, to a writer thread that runs them one after another in the one
transaction: a psycopg wait releases the GIL, so PostgreSQL works while Python builds.

Every part runs in the same transaction as the position, so a failure in either thread rolls
everything back: ``send_parts`` stops building or sending at the first failure, waits for the
writer to end, and raises the failure (the writer's, or the producer's with the writer's
logged), never leaving a thread behind or failing silently.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable
from time import perf_counter

from psycopg import Cursor
from psycopg.rows import DictRow

log = logging.getLogger(__name__)

Part = Callable[[Cursor[DictRow]], None]


class _Writer:
    """Runs the parts put to it, in order, on one cursor, in a thread of its own (not a
    daemon: ``close`` always joins it)."""

    def __init__(self, curs: Cursor[DictRow], name: str) -> None:
        self._curs = curs
        self._parts: queue.SimpleQueue[Part | None] = queue.SimpleQueue()
        self._abandoned = threading.Event()
        self.failure: BaseException | None = None
        self.waited = 0.0  # seconds spent waiting for the producer's next part
        self._thread = threading.Thread(target=self._run, name=name)
        self._thread.start()

    def _run(self) -> None:
        try:
            while True:
                started = perf_counter()
                part = self._parts.get()
                self.waited += perf_counter() - started
                if part is None or self._abandoned.is_set():
                    return
                part(self._curs)
        except BaseException as exc:  # handed to the producer's thread, which raises it
            self.failure = exc

    def put(self, part: Part) -> None:
        self._parts.put(part)

    def close(self, *, abandon: bool) -> None:
        """No more parts; ``abandon``: skip those not yet started (the producer failed)."""
        if abandon:
            self._abandoned.set()
        self._parts.put(None)
        self._thread.join()


def send_parts(curs: Cursor[DictRow], parts: Iterable[Part], *, name: str) -> float:
    """Run ``parts`` on ``curs`` in a writer thread while the next ones are built here (each
    built as the iterable yields it); returns the seconds the writer waited for parts."""
    started = perf_counter()
    writer = _Writer(curs, name)
    failed = True
    try:
        for part in parts:
            if writer.failure is not None:
                break
            writer.put(part)
        failed = False
    finally:
        writer.close(abandon=failed)
        if failed and writer.failure is not None:
            log.error("%s: the writer failed too", name, exc_info=writer.failure)
    if writer.failure is not None:
        raise writer.failure
    log.debug(
        "%s: parts sent in %.3f s, %.3f s of it waiting for them",
        name,
        perf_counter() - started,
        writer.waited,
    )
    return writer.waited
