"""Rebuild a projection from the start of the log beside the live one, then swap it in.

The API keeps reading the live tables while the new ones fill. The swap (drop live, rename
new, rename their indexes) runs in one short transaction once the rebuild has caught up to
the head; a projector that is running meanwhile notices that its position moved under it and
drops its cached rows, so it carries on from the rebuilt state.

A lost database connection (a restart, a failover) is retried with backoff: the rebuild
resumes from the position its own tables committed. Past the retry policy's bounds
``WorkerGaveUp`` is raised before anything is swapped: the live tables stay as they were.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.sql import SQL, Identifier

from projections.base import SWAP_LOCK_KEY
from projections.liveness import Failures, RetryPolicy, discard_broken_connections
from projections.registry import open_projections, table_names
from projections.runner import BatchRunner, Progress, heartbeat_worker

REBUILD_PREFIX = "rebuild_"

T = TypeVar("T")


def rebuild(
    recorder: PostgresApplicationRecorder,
    application_name: str,
    datastore: PostgresDatastore,
    name: str,
    *,
    page_size: int = 5000,
    on_progress: Callable[[Progress], None] | None = None,
    retry: RetryPolicy | None = None,
) -> int:
    """Build ``name`` afresh into prefixed tables, then swap them in; returns events processed.

    The prefixed tables are copies of the live ones (``projections.shadow``), so the swapped-in
    tables and their indexes are the migrations' own, names and all.
    """
    failures = Failures(retry or RetryPolicy(), f"rebuild of {name}")

    def retried(step: Callable[[], T]) -> T:
        """``step`` until it succeeds; a failed page left nothing committed, so a retry of a
        catch-up resumes after the rebuilt tables' own position."""
        while True:
            try:
                done = step()
            except Exception as exc:
                time.sleep(failures.record(exc))  # raises WorkerGaveUp past the bounds
                discard_broken_connections(datastore.pool)
            else:
                failures.recovered()
                return done

    def start() -> BatchRunner:
        drop_tables(datastore, table_names(name, REBUILD_PREFIX))
        fresh = open_projections(datastore, [name], table_prefix=REBUILD_PREFIX)
        return BatchRunner(recorder, application_name, fresh, page_size=page_size)

    runner = retried(start)
    processed = retried(lambda: runner.run_once(on_progress))
    # What arrived meanwhile; later events follow the position.
    processed += retried(runner.run_once)
    retried(lambda: swap(datastore, name, heartbeat_worker(runner.projections[0])))
    return processed


def swap(datastore: PostgresDatastore, name: str, rebuild_heartbeat: str) -> None:
    """Replace the live tables with the rebuilt ones, in one transaction (so a failure at any
    point leaves the live ones); nothing to do if a commit whose answer was lost did it."""
    schema = Identifier(datastore.schema)
    with datastore.transaction(commit=True) as curs:
        # Waits for page commits in flight; a live projector then finds its position moved.
        curs.execute("SELECT pg_advisory_xact_lock(%s)", (SWAP_LOCK_KEY,))
        curs.execute(
            "SELECT to_regclass(format('%%I.%%I', %s::text, %s::text)) IS NULL AS swapped",
            (datastore.schema, f"{REBUILD_PREFIX}{name}_tracking"),
        )
        row = curs.fetchone()
        if row is not None and row["swapped"]:
            return
        for table in table_names(name):
            curs.execute(SQL("DROP TABLE IF EXISTS {0}.{1}").format(schema, Identifier(table)))
        for table in table_names(name, REBUILD_PREFIX):
            curs.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = %s AND tablename = %s",
                (datastore.schema, table),
            )
            for index in [row["indexname"] for row in curs.fetchall()]:
                curs.execute(
                    SQL("ALTER INDEX {0}.{1} RENAME TO {2}").format(
                        schema, Identifier(index), Identifier(index.removeprefix(REBUILD_PREFIX))
                    )
                )
            curs.execute(
                SQL("ALTER TABLE {0}.{1} RENAME TO {2}").format(
                    schema, Identifier(table), Identifier(table.removeprefix(REBUILD_PREFIX))
                )
            )
        curs.execute(
            SQL("DELETE FROM {0}.sukuma_heartbeats WHERE worker = %s").format(schema),
            (rebuild_heartbeat,),
        )


def drop_tables(datastore: PostgresDatastore, tables: list[str]) -> None:
    with datastore.transaction(commit=True) as curs:
        for table in tables:
            curs.execute(
                SQL("DROP TABLE IF EXISTS {0}.{1}").format(
                    Identifier(datastore.schema), Identifier(table)
                )
            )
