"""The server a benchmark runs on: ``BENCH_DATABASE_URL``, or a throwaway embedded one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from adapters.database import start_embedded_postgres


@contextmanager
def server(data_dir: Path) -> Iterator[str]:
    """A server-level URL: ``BENCH_DATABASE_URL``, or an embedded PostgreSQL deleted after."""
    external = os.environ.get("BENCH_DATABASE_URL")
    if external:
        yield external
        return
    pg = start_embedded_postgres(data_dir / "pg", delete_on_exit=True)
    try:
        yield pg.get_uri()
    finally:
        pg.cleanup()
