"""Where the database comes from: SUKUMA_DATABASE_URL, or an embedded PostgreSQL (pgserver).

The embedded server runs from the ``pgserver`` wheel's own binaries, listens only on a unix
socket, keeps its data under ``<data_dir>/pg`` across restarts, and is stopped when the last
process that uses it exits.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import warnings
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql

from sukuma.settings import Settings, parse_database_url

if TYPE_CHECKING:
    from pgserver.postgres_server import PostgresServer

logger = logging.getLogger(__name__)

EMBEDDED_DATABASE = "sukuma"


def ensure_database(settings: Settings) -> str:
    """A libpq URL for the event store: ``settings.database_url``, or the embedded server's.

    The embedded server's data lives in ``settings.data_dir / "pg"``; the URL names a
    ``sukuma`` database in it, created on first use.
    """
    if settings.database_url:
        url = settings.database_url
    else:
        data_dir = settings.data_dir.expanduser().resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        server = start_embedded_postgres(data_dir / "pg")
        admin_url = server.get_uri()
        logger.info("Embedded PostgreSQL: data kept in %s (at %s)", server.pgdata, admin_url)
        url = create_database(admin_url, EMBEDDED_DATABASE, exist_ok=True)
    ensure_schema(url, settings.schema_for(url))
    return url


def start_embedded_postgres(pgdata: Path, *, delete_on_exit: bool = False) -> PostgresServer:
    """Start (or join) the pgserver instance for ``pgdata``; stopped when this process exits.

    ``delete_on_exit`` also removes ``pgdata`` (for throwaway test servers).
    """
    with warnings.catch_warnings():
        # platformdirs warns at import when XDG_RUNTIME_DIR is unset; pgserver copes.
        warnings.simplefilter("ignore", UserWarning)
        from pgserver.postgres_server import PostgresServer, get_server

    pgserver_logger = logging.getLogger("pgserver")
    if pgserver_logger.level == logging.NOTSET:
        # pgserver logs every initdb/pg_ctl command line and output at INFO.
        pgserver_logger.setLevel(logging.WARNING)
    pgdata = pgdata.expanduser().resolve()
    with PostgresServer._lock:
        _forget_dead_handles(pgdata)
    server = get_server(pgdata, cleanup_mode="delete" if delete_on_exit else "stop")
    _exit_cleanly_on_sigterm()
    return server


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop the pids of processes that died without cleaning up (SIGKILL, crash).

    pgserver stops the server only when the exiting process is the last pid in
    ``.handle_pids.json``; a dead pid left there would keep the server running forever.
    """
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    try:
        pids = [int(pid) for pid in json.loads(handles.read_text())]
    except (ValueError, TypeError):
        pids = []
    alive = [pid for pid in pids if _pid_alive(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _exit_cleanly_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit, so atexit handlers (pgserver's stop) run.

    Only when nobody has installed a handler (uvicorn installs its own while serving).
    """
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return

    def _exit(signum: int, _frame: FrameType | None) -> None:
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, _exit)


def database_url_for(url: str, dbname: str) -> str:
    """The same server and credentials as ``url``, another database."""
    return parse_database_url(url).with_dbname(dbname).url()


def create_database(admin_url: str, name: str, *, exist_ok: bool = False) -> str:
    """Create database ``name`` on the server of ``admin_url`` and return its URL."""
    with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        elif not exist_ok:
            raise FileExistsError(f"database {name!r} already exists")
    return database_url_for(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    """Drop database ``name`` (closing its sessions first); no error if it is gone."""
    with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def ensure_schema(url: str, schema: str) -> None:
    """Create ``schema`` if it is missing (eventsourcing creates tables, not schemas)."""
    if schema == "public":
        return
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
        if found.fetchone() is None:
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))


def asyncpg_dsn(url: str) -> str:
    """A DSN asyncpg accepts: always a URL; unix sockets as ``?host=/dir``; no ``schema``."""
    return replace(parse_database_url(url), schema=None).url()


def asyncpg_connect_kwargs(url: str, schema: str = "public") -> dict[str, Any]:
    """Keyword arguments for ``asyncpg.create_pool``: the DSN and the schema's search path."""
    schema = parse_database_url(url).schema or schema
    kwargs: dict[str, Any] = {"dsn": asyncpg_dsn(url)}
    if schema != "public":
        kwargs["server_settings"] = {"search_path": f'"{schema}", public'}
    return kwargs


def _libpq(url: str) -> str:
    """``url`` without our own ``schema`` parameter, which libpq would reject."""
    params = parse_database_url(url)
    return asyncpg_dsn(url) if params.schema else url
