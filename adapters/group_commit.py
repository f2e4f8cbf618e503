"""Group commit: the appends of concurrent commands share one statement, one lock, one commit.

Every append takes the events table's lock until it commits (the notification ids must commit
in order, or a projection could pass over a gap that is filled later), so writers queue for
it and the store's throughput is one commit at a time. A command's append is small; what costs
is the lock, the round trip and the commit's WAL flush. So a process's concurrent appends are
gathered while one is in flight and go to the server together, in one call of a plpgsql
function that inserts their receipts, takes the lock, inserts every event, sets each receipt's
position and commits (autocommit: the lock is held on the server only, never across a client
round trip).

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


def append_function_sql(
    schema: str,
    function: str,
    events_table: str,
    event_type: str,
    receipts_table: str,
    channel: str,
    lock_timeout: int,
) -> Composed:
    """The plpgsql function one shared append calls (see the module's docstring).

    Receipts go in before the lock, ordered by key: a racing retry waits on its key's row,
    not on the table, and two batches cannot deadlock on each other's keys.
    """
    return SQL(
        "CREATE OR REPLACE FUNCTION {schema}.{function}("
        "events {schema}.{event_type}[], r_actor text[], r_key text[], r_fingerprint text[], "
        "r_status int[], r_body jsonb[], r_aggregate uuid[], r_version bigint[], r_end int[]) "
        "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ "
        "DECLARE ids bigint[]; "
        "BEGIN "
        "  IF cardinality(r_key) > 0 THEN "
        "    INSERT INTO {schema}.{receipts} (actor, key, fingerprint, status_code, body, "
        "      aggregate_id, version) "
        "    SELECT * FROM unnest(r_actor, r_key, r_fingerprint, r_status, r_body, "
        "      r_aggregate, r_version) ORDER BY 1, 2; "
        "  END IF; "
        "  SET LOCAL lock_timeout = '{lock_timeout}s'; "
        "  LOCK TABLE {schema}.{events} IN EXCLUSIVE MODE; "
        "  NOTIFY {channel}; "
        "  WITH inserted AS ("
        "    INSERT INTO {schema}.{events} (originator_id, originator_version, topic, state)"
        "    SELECT originator_id, originator_version, topic, state FROM unnest(events)"
        "    RETURNING notification_id) "
        "  SELECT array_agg(notification_id ORDER BY notification_id) INTO ids FROM inserted; "
        "  IF cardinality(r_key) > 0 THEN "
        "    UPDATE {schema}.{receipts} AS r SET position = ids[u.e] "
        "    FROM unnest(r_actor, r_key, r_end) AS u(a, k, e) "
        "    WHERE r.actor = u.a AND r.key = u.k; "
        "  END IF; "
        "  RETURN QUERY SELECT unnest(ids); "
        "END $BODY$"
    ).format(
        schema=Identifier(schema),
        function=Identifier(function),
        event_type=Identifier(event_type),
        receipts=Identifier(receipts_table),
        events=Identifier(events_table),
        channel=Identifier(channel),
        lock_timeout=lock_timeout,
    )


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
