"""The database schema: numbered SQL files, applied in order by ``sukuma migrate``.

Each ``NNNN_name.sql`` beside this module is one migration, run in its own transaction with
``search_path`` set to the configured schema (the files name tables unqualified) and recorded
in that schema's ``schema_migrations`` table. One advisory lock makes concurrent runs take
turns: the second finds the work done. Processes only check the recorded version
(``check_schema``) and refuse to start on a schema older or newer than the files they ship.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from adapters.database import libpq_url

#: Held (session-level) for a whole ``migrate`` run.
MIGRATION_LOCK_KEY = 0x5355_4B4D
VERSION_TABLE = "schema_migrations"
COMMAND = "sukuma migrate"
#: Functions whose lock timeout is the configured one (set on every run, not by a file).
LOCKING_FUNCTIONS = ("es_insert_events_uuid",)

_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


class SchemaNotReady(RuntimeError):
    """The database's schema is not the one this code was built for."""


@cache
def migrations() -> tuple[Migration, ...]:
    """The shipped migrations in order; their numbers run 1, 2, 3... without gaps."""
    found = []
    for entry in files(__package__).iterdir():
        match = _FILE_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n: {[m.version for m in found]}")
    return tuple(found)


def latest_version() -> int:
    return migrations()[-1].version


def schema_version(conn: psycopg.Connection[TupleRow], schema: str) -> int | None:
    """The highest version applied to ``schema``; ``None`` if it was never migrated."""
    table = conn.execute(
        "SELECT to_regclass(format('%%I.%%I', %s::text, %s::text))", (schema, VERSION_TABLE)
    ).fetchone()
    if table is None or table[0] is None:
        return None
    row = conn.execute(
        sql.SQL("SELECT max(version) FROM {}").format(sql.Identifier(schema, VERSION_TABLE))
    ).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def migrate(url: str, schema: str, *, lock_timeout: int = 0) -> list[Migration]:
    """Apply the migrations ``schema`` lacks (creating it if missing); returns those applied.

    ``lock_timeout`` (seconds, 0: none) bounds how long an append waits for the events
    table's lock; it is set on the insert functions on every run.
    """
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        try:
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
            conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (version int PRIMARY KEY, name text NOT NULL, "
                    "applied_at timestamptz NOT NULL DEFAULT now())"
                ).format(sql.Identifier(schema, VERSION_TABLE))
            )
            current = schema_version(conn, schema) or 0
            _refuse_newer(current, schema)
            applied = [m for m in migrations() if m.version > current]
            for migration in applied:
                with conn.transaction():
                    _apply(conn, schema, migration)
            _set_lock_timeout(conn, schema, lock_timeout)
            return applied
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))


def _apply(conn: psycopg.Connection[TupleRow], schema: str, migration: Migration) -> None:
    conn.execute(
        sql.SQL("SELECT set_config('search_path', {}, true)").format(
            sql.Literal(sql.Identifier(schema).as_string(conn))
        )
    )
    conn.execute(migration.sql.encode())  # several statements, no parameters
    conn.execute(
        sql.SQL("INSERT INTO {} (version, name) VALUES (%s, %s)").format(
            sql.Identifier(schema, VERSION_TABLE)
        ),
        (migration.version, migration.name),
    )


def _set_lock_timeout(conn: psycopg.Connection[TupleRow], schema: str, seconds: int) -> None:
    rows = conn.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n "
        "ON n.oid = p.pronamespace WHERE n.nspname = %s AND p.proname = ANY(%s)",
        (schema, list(LOCKING_FUNCTIONS)),
    ).fetchall()
    for (function,) in rows:
        # regprocedure's text is already quoted and qualified as search_path needs it.
        conn.execute(
            sql.SQL("ALTER FUNCTION {} SET lock_timeout = {}").format(
                sql.SQL(function), sql.Literal(f"{seconds}s")
            )
        )


def check_schema(url: str, schema: str) -> int:
    """The schema's version if it is the one this code ships; else ``SchemaNotReady``."""
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        current = schema_version(conn, schema)
    latest = latest_version()
    if current is None:
        raise SchemaNotReady(
            f"The database schema {schema!r} has not been migrated: run `{COMMAND}` first."
        )
    _refuse_newer(current, schema)
    if current < latest:
        raise SchemaNotReady(
            f"The database schema {schema!r} is at version {current}, this release needs "
            f"{latest}: run `{COMMAND}` first."
        )
    return current


def _refuse_newer(current: int, schema: str) -> None:
    latest = latest_version()
    if current > latest:
        raise SchemaNotReady(
            f"The database schema {schema!r} is at version {current}, newer than this "
            f"release knows ({latest}): run the release whose `{COMMAND}` made it."
        )
