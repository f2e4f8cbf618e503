"""The personal-data access log, as reads write it: which personal fields (or exact special
categories) one response showed of which households, written before the response leaves
(``api.personal`` shapes the reads and notes what they show here)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from uuid import UUID

from asyncpg.exceptions import ReadOnlySQLTransactionError
from starlette.concurrency import run_in_threadpool

from adapters.event_store import SukumaRecorder, pii_reads_insert
from domain.access.principal import Principal
from domain.sukuma import Sukuma
from projections.scoping import Db


@dataclass
class ReadLog:
    """The access log's rule, for every read: which personal fields (or exact special
    categories) one response showed of which households, noted as it is shaped and written
    in one statement (a row a household, its fields joined) before the response leaves.
    A response whose log could not be written is not sent."""

    app: Sukuma
    principal: Principal
    endpoint: str
    shown: dict[UUID, set[str]] = field(default_factory=dict)
    #: The read pool (asyncpg), if the log is to be written on it: on the event loop, by an
    #: open connection, its arrays encoded by the driver (a list page's 200 rows: 1.3-1.6 ms
    #: against 2.5-2.8 by the event store's pool and a thread, fastest of 30 at load 9). If
    #: it reads a replica, which refuses the write, the log is written on the primary.
    pool: Db | None = None
    _writing: asyncio.Task[None] | None = field(default=None, init=False, repr=False)

    @property
    def pending(self) -> bool:
        """Whether anything noted is still to be written (or being written)."""
        return bool(self.shown) or self._writing is not None

    def start(self) -> None:
        """Begin writing what was noted now, on the event loop: a list page formats its rows
        while the commit is flushed. ``written`` still waits for it (and fails if it did)."""
        if self._writing is None and self.shown:
            self._writing = asyncio.ensure_future(self._write())

    def note(self, household_id: UUID, fields: Iterable[str]) -> None:
        if fields:
            self.shown.setdefault(household_id, set()).update(fields)

    def write(self) -> None:
        """Write what was noted (blocking), once: the log is then empty."""
        recorder = self.app.recorder
        shown, self.shown = self.shown, {}
        if shown and isinstance(recorder, SukumaRecorder):
            fields = {household: ",".join(sorted(f)) for household, f in shown.items()}
            recorder.record_pii_reads(
                self.principal.user_id, self.principal.username, self.endpoint, fields
            )

    async def written(self) -> None:
        """``write`` without blocking the event loop: on the read pool if given, else in a
        thread (nothing to do, if nothing was shown); a write ``start`` began awaited."""
        if self._writing is not None:
            writing, self._writing = self._writing, None
            await writing
        await self._write()  # what was noted since (a list page: nothing)

    async def _write(self) -> None:
        recorder = self.app.recorder
        if not self.shown or self.pool is None or not isinstance(recorder, SukumaRecorder):
            if self.shown:
                await run_in_threadpool(self.write)
            return
        shown, self.shown = self.shown, {}
        households = list(shown)
        try:
            await self.pool.execute(
                _log_statement(recorder.pii_reads_table_name),
                self.principal.user_id,
                self.principal.username,
                self.endpoint,
                households,
                [",".join(sorted(shown[household])) for household in households],
            )
        except ReadOnlySQLTransactionError:
            # The read pool reads a replica (a hot standby refuses every write): the log goes
            # to the primary by the event store's pool, as the reads that have no pool do.
            self.shown = shown
            await run_in_threadpool(self.write)


@cache
def _log_statement(table: str) -> str:
    return pii_reads_insert(table, ("$1", "$2", "$3", "$4", "$5"))


def record_read(
    app: Sukuma, principal: Principal, household_id: UUID, endpoint: str, shown: list[str]
) -> None:
    log = ReadLog(app, principal, endpoint)
    log.note(household_id, shown)
    log.write()
