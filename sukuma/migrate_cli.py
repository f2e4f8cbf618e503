"""``sukuma migrate``: bring the database schema to this release's (adapters.migrations)."""

from __future__ import annotations

from rich.console import Console

from adapters.database import ensure_database
from adapters.migrations import latest_version
from sukuma.settings import load_settings
from sukuma.wiring import migrate_database

console = Console(stderr=True)


def migrate() -> None:
    """Create or upgrade the database schema; run it once per release, before the service.

    Safe to run again (nothing to do) and from several places at once (they take turns).
    The API, projector and scheduler refuse to start until it has run.
    """
    settings = load_settings()
    url = ensure_database(
        settings.database_url, data_dir=settings.data_dir, default_schema=settings.database_schema
    )
    schema = settings.schema_for(url)
    applied = migrate_database(settings, url)
    for migration in applied:
        console.print(f"applied {migration.version:04d}_{migration.name}")
    state = "migrated to" if applied else "already at"
    console.print(f"[green]schema {schema!r} {state} version {latest_version()}[/]")
