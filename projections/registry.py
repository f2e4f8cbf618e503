"""The projections this service runs, by name, and how to open them over a database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import psycopg
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

from projections.alerts.projection import AlertsProjection
from projections.alerts.view import AlertsView
from projections.base import BufferedProjection, BufferedView
from projections.early_warning.projection import EarlyWarningProjection
from projections.early_warning.view import EarlyWarningView
from projections.nerve_centre.projection import NerveCentreProjection
from projections.nerve_centre.view import NerveCentreView
from projections.runner import DEFAULT_COMMIT_PAGES, DEFAULT_PAGE_SIZE, BatchRunner

DDL_LOCK_KEY = 0x5355_4B00  # serialises table creation across processes

PROJECTIONS: dict[str, tuple[type[BufferedProjection], type[BufferedView]]] = {
    NerveCentreProjection.name: (NerveCentreProjection, NerveCentreView),
    EarlyWarningProjection.name: (EarlyWarningProjection, EarlyWarningView),
    AlertsProjection.name: (AlertsProjection, AlertsView),
}


def open_projections(
    datastore: PostgresDatastore, names: Sequence[str] = (), *, table_prefix: str = ""
) -> list[BufferedProjection]:
    """Projections (all, or the named ones) with their views' tables created if missing.

    ``table_prefix`` builds a projection into other tables (a rebuild beside the live ones).
    """
    unknown = set(names) - PROJECTIONS.keys()
    if unknown:
        raise KeyError(f"unknown projection(s): {', '.join(sorted(unknown))}")
    opened: list[BufferedProjection] = []
    kwargs = cast("dict[str, Any]", datastore.pool.kwargs)
    with psycopg.Connection.connect(**kwargs, autocommit=True) as conn:
        # Several API workers or projectors may start at once: concurrent CREATE TABLE IF NOT
        # EXISTS collide in PostgreSQL's catalog ("tuple concurrently updated"), so take turns.
        conn.execute("SELECT pg_advisory_lock(%s)", (DDL_LOCK_KEY,))
        try:
            for name in names or list(PROJECTIONS):
                projection_class, view_class = PROJECTIONS[name]
                view = view_class(datastore, tracking_table_name=f"{table_prefix}{name}_tracking")
                view.create_table()
                opened.append(projection_class(view))
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (DDL_LOCK_KEY,))
    return opened


def open_runner(
    recorder: PostgresApplicationRecorder,
    application_name: str,
    names: Sequence[str] = (),
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    commit_pages: int = DEFAULT_COMMIT_PAGES,
) -> BatchRunner:
    """What a projector process runs: the named projections (production runs one a process,
    ``open_runner(recorder, app.name, [name])``; none named: all in one runner) over the log.
    """
    projections = open_projections(recorder.datastore, names)
    return BatchRunner(
        recorder, application_name, projections, page_size=page_size, commit_pages=commit_pages
    )
