"""What a read costs the server, without the machine's noise: the pages it touches and the
time PostgreSQL spends executing it.

A p95 on a shared machine is mostly the neighbours' load (a read of a millisecond alone took
10-180 ms at p95 at a load of 20), and a sub-millisecond read doubles on a scheduling hiccup.
So ``bench.queries`` also runs each statement a read sends (recorded as it calls the pool)
under ``EXPLAIN (ANALYZE, BUFFERS)``: the shared buffers it hit or read, the same in every
run, and the server's execution time (median of several), planning excluded.
"""

from __future__ import annotations

import statistics
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import orjson

from adapters.database import asyncpg_connect_kwargs

Query = Callable[[Any], Awaitable[Any]]
RUNS = 7
EXPLAIN = "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)"


class _Recorder:
    """Stands in for the read pool: runs each statement on one connection and keeps it."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.statements: list[tuple[str, tuple[Any, ...]]] = []

    async def fetch(self, sql: str, *args: Any) -> Any:
        self.statements.append((sql, args))
        return await self.conn.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: Any) -> Any:
        self.statements.append((sql, args))
        return await self.conn.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        self.statements.append((sql, args))
        return await self.conn.fetchval(sql, *args)


async def work(url: str, queries: dict[str, Query]) -> dict[str, tuple[int, float]]:
    """Each read's shared buffers and median server execution time (ms), by name."""
    conn = await asyncpg.connect(**asyncpg_connect_kwargs(url))
    out: dict[str, tuple[int, float]] = {}
    try:
        for name, query in queries.items():
            recorder = _Recorder(conn)
            await query(recorder)
            buffers, times = 0, []
            for _ in range(RUNS):
                buffers, took = 0, 0.0
                for sql, args in recorder.statements:
                    text = await conn.fetchval(f"{EXPLAIN} {sql}", *args)
                    plan = orjson.loads(text)[0]
                    top = plan["Plan"]
                    buffers += top["Shared Hit Blocks"] + top["Shared Read Blocks"]
                    took += plan["Execution Time"]
                times.append(took)
            out[name] = (buffers, statistics.median(times))
    finally:
        await conn.close()
    return out


def report(
    small: dict[str, tuple[int, float]],
    large: dict[str, tuple[int, float]],
    as_of: dict[str, str],
) -> None:
    """Print both sizes' work side by side, then each read as of a day (``as_of``: its name
    -> the same read's today) against today's at the large size, with the worst ratios of
    execution time."""
    print(f"{'server work (EXPLAIN ANALYZE)':56} {'buffers':>15} {'exec ms small':>13}", end="")
    print(f" {'large':>6} {'ratio':>6}")
    worst = 0.0
    for name, (buffers, took) in small.items():
        big_buffers, big_took = large[name]
        worst = max(worst, big_took / took)
        print(f"{name:56} {buffers:7} {big_buffers:7} {took:13.2f} {big_took:6.2f}", end="")
        print(f" {big_took / took:6.2f}")
    print(f"worst ratio of server execution time (large / small): {worst:.2f}")
    print(f"{'server work as of vs today, large size':56} {'buffers':>15}", end="")
    print(f" {'exec ms today':>13}", end="")
    print(f" {'as of':>6} {'ratio':>6}")
    worst = 0.0
    for name, same in as_of.items():
        (buffers, took), (back_buffers, back_took) = large[same], large[name]
        worst = max(worst, back_took / took)
        print(f"{name:56} {buffers:7} {back_buffers:7} {took:13.2f} {back_took:6.2f}", end="")
        print(f" {back_took / took:6.2f}")
    print(f"worst ratio of server execution time (as of / today): {worst:.2f}")
