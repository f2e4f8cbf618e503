"""The append's cursor a connection keeps, and what an append may send along its events."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from psycopg import Connection, Cursor
from psycopg.rows import DictRow, TupleRow, tuple_row

#: Statements sent in an append's own transaction (an import batch's matcher index): given
#: the connection, the events' sequence (``pg_get_serial_sequence``'s name) and how many
#: events the append inserts, it sends what goes before the events table's lock, and
#: returns what sends the rest once the events are in, which returns how to read their
#: answer once the pipeline has run.
Along = Callable[[Connection[DictRow], str, int], Callable[[], Callable[[], Any]]]


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
