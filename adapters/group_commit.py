"""Group commit: the appends of concurrent commands share one statement, one lock, one commit.

Every append takes the events table's lock until it commits (the notification ids must commit
in order, or a projection could pass over a gap that is filled later), so writers queue for
it and the store's throughput is one commit at a time. A command's append is small; what costs
is the lock, the round trip and the commit's WAL flush. So a process's concurrent appends are
gathered while one is in flight and go to the server together, in one call of a plpgsql
function that inserts their receipts, takes the lock, inserts every event, sets each receipt's
position and commits (autocommit: the lock is held on the server only, never across a client
round trip). The function is migration ``adapters/migrations/0002_group_commit.sql``.

Each append still stands alone: if the shared call fails (two commands raced on one aggregate
version, or on one idempotency key), every append in it is tried again on its own, so only the
loser sees the conflict and nothing of it is written.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from psycopg.sql import SQL, Composed, Identifier

#: Appends gathered into one call at most (a command appends a handful of events).
MAX_BATCH = 200


@dataclass
class Append:
    """One command's events (as the library's composite values) and its receipt's fields."""

    events: Sequence[Any]
    #: (actor, key, fingerprint, status_code, body, aggregate_id, version), or None
    receipt: tuple[Any, ...] | None
    ids: list[int] = field(default_factory=list)
    error: Exception | None = None
    done: bool = False


Call = Callable[[Sequence[Append]], list[int]]


class GroupCommit:
    """Leader/follower batching: the first waiting thread sends everything queued meanwhile."""

    def __init__(self, call: Call) -> None:
        self._call = call
        self._queue: list[Append] = []
        self._queue_lock = threading.Lock()
        self._leader = threading.Lock()

    def append(self, item: Append) -> list[int]:
        with self._queue_lock:
            self._queue.append(item)
        with self._leader:
            if not item.done:  # no earlier leader took it: lead the next batch
                with self._queue_lock:
                    batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                self._run(batch)
        if item.error is not None:
            raise item.error
        return item.ids

    def _run(self, batch: list[Append]) -> None:
        try:
            if len(batch) > 1:
                try:
                    ids = self._call(batch)
                except Exception:
                    pass  # one of them conflicts: each again on its own, below
                else:
                    start = 0
                    for item in batch:
                        item.ids = ids[start : start + len(item.events)]
                        start += len(item.events)
                        item.done = True
                    return
            for item in batch:
                try:
                    item.ids = self._call([item])
                except Exception as exc:
                    item.error = exc
                item.done = True
        finally:
            for item in batch:
                if not item.done:  # only if this thread was interrupted
                    item.error = RuntimeError("the shared append was interrupted")
                    item.done = True


def call_sql(schema: str, function: str, event_type: str) -> Composed:
    return SQL(
        "SELECT * FROM {0}.{1}(%s::{0}.{2}[], %s::text[], %s::text[], %s::text[], %s::int[], "
        "%s::jsonb[], %s::uuid[], %s::bigint[], %s::int[]) AS notification_id"
    ).format(Identifier(schema), Identifier(function), Identifier(event_type))


def call_params(batch: Sequence[Append]) -> tuple[Any, ...]:
    """The function's arguments for a batch: all events in order, the receipts column-wise."""
    events: list[Any] = []
    receipts: list[tuple[Any, ...]] = []
    for item in batch:
        events.extend(item.events)
        if item.receipt is not None:
            receipts.append((*item.receipt, len(events)))  # its last event's (1-based) index
    columns = [list(column) for column in zip(*receipts, strict=True)] or [[] for _ in range(8)]
    return (events, *columns)
