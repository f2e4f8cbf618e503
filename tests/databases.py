"""Test databases: migrated ones are clones of one database migrated once per process.

Migrating a new database runs every numbered migration, one transaction each (about a second
on two shared cores); ``CREATE DATABASE ... TEMPLATE`` copies a migrated one in about a tenth
of that. The template is made on first use, from the migrations of this checkout, and nobody
stays connected to it (PostgreSQL refuses to copy a database in use).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

from adapters.database import create_database, database_url_for, drop_database, libpq_url
from adapters.migrations import migrate

#: The migrated template of each server this process used: server URL -> database name.
_templates: dict[str, str] = {}


def create_migrated_database(admin_url: str, name: str) -> str:
    """A new database ``name`` with the schema migrated and no data; its URL."""
    template = _templates.get(admin_url)
    if template is None:
        template = f"template_{uuid.uuid4().hex[:12]}"
        try:
            migrate(create_database(admin_url, template), "public")
        except BaseException:
            drop_database(admin_url, template)
            raise
        _templates[admin_url] = template
    with psycopg.connect(libpq_url(admin_url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    return database_url_for(admin_url, name)


def drop_template(admin_url: str) -> None:
    """Drop this process's template on the server of ``admin_url``, if it made one."""
    template = _templates.pop(admin_url, None)
    if template is not None:
        drop_database(admin_url, template)


@contextmanager
def throwaway_database(server_url: str, *, migrated: bool, prefix: str = "test") -> Iterator[str]:
    """A new database on the server of ``server_url``, migrated or blank; dropped after."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    create = create_migrated_database if migrated else create_database
    url = create(server_url, name)
    try:
        yield url
    finally:
        drop_database(server_url, name)
