"""Bulk fills load a big table's rows first and build its indexes after.

Inserting 3 million rows into a table with its indexes in place adds each row to every index
at a random place (random ids, area codes): a page read and written per row and index, with
a full page image in the WAL after each checkpoint. Sorting once per index at the end, as
``CREATE INDEX`` does, is several times faster, and the database ends with the same schema
(the indexes and keys the migrations made, rebuilt from their own definitions).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg

# Each index of the tables: the statements that drop it and make it again (a primary key or
# unique constraint through its table, any other index by itself).
_INDEXES = """SELECT
    CASE WHEN c.conname IS NULL THEN format('DROP INDEX %%s', i.indexrelid::regclass)
         ELSE format('ALTER TABLE %%s DROP CONSTRAINT %%I', i.indrelid::regclass, c.conname)
    END AS drop_it,
    CASE WHEN c.conname IS NULL THEN pg_get_indexdef(i.indexrelid)
         ELSE format('ALTER TABLE %%s ADD CONSTRAINT %%I %%s', i.indrelid::regclass, c.conname,
                     pg_get_constraintdef(c.oid))
    END AS make_it
    FROM pg_index i
    LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
                             AND c.contype IN ('p', 'u')
    WHERE i.indrelid = ANY(%s::regclass[])"""


@contextmanager
def indexes_after(conn: psycopg.Connection[Any], tables: Sequence[str]) -> Iterator[None]:
    """Drop the tables' indexes (and keys) for the block's inserts, then build them again (an
    autocommit connection; the block must not need them: no ON CONFLICT on these tables)."""
    indexes = conn.execute(_INDEXES, (list(tables),)).fetchall()
    for drop_it, _ in indexes:
        conn.execute(drop_it.encode())
    try:
        yield
    finally:
        conn.execute("SET maintenance_work_mem = '256MB'")  # each index sorted in memory
        for _, make_it in indexes:
            conn.execute(make_it.encode())
        conn.execute("RESET maintenance_work_mem")
