"""An import's batches prepared (checked, and for a real run built and sealed) apart from
their saving: in worker processes, each with its own application (its own connections and
data-key cache), or on one thread beside the writer.

The CPU of an import is mostly here (pydantic and the domain's checks, the library's event
machinery, risk and needs, sealing and JSON): worker processes spread it over the cores,
while the importing process saves the batches in the file's order (each sees the batches
before it, for duplicates) and indexes them for the matcher.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from multiprocessing import get_context
from typing import Any

from api.imports.rows import Group, RowProblem, check_households
from domain.context import CommandContext
from domain.imports.application import SealedBatch
from domain.sukuma import Sukuma


@dataclass(frozen=True)
class Prepared:
    """A batch of a file's households, checked and (a real run's new ones) sealed. What the
    check found is kept as counts, not the households (they cross from a worker process)."""

    valid: int
    invalid: int
    problems: list[RowProblem]
    wards: set[str]  # of the valid households
    sealed: SealedBatch | None

    @property
    def households(self) -> int:
        """Households of the file in this batch, valid or not."""
        return self.valid + self.invalid


def prepare_batch(app: Sukuma, groups: list[Group], ctx: CommandContext, dry_run: bool) -> Prepared:
    """Check a batch's households and, unless ``dry_run``, build those not in the log yet
    (their data keys made in one insert) and map their events for the event store."""
    checked = check_households(groups, ctx.occurred_at.date())
    sealed = None
    if not dry_run and checked.households:
        sealed = app.seal_import(app.build_import(checked.households, ctx))
    return Prepared(
        len(checked.households),
        checked.invalid_households,
        checked.problems,
        checked.wards,
        sealed,
    )


Prepare = Callable[[list[Group], CommandContext, bool], Prepared]


class ImportWorkers:
    """Worker processes for imports, each with its own application made by ``factory`` (the
    composition root's ``build_application`` with its settings), started at once and kept
    for every import until ``close``.

    Forked, not spawned: a spawned worker imports the application's modules again (about
    1.3 s of CPU each, as much as 1,000 households' import). A fork copies only the forking
    thread, so a lock another thread held then (a connection pool's, logging's) stays held
    in the child for good: start the workers before this process has any other thread or
    pool (the CLI and ``bench.import`` start them first). Started later (tests, beside a
    running application), they come from a forkserver instead: a clean process that imported
    the modules once, forked for each worker.
    """

    def __init__(self, factory: Callable[[], Sukuma], processes: int) -> None:
        self.processes = processes
        self.start_method = "fork" if threading.active_count() == 1 else "forkserver"
        context = get_context(self.start_method)
        if self.start_method == "forkserver":
            context.set_forkserver_preload([__name__])
        self.executor = ProcessPoolExecutor(
            processes, mp_context=context, initializer=_start, initargs=(factory,)
        )
        # The first submit forks every worker (before the executor's own thread starts).
        self.executor.submit(os.getpid).result()

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ImportWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def preparing(
    app: Sukuma, workers: ImportWorkers | None
) -> Iterator[tuple[Callable[..., Future[Prepared]], Prepare, int]]:
    """How to submit ``prepare_batch``, the function to submit, and how many batches to keep
    in flight: to the worker processes (two batches ahead of the writer for each), or to one
    thread of this process (one batch ahead: it overlaps the writer's waits on the database).
    Batches not started when the writer stops (an error, an interruption) are cancelled, and
    those running waited for (a resumed run must not race them)."""
    submitted: list[Future[Prepared]] = []

    def submit(executor: Executor, fn: Prepare, *args: Any) -> Future[Prepared]:
        future = executor.submit(fn, *args)
        submitted.append(future)
        return future

    if workers is None:
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-prepare")
        try:
            yield partial(submit, executor), partial(prepare_batch, app), 1
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
        return
    try:
        yield partial(submit, workers.executor), _prepare_in_worker, 2 * workers.processes
    finally:
        for future in submitted:
            future.cancel()
        wait(submitted)


# ---- in a worker process ------------------------------------------------------------------------

_application: Sukuma | None = None


def _start(factory: Callable[[], Sukuma]) -> None:
    global _application
    _application = factory()


def _prepare_in_worker(groups: list[Group], ctx: CommandContext, dry_run: bool) -> Prepared:
    assert _application is not None, "a worker started by ImportWorkers"
    return prepare_batch(_application, groups, ctx, dry_run)
