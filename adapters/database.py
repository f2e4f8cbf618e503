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
from dataclasses import dataclass, replace
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

if TYPE_CHECKING:
    from pgserver.postgres_server import PostgresServer

logger = logging.getLogger(__name__)

EMBEDDED_DATABASE = "sukuma"


@dataclass(frozen=True)
class DatabaseParams:
    """The parts of a PostgreSQL URL that the event store and the read pool need.

    ``host`` is a name, an address, or a directory holding a unix socket (``/tmp/x``).
    An empty ``host``/``user``/``dbname`` means "libpq's default", as in a URL that omits it.
    """

    host: str
    port: str
    user: str
    password: str
    dbname: str
    schema: str | None = None

    @property
    def is_unix_socket(self) -> bool:
        return self.host.startswith("/")

    def with_dbname(self, dbname: str) -> DatabaseParams:
        return replace(self, dbname=dbname)

    def url(self) -> str:
        """A ``postgresql://`` URL for these parameters (libpq, psycopg and asyncpg read it)."""
        query: dict[str, str] = {}
        netloc = quote(self.user, safe="")
        if self.password:
            netloc += ":" + quote(self.password, safe="")
        if netloc:
            netloc += "@"
        if self.is_unix_socket:
            query["host"] = self.host
            if self.port:
                query["port"] = self.port
        elif self.host:
            netloc += f"[{self.host}]" if ":" in self.host else self.host
            if self.port:
                netloc += f":{self.port}"
        if self.schema:
            query["schema"] = self.schema
        url = f"postgresql://{netloc}/{quote(self.dbname, safe='')}"
        return f"{url}?{urlencode(query, safe='/')}" if query else url


def parse_database_url(url: str) -> DatabaseParams:
    """Parse a libpq URL or ``key=value`` string, including unix-socket URLs.

    ``postgresql://postgres:@/postgres?host=/tmp/xyz`` has its host in the query string, and
    percent-encoded user names and passwords are decoded (libpq's own parser does the work).
    A ``schema`` query parameter (not a libpq keyword) is taken out and returned separately.
    """
    schema: str | None = None
    if "://" in url:
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        schemas = [value for key, value in query if key == "schema"]
        if schemas:
            schema = schemas[-1] or None
            rest = urlencode([(k, v) for k, v in query if k != "schema"], safe="/")
            url = urlunsplit(parts._replace(query=rest))
    params = conninfo_to_dict(url)  # raises psycopg.ProgrammingError on a malformed URL

    def text(key: str) -> str:
        value = params.get(key)
        return "" if value is None else str(value)

    return DatabaseParams(
        host=text("host"),
        port=text("port") or "5432",
        user=text("user"),
        password=text("password"),
        dbname=text("dbname"),
        schema=schema,
    )


def ensure_database(database_url: str | None, *, data_dir: Path, default_schema: str) -> str:
    """A libpq URL for the event store: ``database_url``, or the embedded server's.

    The embedded server's data lives in ``data_dir / "pg"``; the URL names a ``sukuma``
    database in it, created on first use. The URL's schema (or ``default_schema``) is created.
    """
    if database_url:
        url = database_url
    else:
        data_dir = data_dir.expanduser().resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        server = start_embedded_postgres(data_dir / "pg")
        admin_url = server.get_uri()
        logger.info("Embedded PostgreSQL: data kept in %s (at %s)", server.pgdata, admin_url)
        url = create_database(admin_url, EMBEDDED_DATABASE, exist_ok=True)
    ensure_schema(url, parse_database_url(url).schema or default_schema)
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


def forget_dead_processes(pgdata: Path) -> None:
    """Let the last live process out stop the embedded server, though some that used it died
    holding their handle (an API worker killed, or stopped while it started)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        from pgserver.postgres_server import PostgresServer

    with PostgresServer._lock:
        _forget_dead_handles(pgdata.expanduser().resolve())


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
    with psycopg.connect(libpq_url(admin_url), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        elif not exist_ok:
            raise FileExistsError(f"database {name!r} already exists")
    return database_url_for(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    """Drop database ``name`` (closing its sessions first); no error if it is gone."""
    with psycopg.connect(libpq_url(admin_url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def ensure_schema(url: str, schema: str) -> None:
    """Create ``schema`` if it is missing (eventsourcing creates tables, not schemas)."""
    if schema == "public":
        return
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
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


def libpq_url(url: str) -> str:
    """``url`` without our own ``schema`` parameter, which libpq would reject."""
    params = parse_database_url(url)
    return asyncpg_dsn(url) if params.schema else url
