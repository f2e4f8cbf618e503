"""The projector as its own process: catch the views up with the log, then follow it.

    python -m sukuma.projector --database-url URL [--projection NAME] [--until-caught-up]

Production runs one such process per projection (``--projection NAME``), so catch-up is not
bound to one interpreter; without ``--projection`` one process runs them all.

Each transaction commits a window of pages (``--commit-pages`` at most, fewer once the view
holds ``--commit-rows`` staged rows; at the head of the log, each page) with its position,
so the process may be killed at any moment (SIGKILL included): the next start resumes
exactly after the last commit. SIGTERM and SIGINT stop it cleanly after the
page in flight, committing what it has handled. With ``--until-caught-up`` it exits 0 once the
views have reached the head of the log as it was at start (3 if stopped before that).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import Environment

from adapters.migrations import check_schema
from adapters.pool_check import tune_event_store_pool
from domain import LOG_NAME
from projections.liveness import WorkerGaveUp
from projections.registry import open_runner
from projections.runner import (
    DEFAULT_COMMIT_PAGES,
    DEFAULT_COMMIT_ROWS,
    DEFAULT_PAGE_SIZE,
    BatchRunner,
    Progress,
)
from sukuma.settings import Settings

log = logging.getLogger("sukuma.projector")

EXIT_STOPPED = 3
EXIT_GAVE_UP = 1


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sukuma.projector", description=__doc__)
    parser.add_argument(
        "--database-url", help="PostgreSQL URL of the event store (default: SUKUMA_DATABASE_URL)"
    )
    parser.add_argument("--page-size", type=int, default=DEFAULT_PAGE_SIZE, help="events a page")
    parser.add_argument(
        "--commit-pages",
        type=int,
        default=DEFAULT_COMMIT_PAGES,
        help="pages a transaction at most while catching up",
    )
    parser.add_argument(
        "--commit-rows",
        type=int,
        default=DEFAULT_COMMIT_ROWS,
        help="rows a view stages at most before a transaction while catching up (about)",
    )
    parser.add_argument(
        "--projection",
        action="append",
        default=[],
        help="run only this projection (repeatable; default: all)",
    )
    parser.add_argument(
        "--until-caught-up", action="store_true", help="exit once the head of the log is reached"
    )
    parser.add_argument(
        "--poll-seconds", type=float, default=5.0, help="safety-net poll besides LISTEN/NOTIFY"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every page")
    args = parser.parse_args(argv)
    if args.page_size < 1:
        parser.error("--page-size must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    with tempfile.TemporaryDirectory(prefix="sukuma-worker-") as data_dir:
        given = {"database_url": args.database_url} if args.database_url else {}
        settings = projector_settings(Settings(data_dir=Path(data_dir), **given))
        if settings.database_url is None:
            log.error("no database: pass --database-url or set SUKUMA_DATABASE_URL")
            return 2
        factory, recorder = open_log(settings, settings.database_url)
        try:
            runner = open_runner(
                recorder,
                APPLICATION_NAME,
                args.projection,
                page_size=args.page_size,
                commit_pages=args.commit_pages,
                commit_rows=args.commit_rows,
            )
            _stop_on_signals(runner)
            if args.until_caught_up:
                return catch_up(runner)
            log.info("following the log (page size %d)", args.page_size)
            try:
                runner.run_forever(poll_seconds=args.poll_seconds)
            except WorkerGaveUp:
                return EXIT_GAVE_UP  # logged; a supervisor restarts the process
            return 0
        finally:
            factory.close()


#: The log's application (``domain.sukuma.Sukuma.name``). Importing the application for it,
#: its commands and every aggregate's event classes, was about half of a projector's start-up:
#: a projector imports only the domain modules of the events its projection handles.
APPLICATION_NAME = LOG_NAME


def open_log(
    settings: Settings, database_url: str
) -> tuple[InfrastructureFactory, PostgresApplicationRecorder]:
    """The event store's recorder as the application opens it (the same environment, pool
    and schema check), without the application: a projector only reads the log.

    The library's own recorder class, not the application's (``APPLICATION_RECORDER_TOPIC``):
    the same table and channel, and a projector never appends, while importing that class
    (``adapters.event_store``: idempotency, data keys, ``domain.application`` and the access
    rules' locations) was a third of a small projector's start-up."""
    check_schema(database_url, settings.schema_for(database_url))
    given = {**os.environ, **settings.eventsourcing_env(database_url)}
    given.pop(InfrastructureFactory.APPLICATION_RECORDER_TOPIC, None)
    env = Environment(APPLICATION_NAME, given)
    factory = InfrastructureFactory.construct(env)
    recorder = factory.application_recorder()
    assert isinstance(recorder, PostgresApplicationRecorder)
    tune_event_store_pool(
        recorder.datastore,
        timeout=settings.write_pool_timeout,
        reconnect_timeout=settings.write_pool_reconnect_timeout,
    )
    return factory, recorder


#: A projector process's event-store pool unless SUKUMA_WRITE_POOL_SIZE / _MAX_OVERFLOW say
#: otherwise: its runner reads and writes on one thread, a connection or two at a time, and
#: one process per projection with the API's pool of 10 each (twelve projectors) opened more
#: connections than PostgreSQL's default 100 (`bench.catchup` stopped on "too many clients").
PROJECTOR_POOL_SIZE = 2
PROJECTOR_POOL_MAX_OVERFLOW = 2


def projector_settings(settings: Settings) -> Settings:
    """``settings`` with the projector's small event-store pool where none was chosen."""
    chosen = settings.model_fields_set
    update = {
        name: value
        for name, value in (
            ("write_pool_size", PROJECTOR_POOL_SIZE),
            ("write_pool_max_overflow", PROJECTOR_POOL_MAX_OVERFLOW),
        )
        if name not in chosen
    }
    return settings.model_copy(update=update)


def catch_up(runner: BatchRunner) -> int:
    """Process up to the head of the log; 0 when every projection reached it."""
    head = runner.reader.head()

    def progress(p: Progress) -> None:
        log.debug(
            "position %d of %d (%d events, %.1f s)", p.position, p.head, p.processed, p.seconds
        )

    processed = runner.run_once(progress)
    behind = [p.name for p in runner.projections if runner.position(p) < head]
    if behind:
        log.warning("stopped before the head (%d): %s behind", head, ", ".join(behind))
        return EXIT_STOPPED
    log.info("caught up: %d events processed, position %d", processed, head)
    return 0


def stop_process() -> None:
    """Ask this process to stop as on SIGTERM (uvicorn shuts down cleanly), from any thread."""
    os.kill(os.getpid(), signal.SIGTERM)


class ProjectorThread(threading.Thread):
    """The projector following the log in a thread of ``sukuma serve``.

    It retries lost connections itself; if it gives up (or fails in any way), ``on_death``
    is called (by default: SIGTERM to this process) and ``failed`` is set, so the process
    exits non-zero instead of serving views that no longer move.
    """

    def __init__(
        self,
        runner: BatchRunner,
        poll_seconds: float = 5.0,
        on_death: Callable[[], None] = stop_process,
    ) -> None:
        super().__init__(name="projector", daemon=True)
        self.runner, self.poll_seconds, self.on_death = runner, poll_seconds, on_death
        self.failed: BaseException | None = None

    def run(self) -> None:
        try:
            self.runner.run_forever(poll_seconds=self.poll_seconds)
        except BaseException as exc:
            self.failed = exc
            log.critical("the projector thread stopped: stopping the process", exc_info=exc)
            self.on_death()

    def stop(self, timeout: float = 10) -> None:
        self.runner.stop()
        self.join(timeout=timeout)


def _stop_on_signals(runner: BatchRunner) -> None:
    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: stopping after the page in flight", signum)
        runner.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


if __name__ == "__main__":
    sys.exit(main())
