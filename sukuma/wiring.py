"""Composition root: settings + database URL → the write model and the HTTP app (the API
with the web workspace's pages)."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from eventsourcing.postgres import PostgresApplicationRecorder

from adapters.database import ensure_database as _ensure_database
from adapters.database import start_embedded_postgres
from adapters.matching.index import PostgresDuplicateIndex
from adapters.migrations import Migration, check_schema, migrate
from adapters.pool_check import tune_event_store_pool
from adapters.shredding import protect_personal_data
from domain.sukuma import Sukuma
from projections.registry import open_projections
from projections.runner import DEFAULT_PAGE_SIZE, BatchRunner
from sukuma.settings import Settings, load_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

# The API and its pages (FastAPI, WeasyPrint, matplotlib, pyxform) are imported by the
# functions that build them: the projector and scheduler processes import this module for
# ``build_application`` only, and those imports were most of their start-up (seconds of CPU
# a process; ``bench.catchup`` starts one projector per projection).


def ensure_database(settings: Settings) -> str:
    """The event store's URL: the configured database, or the embedded one (started here).

    The embedded single-node database migrates itself; a configured one must have been
    migrated (``sukuma migrate``) to this release's schema, or ``SchemaNotReady`` is raised.
    """
    url = _ensure_database(
        settings.database_url, data_dir=settings.data_dir, default_schema=settings.database_schema
    )
    if settings.database_url is None:
        migrate_database(settings, url)
    else:
        check_schema(url, settings.schema_for(url))
    return url


def migrate_database(settings: Settings, database_url: str) -> list[Migration]:
    """Bring the database's schema to this release's (see adapters.migrations)."""
    return migrate(
        database_url,
        settings.schema_for(database_url),
        lock_timeout=settings.database_lock_timeout,
    )


def build_application(settings: Settings, database_url: str) -> Sukuma:
    """The event-sourced application over PostgreSQL (its schema must be migrated)."""
    check_schema(database_url, settings.schema_for(database_url))
    application = Sukuma(env=settings.eventsourcing_env(database_url))
    recorder = application.recorder
    if isinstance(recorder, PostgresApplicationRecorder):
        tune_event_store_pool(
            recorder.datastore,
            timeout=settings.write_pool_timeout,
            reconnect_timeout=settings.write_pool_reconnect_timeout,
        )
    protect_personal_data(
        application, settings.master_key.get_secret_value(), settings.previous_master_keys
    )
    # The duplicate matcher reads profiles in this process, with the data keys' store.
    application.duplicate_index = PostgresDuplicateIndex.over(
        application.factory.datastore,  # type: ignore[attr-defined]
        application.mapper.keys,  # type: ignore[attr-defined]
    )
    return application


def build_api(settings: Settings, database_url: str) -> tuple[FastAPI, Sukuma]:
    from api.main import create_app
    from web import install as install_web

    application = build_application(settings, database_url)
    api = install_web(create_app(settings, application, database_url=database_url))
    freeze_start_up_heap()
    return api, application


def build_import_worker(settings: Settings, database_url: str) -> Sukuma:
    """The application of one of ``ImportWorkers``' processes: one connection at a time, and
    its start-up heap frozen (``freeze_start_up_heap``). A worker allocates and frees a few
    thousand objects a household; each oldest-generation collection walked the hundred
    thousand or so the application had made at start-up: about 4% of a worker's CPU,
    measured with ``gc.callbacks`` (26 us a household against 8 frozen)."""
    application = build_application(
        settings.model_copy(update={"write_pool_size": 1}), database_url
    )
    freeze_start_up_heap()
    return application


def freeze_start_up_heap() -> None:
    """Move what an API process built at start-up (modules, routes, schemas, reference data:
    a few hundred thousand objects, all kept for its life) out of the garbage collector's
    reach, so an oldest-generation collection under load scans only what requests made since.

    Unfrozen, each of those collections walked them all: measured with ``gc.callbacks`` in
    ``bench.commands``' workers, a stall of up to hundreds of milliseconds mid-round.
    """
    gc.collect()  # what start-up left as garbage is freed, not frozen
    gc.freeze()


@contextmanager
def start_up_heap_frozen() -> Iterator[None]:
    """The start-up heap frozen while a piece of work runs in a process that lives on after
    it (``sukuma import`` called in process by a test or another command), and given back to
    the collector when it ends: what it held is freed as usual afterwards."""
    freeze_start_up_heap()
    try:
        yield
    finally:
        gc.unfreeze()


#: The API's factory as an import string: what each of ``sukuma serve --workers N``'s workers
#: calls (gunicorn's uvicorn workers), and what any ASGI server can run (``uvicorn --factory``).
ASGI_FACTORY = "sukuma.wiring:asgi_app"


def asgi_app() -> FastAPI:
    """The API of one worker process, from the environment's settings: against
    SUKUMA_DATABASE_URL, or joining the embedded server of the same data directory (which
    ``sukuma serve`` keeps running). The app closes what it opened when it shuts down. Run
    under another ASGI server without its proxy headers (``uvicorn --factory
    --no-proxy-headers``): the app trusts SUKUMA_TRUSTED_PROXIES itself."""
    from api.main import create_app
    from web import install as install_web

    settings = load_settings()
    database_url = ensure_database(settings)
    application = build_application(settings, database_url)
    # The handle on the embedded server that ensure_database took for this process. uvicorn
    # ends a worker by re-raising SIGTERM after shutdown (no atexit), so release it here.
    embedded = None
    if settings.database_url is None:
        embedded = start_embedded_postgres(settings.data_dir.expanduser().resolve() / "pg")

    def shut_down() -> None:
        application.close()
        if embedded is not None:
            embedded.cleanup()  # stops the server only if no other process still uses it

    app = install_web(
        create_app(settings, application, database_url=database_url, on_shutdown=shut_down)
    )
    freeze_start_up_heap()
    return app


def build_projector(
    application: Sukuma, names: Sequence[str] = (), *, page_size: int = DEFAULT_PAGE_SIZE
) -> BatchRunner:
    """The projector over the application's event log (all projections, or the named ones)."""
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    recorder = application.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    return BatchRunner(
        recorder, application.name, open_projections(datastore, names), page_size=page_size
    )
