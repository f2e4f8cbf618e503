"""The projections this service runs, by name, and how to open them over a database."""

from __future__ import annotations

from collections.abc import Sequence

from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

from projections.alerts.projection import AlertsProjection
from projections.alerts.view import AlertsView
from projections.base import BufferedProjection, BufferedView
from projections.caseloads.projection import CaseloadsProjection
from projections.caseloads.view import CaseloadsView
from projections.conflicts.projection import ConflictsProjection
from projections.conflicts.view import ConflictsView
from projections.delivery.projection import DeliveryProjection
from projections.delivery.view import DeliveryView
from projections.duplicates.projection import DuplicatesProjection
from projections.duplicates.view import DuplicatesView
from projections.early_warning.projection import EarlyWarningProjection
from projections.early_warning.view import EarlyWarningView
from projections.field_activity.projection import FieldActivityProjection
from projections.field_activity.view import FieldActivityView
from projections.field_capture.projection import FieldCaptureProjection
from projections.field_capture.view import FieldCaptureView
from projections.names.projection import NamesProjection
from projections.names.view import NamesView
from projections.nerve_centre.projection import NerveCentreProjection
from projections.nerve_centre.view import NerveCentreView
from projections.open_data.projection import OpenDataProjection
from projections.open_data.view import OpenDataView
from projections.runner import (
    DEFAULT_COMMIT_PAGES,
    DEFAULT_COMMIT_ROWS,
    DEFAULT_PAGE_SIZE,
    BatchRunner,
)
from projections.shadow import create_shadow_tables
from projections.war_rooms.projection import WarRoomsProjection
from projections.war_rooms.view import WarRoomsView

PROJECTIONS: dict[str, tuple[type[BufferedProjection], type[BufferedView]]] = {
    NerveCentreProjection.name: (NerveCentreProjection, NerveCentreView),
    EarlyWarningProjection.name: (EarlyWarningProjection, EarlyWarningView),
    AlertsProjection.name: (AlertsProjection, AlertsView),
    ConflictsProjection.name: (ConflictsProjection, ConflictsView),
    WarRoomsProjection.name: (WarRoomsProjection, WarRoomsView),
    CaseloadsProjection.name: (CaseloadsProjection, CaseloadsView),
    DuplicatesProjection.name: (DuplicatesProjection, DuplicatesView),
    OpenDataProjection.name: (OpenDataProjection, OpenDataView),
    DeliveryProjection.name: (DeliveryProjection, DeliveryView),
    FieldActivityProjection.name: (FieldActivityProjection, FieldActivityView),
    FieldCaptureProjection.name: (FieldCaptureProjection, FieldCaptureView),
    NamesProjection.name: (NamesProjection, NamesView),
}


def open_projections(
    datastore: PostgresDatastore, names: Sequence[str] = (), *, table_prefix: str = ""
) -> list[BufferedProjection]:
    """Projections (all, or the named ones) over their views' tables (see adapters.migrations).

    ``table_prefix`` builds a projection into other tables (a rebuild beside the live ones),
    copied from the live ones if missing.
    """
    unknown = set(names) - PROJECTIONS.keys()
    if unknown:
        raise KeyError(f"unknown projection(s): {', '.join(sorted(unknown))}")
    chosen = list(names or PROJECTIONS)
    if table_prefix:
        create_shadow_tables(datastore, [t for n in chosen for t in table_names(n)], table_prefix)
    opened: list[BufferedProjection] = []
    for name in chosen:
        projection_class, view_class = PROJECTIONS[name]
        view = view_class(datastore, tracking_table_name=f"{table_prefix}{name}_tracking")
        opened.append(projection_class(view))
    return opened


def table_names(name: str, prefix: str = "") -> list[str]:
    """The tracking table and view tables of a projection (as the view names them)."""
    _, view_class = PROJECTIONS[name]
    return [f"{prefix}{name}_tracking", *(f"{prefix}{name}_{t}" for t in view_class.tables)]


def open_runner(
    recorder: PostgresApplicationRecorder,
    application_name: str,
    names: Sequence[str] = (),
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    commit_pages: int = DEFAULT_COMMIT_PAGES,
    commit_rows: int = DEFAULT_COMMIT_ROWS,
) -> BatchRunner:
    """What a projector process runs: the named projections (production runs one a process,
    ``open_runner(recorder, app.name, [name])``; none named: all in one runner) over the log.
    """
    projections = open_projections(recorder.datastore, names)
    return BatchRunner(
        recorder,
        application_name,
        projections,
        page_size=page_size,
        commit_pages=commit_pages,
        commit_rows=commit_rows,
    )
