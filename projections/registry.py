"""The projections this service runs, by name, and how to open them over a database."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import resolve_topic

from projections.base import BufferedProjection, BufferedView
from projections.runner import (
    DEFAULT_COMMIT_PAGES,
    DEFAULT_COMMIT_ROWS,
    DEFAULT_PAGE_SIZE,
    BatchRunner,
)
from projections.shadow import create_shadow_tables

Classes = tuple[type[BufferedProjection], type[BufferedView]]


class _Registry(Mapping[str, Classes]):
    """Each projection's classes by name, its modules imported when first asked for: a
    projector process runs one projection, and importing all twelve (with the domain modules
    only they use) was a good part of its start-up."""

    def __init__(self, names: Sequence[str]) -> None:
        self._names = list(names)
        self._loaded: dict[str, Classes] = {}

    def __getitem__(self, name: str) -> Classes:
        if name not in self._loaded:
            if name not in self._names:
                raise KeyError(name)
            title = name.title().replace("_", "")  # early_warning -> EarlyWarning
            projection = resolve_topic(f"projections.{name}.projection:{title}Projection")
            view = resolve_topic(f"projections.{name}.view:{title}View")
            if projection.name != name:  # the env and table prefix: the registry's key
                raise TypeError(f"{projection.__name__} is named {projection.name!r}")
            self._loaded[name] = projection, view
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


#: Each projection (package ``projections.<name>``, classes ``<Name>Projection`` and
#: ``<Name>View``), in the order they are run.
PROJECTIONS: Mapping[str, Classes] = _Registry(
    [
        *("nerve_centre", "early_warning", "alerts", "conflicts", "war_rooms", "caseloads"),
        *("duplicates", "open_data", "delivery", "field_activity", "field_capture", "names"),
    ]
)


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
