"""The batching projection runner: one transaction per page, new events via LISTEN/NOTIFY."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import psycopg
from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

from projections.base import BufferedProjection, PositionMoved
from projections.decoding import EventLogReader

log = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 20_000


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
    """

    def __init__(
        self,
        recorder: PostgresApplicationRecorder,
        application_name: str,
        projections: Sequence[BufferedProjection],
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        self.reader = EventLogReader(recorder, application_name)
        self.application_name = application_name
        self.projections = list(projections)
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
        after = min((self.position(p) for p in self.projections), default=head)
        while after < head and not self._stop.is_set():
            page = self.reader.page(after, self.page_size)
            if not page:
                break
            for projection in self.projections:
                self._process(projection, page)
            after = page[-1][1].notification_id
            processed += len(page)
            if on_progress:
                on_progress(Progress(after, head, processed, time.perf_counter() - started))
        return processed

    def _process(self, projection: BufferedProjection, page: list[tuple[Any, Tracking]]) -> None:
        done = self.position(projection)
        todo = [(event, tracking) for event, tracking in page if tracking.notification_id > done]
        if not todo:
            return
        try:
            projection.prefetch([event for event, _ in todo])
            for event, tracking in todo:
                projection.process_event(event, tracking)
            projection.view.flush(todo[-1][1], after=done)
        except PositionMoved:
            log.info("%s was rebuilt meanwhile: continuing from its new position", projection.name)
            projection.forget()
            return
        except BaseException:
            projection.view.reset()
            projection.forget()  # cached rows may hold changes that were never committed
            raise
        projection.after_flush()

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
