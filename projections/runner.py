"""The batching projection runner: many events per transaction, new events via LISTEN/NOTIFY."""

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
from projections.liveness import Failures, RetryPolicy, discard_broken_connections

log = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 20_000
# A window's totals are summed in memory before they are written, so a key that many events
# touch (an area's day) is upserted once a window rather than once a page: the larger the
# window, the fewer rows PostgreSQL writes. While catching up a window commits once its view
# holds about this many staged rows (``BufferedView.staged``: what its memory grows with; the
# nerve centre's process peaked at 0.8 GB committing 1.15M, so about 2.5 GB at this bound)...
DEFAULT_COMMIT_ROWS = 4_000_000
# ...or after this many full pages (2M events: the 1.18M-event demo log is one window; small
# pages, as a test's, still commit now and then). Every view shapes its rows before the
# commit's transaction opens (``BufferedView.take``), so a whole window's commit no longer
# sits idle in it (at 100 pages the full bench.catchup failed so, past the library's 5 s
# idle_in_transaction_session_timeout, and the default went back to 25).
DEFAULT_COMMIT_PAGES = 100
# The collector's oldest generation while catching up: collected after this many collections
# of the middle one (the default is 10). See _no_full_collections.
CATCH_UP_OLDEST_GENERATION_THRESHOLD = 1_000_000
# A heartbeat at most this often: a busy projector at the head passes over the log many times
# a second, and /readyz only needs to know it is alive within SUKUMA_READY_HEARTBEAT_SECONDS.
HEARTBEAT_SECONDS = 1.0


@dataclass
class Progress:
    position: int
    head: int
    processed: int
    seconds: float


class BatchRunner:
    """Feeds pages of the event log to projections and commits each with its position.

    A commit holds every page handled since the last one (up to ``commit_pages``, or until
    the view stages ``commit_rows``, or fewer at the head of the log, so a projector that
    follows the log commits each page at once)
    and its position, in one transaction: a crash anywhere replays nothing twice and skips
    nothing, and each projection resumes after its own tracked position. Gaps cannot occur:
    the event store appends under a table lock, so positions become visible in order.

    One projection a runner is how production runs them (a process each, see ``open_runner``
    in ``projections.registry``); several share the reading and decoding of the log.
    While a page is handled, the next one is read (the server's work overlaps).
    """

    def __init__(
        self,
        recorder: PostgresApplicationRecorder,
        application_name: str,
        projections: Sequence[BufferedProjection],
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        commit_pages: int = DEFAULT_COMMIT_PAGES,
        commit_rows: int = DEFAULT_COMMIT_ROWS,
    ) -> None:
        self.application_name = application_name
        self.projections = list(projections)
        self.reader = EventLogReader(
            recorder,
            application_name,
            lambda cls: any(p.handles(cls) for p in self.projections),
            self._unused_fields,
            frozenset().union(*(p.handled_modules() for p in self.projections)),
        )
        self.page_size = page_size
        self.commit_pages = max(commit_pages, 1)
        self.commit_rows = max(commit_rows, 1)
        self._stop = threading.Event()
        self._beaten = float("-inf")  # when the last heartbeat was written (monotonic)
        for projection in self.projections:
            projection.view.autoflush = False

    def _unused_fields(self, event_class: type) -> frozenset[str]:
        """The fields of ``event_class`` that none of the projections handling it reads."""
        users = [p for p in self.projections if p.handles(event_class)]
        if not users:
            return frozenset()
        return frozenset.intersection(
            *(p.unused_fields.get(event_class, frozenset()) for p in users)
        )

    def position(self, projection: BufferedProjection) -> int:
        return projection.view.max_tracking_id(self.application_name) or 0

    def run_once(self, on_progress: Callable[[Progress], None] | None = None) -> int:
        """Catch every projection up to the head of the log; returns events processed."""
        started, processed = time.perf_counter(), 0
        head = self.reader.head()
        windows = [_Window(self, p) for p in self.projections]
        reading = ThreadPoolExecutor(max_workers=1, thread_name_prefix="page-read")
        ahead: tuple[int, Future[Page]] | None = None
        try:
            with reading, _no_full_collections():
                while not self._stop.is_set():
                    after = min((w.position for w in windows), default=head)
                    if after >= head:
                        break
                    if ahead is not None and ahead[0] == after:
                        page = ahead[1].result()
                    else:
                        page = self.reader.page(after, self.page_size)
                    ahead = None
                    if not page.size:
                        break
                    if page.last < head:
                        ahead = (
                            page.last,
                            reading.submit(self.reader.page, page.last, self.page_size),
                        )
                    last_page = page.last >= head or page.size < self.page_size
                    for window in windows:
                        window.handle(page)
                        if last_page or self._window_full(window):
                            window.commit()
                    processed += page.size
                    if on_progress:
                        now = time.perf_counter() - started
                        on_progress(Progress(page.last, head, processed, now))
                for window in windows:  # stopped, or the log ended early
                    window.commit()
        except BaseException:
            for window in windows:
                window.abandon()
            raise
        if not self._stop.is_set() and time.monotonic() - self._beaten >= HEARTBEAT_SECONDS:
            self._beat()
        return processed

    def _window_full(self, window: _Window) -> bool:
        if window.pages >= self.commit_pages:
            return True
        return window.pages > 0 and window.projection.view.staged() >= self.commit_rows

    def run_forever(self, poll_seconds: float = 5.0, retry: RetryPolicy | None = None) -> None:
        """Catch up, then wait for NOTIFY from the event store (polling only as a safety net).

        A lost connection (server restart, failover, network blip) is logged and retried with
        backoff, and the views catch up once it is back; any other error is retried too, a
        few times. ``WorkerGaveUp`` is raised when the policy's bounds are passed, so the
        process can exit non-zero and its supervisor restart it: never a silent stop.
        """
        retry = retry or RetryPolicy()
        failures = Failures(retry, "projector")
        recorder = self.reader.recorder
        while not self._stop.is_set():
            try:
                self._follow(poll_seconds, failures)
            except Exception as exc:
                delay = failures.record(exc)  # raises WorkerGaveUp past the bounds
                self._stop.wait(delay)
                # Idle pooled connections died with the server: drop them before the retry.
                discard_broken_connections(recorder.datastore.pool)

    def _follow(self, poll_seconds: float, failures: Failures) -> None:
        recorder = self.reader.recorder
        listen = SQL("LISTEN {0}").format(Identifier(recorder.channel_name))
        kwargs = cast("dict[str, Any]", recorder.datastore.pool.kwargs)
        with psycopg.Connection.connect(**kwargs, autocommit=True) as conn:
            conn.execute(listen)
            while not self._stop.is_set():
                self.run_once()
                failures.recovered()
                for _ in conn.notifies(timeout=poll_seconds, stop_after=1):
                    pass

    def _beat(self) -> None:
        """Record each projection's position and the time: /readyz's proof of life, read
        from any process (the projector may run apart from the API)."""
        datastore = self.reader.recorder.datastore
        beat = SQL(
            "INSERT INTO {0}.sukuma_heartbeats (worker, position, beat_at)"
            " VALUES (%s, %s, now()) ON CONFLICT (worker)"
            " DO UPDATE SET position = excluded.position, beat_at = excluded.beat_at"
        ).format(Identifier(datastore.schema))
        rows = [(heartbeat_worker(p), self.position(p)) for p in self.projections]
        with datastore.transaction(commit=True) as curs:
            curs.executemany(beat, rows)
        self._beaten = time.monotonic()

    def stop(self) -> None:
        self._stop.set()


def heartbeat_worker(projection: BufferedProjection) -> str:
    """The heartbeat's key: its tables' prefix, so a rebuild's runner (``rebuild_...``) never
    speaks for the live projection of the same name."""
    return f"projection:{projection.view.prefix}"


@contextmanager
def _no_full_collections() -> Iterator[None]:
    """Collect the oldest generation only once catch-up ends (young ones as usual).

    Each page's decoded events live long enough to reach the oldest generation, so at the
    default threshold a full collection ran every few pages, walking the cached rows and the
    window's totals each time: 30% of a projector process's CPU (nerve centre, 350k events:
    13.9 s, 9.7 s with this). Processes do not change that, so this stays; reference
    counting still frees everything at once, and the next full collection takes any cycle.
    """
    young, middle, oldest = gc.get_threshold()
    gc.set_threshold(young, middle, CATCH_UP_OLDEST_GENERATION_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(young, middle, oldest)


class _Window:
    """One projection's events handled since its last commit, committed together."""

    def __init__(self, runner: BatchRunner, projection: BufferedProjection) -> None:
        self.projection = projection
        self.application_name = runner.application_name
        self.committed = runner.position(projection)
        self.position = self.committed  # where it will be once the window commits
        self.pages = 0  # pages handled since the last commit
        self._position = runner.position

    def handle(self, page: Page) -> None:
        projection, done = self.projection, self.position
        if page.last <= done:
            return
        if projection.cache_full():
            # Cached rows hold the window's changes: commit them before the cache starts afresh.
            self.commit()
            projection.forget()
            if self.position != done:
                return  # a rebuild moved the position: the page comes again from there
        todo = page.events
        if todo and todo[0][1] <= done:  # this projection is ahead of the others
            todo = [(event, position) for event, position in todo if position > done]
        projection.prefetch([event for event, _ in todo])
        apply = projection.apply
        for event, position in todo:
            apply(event, position)
        self.pages += 1
        self.position = page.last

    def commit(self) -> None:
        """Write the window's changes with its position (nothing to do if it is empty)."""
        if self.position == self.committed:
            return
        projection = self.projection
        projection.settle()
        tracking = Tracking(self.application_name, self.position)
        try:
            projection.view.flush(tracking, after=self.committed)
        except PositionMoved:
            log.info("%s was rebuilt meanwhile: continuing from its new position", projection.name)
            projection.forget()
            self.position = self.committed = self._position(projection)
        else:
            self.committed = self.position
        self.pages = 0

    def abandon(self) -> None:
        """After a failure: drop buffered changes and the cached rows they were made to."""
        self.projection.view.reset()
        self.projection.forget()
