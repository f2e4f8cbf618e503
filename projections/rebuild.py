"""Rebuild a projection from the start of the log beside the live one, then swap it in.

The API keeps reading the live tables while the new ones fill. The swap (drop live, rename
new, rename their indexes) runs in one short transaction once the rebuild has caught up to
the head; a projector that is running meanwhile notices that its position moved under it and
drops its cached rows, so it carries on from the rebuilt state.
"""

from __future__ import annotations

from collections.abc import Callable

from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.sql import SQL, Identifier

from projections.base import SWAP_LOCK_KEY
from projections.registry import open_projections, table_names
from projections.runner import BatchRunner, Progress

REBUILD_PREFIX = "rebuild_"


def rebuild(
    recorder: PostgresApplicationRecorder,
    application_name: str,
    datastore: PostgresDatastore,
    name: str,
    *,
    page_size: int = 5000,
    on_progress: Callable[[Progress], None] | None = None,
) -> int:
    """Build ``name`` afresh into prefixed tables, then swap them in; returns events processed.

    The prefixed tables are copies of the live ones (``projections.shadow``), so the swapped-in
    tables and their indexes are the migrations' own, names and all.
    """
    drop_tables(datastore, table_names(name, REBUILD_PREFIX))
    fresh = open_projections(datastore, [name], table_prefix=REBUILD_PREFIX)[0]
    runner = BatchRunner(recorder, application_name, [fresh], page_size=page_size)
    processed = runner.run_once(on_progress)
    processed += runner.run_once()  # what arrived meanwhile; later events follow the position
    with datastore.transaction(commit=True) as curs:
        # Waits for page commits in flight; a live projector then finds its position moved.
        curs.execute("SELECT pg_advisory_xact_lock(%s)", (SWAP_LOCK_KEY,))
        for table in table_names(name):
            curs.execute(
                SQL("DROP TABLE IF EXISTS {0}.{1}").format(
                    Identifier(datastore.schema), Identifier(table)
                )
            )
        for table in table_names(name, REBUILD_PREFIX):
            curs.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = %s AND tablename = %s",
                (datastore.schema, table),
            )
            for row in curs.fetchall():
                index = row["indexname"]
                curs.execute(
                    SQL("ALTER INDEX {0}.{1} RENAME TO {2}").format(
                        Identifier(datastore.schema),
                        Identifier(index),
                        Identifier(index.removeprefix(REBUILD_PREFIX)),
                    )
                )
            curs.execute(
                SQL("ALTER TABLE {0}.{1} RENAME TO {2}").format(
                    Identifier(datastore.schema),
                    Identifier(table),
                    Identifier(table.removeprefix(REBUILD_PREFIX)),
                )
            )
    return processed


def drop_tables(datastore: PostgresDatastore, tables: list[str]) -> None:
    with datastore.transaction(commit=True) as curs:
        for table in tables:
            curs.execute(
                SQL("DROP TABLE IF EXISTS {0}.{1}").format(
                    Identifier(datastore.schema), Identifier(table)
                )
            )
