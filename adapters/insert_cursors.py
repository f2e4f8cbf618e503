"""The append's cursor a connection keeps, and the events as the columns it sends."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from psycopg import Connection, Cursor
from psycopg.rows import DictRow, TupleRow, tuple_row


class InsertCursors:
    """The cursor each connection inserts events with, kept while the connection is open.

    psycopg keeps a cursor's adapters, and the array dumpers they made, while the cursor
    runs the same statement again; a new cursor per append copied the adapters map and made
    them all again (about 100 us of CPU an append, measured under load)."""

    def __init__(self) -> None:
        self._cursors: dict[Connection[DictRow], Cursor[TupleRow]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._cursors)

    def on(self, conn: Connection[DictRow]) -> Cursor[TupleRow]:
        """The connection's insert cursor (one holder at a time: the pool's)."""
        curs = self._cursors.get(conn)
        if curs is None or curs.closed:
            curs = conn.cursor(row_factory=tuple_row)  # its rows read as tuples, not dicts
            with self._lock:  # closed connections (lost, or past their lifetime) let go
                for closed in [c for c in self._cursors if c.closed]:
                    del self._cursors[closed]
                self._cursors[conn] = curs
        return curs


def columns(stored_events: Sequence[StoredEvent]) -> tuple[list[Any], ...]:
    """The events' originator ids, versions, topics and states: a list each, in order."""
    return (
        [e.originator_id for e in stored_events],
        [e.originator_version for e in stored_events],
        [e.topic for e in stored_events],
        [e.state for e in stored_events],
    )
