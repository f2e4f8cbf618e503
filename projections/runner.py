"""The batching projection runner: one transaction per page, new events via LISTEN/NOTIFY."""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

import psycopg
from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

from projections.base import BufferedProjection, PositionMoved
from projections.decoding import EventLogReader, Page

log = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 20_000
# Cyclic-GC thresholds while catching up (the defaults are 700, 10, 10): see _fewer_collections
CATCH_UP_GC_THRESHOLDS = (1_000_000, 1_000, 1_000)


@dataclass
class Progress:
    position: int
    head: int
    processed: int
    seconds: float


class BatchRunner:
    """Feeds pages of the event log to projections; each page commits with its position.

    Resuming is exact: each projection starts after its own tracked position, and a page's
    rows and position commit together, so a crash anywhere replays nothing twice and skips
    nothing. Gaps cannot occur: the event store appends under a table lock, so positions
    become visible in order.

    Pages are pipelined: while each projection's commit thread commits its page N
    (PostgreSQL's work, on the other core), this one handles page N+1 and another reads page
    N+2. A projection's commits stay in page order: its page N+1 commits only once N has.
    """

    def __init__(
        self,
        recorder: PostgresApplicationRecorder,
        application_name: str,
        projections: Sequence[BufferedProjection],
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        self.application_name = application_name
        self.projections = list(projections)
        self.reader = EventLogReader(
            recorder, application_name, lambda cls: any(p.handles(cls) for p in self.projections)
        )
        self.page_size = page_size
        self._stop = threading.Event()
        for projection in self.projections:
            projection.view.autoflush = False

    def position(self, projection: BufferedProjection) -> int:
        return projection.view.max_tracking_id(self.application_name) or 0

    def run_once(self, on_progress: Callable[[Progress], None] | None = None) -> int:
        """Catch every projection up to the head of the log; returns events processed."""
        started, processed = time.perf_counter(), 0
        head = self.reader.head()
        reading = ThreadPoolExecutor(max_workers=1, thread_name_prefix="page-read")
        ahead: tuple[int, Future[Page]] | None = None
        with _fewer_collections(), reading, _Committer(self) as committer:
            while not self._stop.is_set():
                after = min(committer.positions.values(), default=head)
                if after >= head:
                    break
                if ahead is not None and ahead[0] == after:
                    page = ahead[1].result()
                else:
                    page = self.reader.page(after, self.page_size)
                ahead = None
                if not page.size:
                    break
                if page.last < head:  # read the next page meanwhile (the server's work overlaps)
                    ahead = page.last, reading.submit(self.reader.page, page.last, self.page_size)
                for projection in self.projections:
                    committer.process(projection, page)
                processed += page.size
                if on_progress:
                    now = time.perf_counter() - started
                    on_progress(Progress(page.last, head, processed, now))
        return processed

    def run_forever(self, poll_seconds: float = 5.0) -> None:
        """Catch up, then wait for NOTIFY from the event store (polling only as a safety net)."""
        recorder = self.reader.recorder
        listen = SQL("LISTEN {0}").format(Identifier(recorder.channel_name))
        kwargs = cast("dict[str, Any]", recorder.datastore.pool.kwargs)
        with psycopg.Connection.connect(**kwargs, autocommit=True) as conn:
            conn.execute(listen)
            while not self._stop.is_set():
                self.run_once()
                for _ in conn.notifies(timeout=poll_seconds, stop_after=1):
                    pass

    def stop(self) -> None:
        self._stop.set()


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often while catching up.

    A page allocates ~10^6 short-lived objects (events, dicts, keys), none in a reference
    cycle, and each collection of the older generations walks the ~10^5 cached rows again:
    at the default thresholds the collector took ~45% of catch-up's CPU (63 s of CPU for
    1.16M events, 35 s at (50k, 20, 100)). At these, a young collection waits for a million
    surviving objects and the older ones practically never run during a catch-up (another
    ~5% of its Python time). Reference counting still frees everything at once; the
    defaults come back when the catch-up ends, and the next collection takes any cycle.
    """
    before = gc.get_threshold()
    gc.set_threshold(*CATCH_UP_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


class _Committer:
    """Handles pages here and commits them one page behind, in a thread per projection.

    A projection's pages commit in order (its one thread, and each waits for the one before);
    different projections' commits run side by side, each its own transaction, so the
    slowest view's commit, not the sum of them all, paces catch-up.
    ``positions`` is where each projection will be once its submitted pages commit.
    """

    def __init__(self, runner: BatchRunner) -> None:
        self.application_name = runner.application_name
        self.positions = {p: runner.position(p) for p in runner.projections}
        self._position = runner.position
        self._threads = {
            p: ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"commit-{p.name}")
            for p in runner.projections
        }
        self._pending: dict[BufferedProjection, Future[None]] = {}

    def __enter__(self) -> _Committer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            if exc_info[0] is None:
                for projection in list(self._pending):
                    self._wait(projection)
            else:
                for projection in list(self._pending):  # the error in hand is the one to raise
                    self._pending.pop(projection).exception()
                    projection.forget()
        finally:
            for thread in self._threads.values():
                thread.shutdown()

    def process(self, projection: BufferedProjection, page: Page) -> None:
        done = self.positions[projection]
        if page.last <= done:
            return
        if projection.cache_full():
            # Rows leave the cache only once committed: a later page would load them back.
            if not self._wait(projection):
                return  # its position moved: the page comes again from there
            projection.forget()
        todo = page.events
        if todo and todo[0][1] <= done:  # this projection is ahead of the others
            todo = [(event, position) for event, position in todo if position > done]
        try:
            projection.prefetch([event for event, _ in todo])
            for event, position in todo:
                projection.apply(event, position)
            projection.settle()
            changes = projection.view.take()
        except BaseException:
            projection.view.reset()
            projection.forget()  # cached rows may hold changes that were never committed
            raise
        if not self._wait(projection):
            return  # handled from a cache that was stale: dropped, the page comes again
        tracking = Tracking(self.application_name, page.last)
        self._pending[projection] = self._threads[projection].submit(
            projection.view.commit, changes, tracking, after=done
        )
        self.positions[projection] = page.last

    def _wait(self, projection: BufferedProjection) -> bool:
        """Wait for the projection's page in flight; False if a rebuild moved its position."""
        pending = self._pending.pop(projection, None)
        if pending is None:
            return True
        try:
            pending.result()
        except PositionMoved:
            log.info("%s was rebuilt meanwhile: continuing from its new position", projection.name)
            projection.forget()
            self.positions[projection] = self._position(projection)
            return False
        except BaseException:
            projection.forget()  # the page after it was handled from rows never committed
            raise
        return True
