"""What a read costs the server, without the machine's noise: the pages it touches and the
time PostgreSQL spends executing it.

A p95 on a shared machine is mostly the neighbours' load (a read of a millisecond alone took
10-180 ms at p95 at a load of 20), and a sub-millisecond read doubles on a scheduling hiccup.
So ``bench.queries`` also runs each statement a read sends (recorded as it calls the pool)
under ``EXPLAIN (ANALYZE, BUFFERS)``: the shared buffers it hit or read, the same in every
run, the server's execution time (median of several), and apart from it the planning time:
a custom plan's on every call; a generic plan's (``scoping.fetch_generic``) cached, about 0.
"""

from __future__ import annotations

import statistics
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import orjson

from adapters.database import asyncpg_connect_kwargs
from projections.scoping import GENERIC_PLAN, RESET_PLAN

Query = Callable[[Any], Awaitable[Any]]
Work = tuple[int, float, float]  # shared buffers, execution and planning ms
RUNS = 7
EXPLAIN = "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)"


class _Recorder:
    """Stands in for the read pool: runs each statement on one connection and keeps it, with
    the plan mode it ran under (``scoping.fetch_generic`` sets it on the connection it holds)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.statements: list[tuple[str, tuple[Any, ...], bool]] = []
        self.generic = False

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[_Recorder]:
        try:
            yield self
        finally:
            await self.conn.execute(RESET_PLAN)  # as the pool's release resets a connection
            self.generic = False

    async def execute(self, sql: str, *args: Any) -> Any:
        self.generic = {GENERIC_PLAN: True, RESET_PLAN: False}.get(sql, self.generic)
        return await self.conn.execute(sql, *args)

    def is_in_transaction(self) -> bool:
        return bool(self.conn.is_in_transaction())

    async def fetch(self, sql: str, *args: Any) -> Any:
        self.statements.append((sql, args, self.generic))
        return await self.conn.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: Any) -> Any:
        self.statements.append((sql, args, self.generic))
        return await self.conn.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        self.statements.append((sql, args, self.generic))
        return await self.conn.fetchval(sql, *args)


async def _explain(conn: asyncpg.Connection, sql: str, args: tuple[Any, ...], generic: bool) -> Any:
    """EXPLAIN ANALYZE of a statement as the read runs it: a generic plan's through a prepared
    statement executed under ``fetch_generic``'s setting (its planning then cached)."""
    if not generic:
        return orjson.loads(await conn.fetchval(f"{EXPLAIN} {sql}", *args))[0]
    await conn.execute(f"PREPARE work AS {sql}")
    try:
        await conn.execute(GENERIC_PLAN)
        # EXECUTE takes no bound values: each as a literal, cast to the parameter's type
        values = f"({', '.join(_literal(a) for a in args)})" if args else ""
        await conn.execute(f"EXECUTE work{values}")  # its generic plan made, as a read's is
        return orjson.loads(await conn.fetchval(f"{EXPLAIN} EXECUTE work{values}"))[0]
    finally:
        await conn.execute(f"{RESET_PLAN}; DEALLOCATE work")


def _literal(value: Any) -> str:
    """A bench value (text, a number, a day, a list of text, None) as an untyped literal."""
    if value is None:
        return "NULL"
    if isinstance(value, list | tuple):
        quoted = ",".join(
            '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in value
        )
        value = "{" + quoted + "}"
    return "'" + str(value).replace("'", "''") + "'"


async def work(url: str, queries: dict[str, Query]) -> dict[str, Work]:
    """Each read's shared buffers and median server execution time (ms), by name."""
    conn = await asyncpg.connect(**asyncpg_connect_kwargs(url))
    out: dict[str, Work] = {}
    try:
        for name, query in queries.items():
            recorder = _Recorder(conn)
            await query(recorder)
            buffers, times, planned = 0, [], []
            for _ in range(RUNS):
                buffers, took, planning = 0, 0.0, 0.0
                for sql, args, generic in recorder.statements:
                    plan = await _explain(conn, sql, args, generic)
                    top = plan["Plan"]
                    buffers += top["Shared Hit Blocks"] + top["Shared Read Blocks"]
                    took += plan["Execution Time"]
                    planning += plan["Planning Time"]
                times.append(took)
                planned.append(planning)
            out[name] = (buffers, statistics.median(times), statistics.median(planned))
    finally:
        await conn.close()
    return out


def report(
    small: dict[str, Work],
    large: dict[str, Work],
    as_of: dict[str, str],
) -> None:
    """Print both sizes' work side by side (and the planning at the large size), then each
    read as of a day (``as_of``: its name -> the same read's today) against today's at the
    large size, with the worst ratios of execution time."""
    print(f"{'server work (EXPLAIN ANALYZE)':56} {'buffers':>15} {'exec ms small':>13}", end="")
    print(f" {'large':>6} {'ratio':>6} {'plan ms':>7}")
    worst = 0.0
    for name, (buffers, took, _) in small.items():
        big_buffers, big_took, planning = large[name]
        worst = max(worst, big_took / took)
        print(f"{name:56} {buffers:7} {big_buffers:7} {took:13.2f} {big_took:6.2f}", end="")
        print(f" {big_took / took:6.2f} {planning:7.2f}")
    print(f"worst ratio of server execution time (large / small): {worst:.2f}")
    print(f"{'server work as of vs today, large size':56} {'buffers':>15}", end="")
    print(f" {'exec ms today':>13}", end="")
    print(f" {'as of':>6} {'ratio':>6}")
    worst = 0.0
    for name, same in as_of.items():
        (buffers, took, _), (back_buffers, back_took, _) = large[same], large[name]
        worst = max(worst, back_took / took)
        print(f"{name:56} {buffers:7} {back_buffers:7} {took:13.2f} {back_took:6.2f}", end="")
        print(f" {back_took / took:6.2f}")
    print(f"worst ratio of server execution time (as of / today): {worst:.2f}")
