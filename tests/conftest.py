"""Shared fixtures: one PostgreSQL server per test session, one fresh database per test.

The server is ``TEST_DATABASE_URL`` when set (its role needs CREATEDB); otherwise an embedded
PostgreSQL (pgserver) started in a temporary directory and deleted at the end of the session.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from pydantic import SecretStr

from adapters.database import start_embedded_postgres
from sukuma.settings import Settings
from tests.databases import drop_template, throwaway_database

INTEGRATION_DIR = Path(__file__).parent / "integration"
DATABASE_FIXTURES = {"database_url", "fresh_db_url", "blank_db_url"}


#: Modules whose tests take tens of seconds each (``--durations``: property tests over fresh
#: databases, subprocess restarts, browsers, PDFs), besides the tests marked ``slow``.
LONG_MODULES = frozenset(
    {
        "test_rebuild_faults.py",
        "test_serve_workers.py",
        "test_reports.py",
        "test_scoping_matrix.py",
        "test_web_browser_field.py",
        "test_open_data_disclosure.py",
        "test_security_headers.py",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests under tests/integration, or using a database, are marked ``integration``.

    The long tests run first (a stable sort, so each module keeps its order): the suite runs
    on parallel workers (pytest-xdist, ``--dist worksteal``), and a long test started last
    would keep one worker busy while the others sit idle.
    """
    for item in items:
        in_integration_dir = INTEGRATION_DIR in item.path.parents
        uses_database = DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ()))
        if in_integration_dir or uses_database:
            item.add_marker(pytest.mark.integration)
        if item.path.name in LONG_MODULES:
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A server-level URL (the maintenance database) that may create and drop databases."""
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        try:
            yield external
        finally:
            drop_template(external)
        return
    root = Path(tempfile.mkdtemp(prefix="sukuma-test-pg-"))
    server = start_embedded_postgres(root / "pg", delete_on_exit=True)
    try:
        _skip_disk_flushes(server.get_uri())
        yield server.get_uri()
    finally:
        server.cleanup()
        shutil.rmtree(root, ignore_errors=True)


def _skip_disk_flushes(url: str) -> None:
    """The throwaway server stops waiting for its disk (fsync): a commit, a migration and a
    dropped database each waited for one, seconds per test on a busy disk. What a process
    sees is the same (the data still reaches the files, a crash of PostgreSQL loses nothing
    written); only a crash of the machine could. Durability is tested on servers of the
    tests' own (test_append_crash, test_outage)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ALTER SYSTEM SET fsync = off")
        conn.execute("ALTER SYSTEM SET full_page_writes = off")
        conn.execute("SELECT pg_reload_conf()")


@pytest.fixture
def blank_db_url(database_url: str) -> Iterator[str]:
    """A new database with nothing in it, not even the schema (dropped afterwards)."""
    with throwaway_database(database_url, migrated=False) as url:
        yield url


@pytest.fixture
def fresh_db_url(database_url: str) -> Iterator[str]:
    """A new database for this test with the schema migrated and no data (dropped afterwards):
    a copy of one migrated once per worker (tests/databases.py)."""
    with throwaway_database(database_url, migrated=True) as url:
        yield url


#: Explicit keys: a process started against a database URL refuses the development ones.
TEST_SECRET_KEY = "test-secret-key-" + "0" * 48
TEST_MASTER_KEY = "test-master-key-" + "1" * 48


@pytest.fixture
def settings(fresh_db_url: str, tmp_path: Path) -> Settings:
    """Settings pointing at this test's fresh database (no ``.env``; data_dir is tmp_path)."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=fresh_db_url,
        data_dir=tmp_path,
        secret_key=SecretStr(TEST_SECRET_KEY),
        master_key=SecretStr(TEST_MASTER_KEY),
    )
