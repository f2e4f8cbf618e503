"""The projections this service runs, by name, and how to open them over a database."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from importlib import import_module

from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

from projections.base import BufferedProjection, BufferedView
from projections.runner import (
    DEFAULT_COMMIT_PAGES,
    DEFAULT_COMMIT_ROWS,
    DEFAULT_PAGE_SIZE,
    BatchRunner,
)
from projections.shadow import create_shadow_tables

#: Each projection lives in ``projections/<name>/``: ``projection.py`` holds its
#: ``<Name>Projection`` and ``view.py`` its ``<Name>View`` (``open_data``: ``OpenData...``).
_NAMES = (
    "nerve_centre", "early_warning", "alerts", "conflicts", "war_rooms", "caseloads",
    "duplicates", "open_data", "delivery", "field_activity", "field_capture", "names",
)  # fmt: skip


class _Registry(Mapping[str, tuple[type[BufferedProjection], type[BufferedView]]]):
    """The projections by name, each one's modules imported when it is first asked for: a
    projector process runs one projection, and importing all twelve (with the domain modules
    each handles) was part of every process's start-up."""

    def __getitem__(self, name: str) -> tuple[type[BufferedProjection], type[BufferedView]]:
        if name not in _NAMES:
            raise KeyError(name)
        return _classes(name)

    def __iter__(self) -> Iterator[str]:
        return iter(_NAMES)

    def __len__(self) -> int:
        return len(_NAMES)


@cache
def _classes(name: str) -> tuple[type[BufferedProjection], type[BufferedView]]:
    camel = "".join(word.capitalize() for word in name.split("_"))
    projection = getattr(import_module(f"projections.{name}.projection"), f"{camel}Projection")
    view = getattr(import_module(f"projections.{name}.view"), f"{camel}View")
    assert projection.name == name, f"{projection.__name__} is named {projection.name!r}"
    return projection, view


PROJECTIONS: Mapping[str, tuple[type[BufferedProjection], type[BufferedView]]] = _Registry()


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
