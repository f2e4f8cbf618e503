"""Shared fixtures: one PostgreSQL server per test session, one fresh database per test.

The server is ``TEST_DATABASE_URL`` when set (its role needs CREATEDB); otherwise an embedded
PostgreSQL (pgserver) started in a temporary directory and deleted at the end of the session.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from adapters.database import create_database, drop_database, start_embedded_postgres
from adapters.migrations import migrate
from sukuma.settings import Settings

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
        yield external
        return
    root = Path(tempfile.mkdtemp(prefix="sukuma-test-pg-"))
    server = start_embedded_postgres(root / "pg", delete_on_exit=True)
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def blank_db_url(database_url: str) -> Iterator[str]:
    """A new database with nothing in it, not even the schema (dropped afterwards)."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    url = create_database(database_url, name)
    try:
        yield url
    finally:
        drop_database(database_url, name)


@pytest.fixture
def fresh_db_url(blank_db_url: str) -> str:
    """A new database for this test with the schema migrated and no data."""
    migrate(blank_db_url, "public")
    return blank_db_url


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
