"""Shadow tables: a projection's tables copied empty under a prefix, to build it beside the live.

The live tables come from the migrations; a shadow copies one with ``LIKE ... INCLUDING ALL``
(columns, defaults, constraints, indexes) and its storage parameters, and names each index as
the live table's with the prefix, so a rebuild's swap (which strips the prefix) leaves the
names the migrations gave, and a later migration finds them.
"""

from __future__ import annotations

from collections.abc import Sequence

from eventsourcing.postgres import PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

# Starting processes or rebuilds that copy the same tables take turns.
SHADOW_LOCK_KEY = 0x5355_4B53


def create_shadow_tables(datastore: PostgresDatastore, tables: Sequence[str], prefix: str) -> None:
    """``<prefix><table>`` for each of ``tables`` that has no shadow yet."""
    schema = datastore.schema
    with datastore.transaction(commit=True) as curs:
        curs.execute("SELECT pg_advisory_xact_lock(%s)", (SHADOW_LOCK_KEY,))
        for table in tables:
            shadow = prefix + table
            curs.execute("SELECT to_regclass(%s) AS found", (_qualified(schema, shadow),))
            row = curs.fetchone()
            if row is not None and row["found"] is not None:
                continue
            curs.execute(
                SQL("CREATE TABLE {0} (LIKE {1} INCLUDING ALL)").format(
                    Identifier(schema, shadow), Identifier(schema, table)
                )
            )
            _copy_storage_parameters(curs, schema, table, shadow)
            live = {shape: name for name, shape in _indexes(curs, schema, table)}
            for name, shape in _indexes(curs, schema, shadow):
                wanted = prefix + live[shape]
                if name != wanted:
                    curs.execute(
                        SQL("ALTER INDEX {0} RENAME TO {1}").format(
                            Identifier(schema, name), Identifier(wanted)
                        )
                    )


def _qualified(schema: str, table: str) -> str:
    return '"{}"."{}"'.format(schema.replace('"', '""'), table.replace('"', '""'))


def _indexes(curs: Cursor[DictRow], schema: str, table: str) -> list[tuple[str, tuple[bool, str]]]:
    """Each index's name and shape: uniqueness and its definition after the table's name."""
    curs.execute(
        "SELECT c.relname AS name, i.indisunique AS is_unique, "
        "pg_get_indexdef(i.indexrelid) AS definition FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass",
        (_qualified(schema, table),),
    )
    return [
        (row["name"], (row["is_unique"], row["definition"].split(" USING ", 1)[1]))
        for row in curs.fetchall()
    ]


def _copy_storage_parameters(curs: Cursor[DictRow], schema: str, table: str, shadow: str) -> None:
    curs.execute(
        "SELECT reloptions FROM pg_class WHERE oid = %s::regclass", (_qualified(schema, table),)
    )
    row = curs.fetchone()
    options = row["reloptions"] if row else None
    if options:
        # name=value pairs as the catalog holds them (set by the migrations)
        curs.execute(
            SQL("ALTER TABLE {0} SET ({1})").format(
                Identifier(schema, shadow), SQL(", ".join(options))
            )
        )
