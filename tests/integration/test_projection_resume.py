"""Kill the projector with SIGKILL mid-catch-up, again and again: the views still come out exact.

A page's rows and its tracking position commit in one transaction, so a process killed at any
instant leaves the views at the last committed page, and the next start resumes right after it
(nothing applied twice, nothing skipped). Checked against a rebuild from scratch into
``rebuild_`` tables: every nerve-centre table equal, row for row.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.sql import SQL, Identifier

from bench._events import fill
from domain.sukuma import Sukuma
from projections.nerve_centre.view import NerveCentreView
from projections.registry import open_projections
from projections.runner import BatchRunner
from sukuma.settings import Settings
from tests.integration.helpers import table_rows

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
EVENTS = 4000
KILLS = 5
PAGE_SIZE = 50


def tracked_position(datastore: PostgresDatastore, prefix: str = "") -> int:
    table = Identifier(datastore.schema), Identifier(f"{prefix}nerve_centre_tracking")
    with datastore.transaction(commit=False) as curs:
        curs.execute(
            "SELECT 1 FROM pg_tables WHERE schemaname = %s AND tablename = %s",
            (datastore.schema, f"{prefix}nerve_centre_tracking"),
        )
        if curs.fetchone() is None:
            return 0
        curs.execute(SQL("SELECT max(notification_id) AS max FROM {0}.{1}").format(*table))
        row = curs.fetchone()
    return int(row["max"] or 0) if row else 0


def assert_views_equal_rebuild(app: Sukuma) -> dict[str, int]:
    """Rebuild from scratch into ``rebuild_`` tables; every view table must be identical."""
    datastore: PostgresDatastore = app.factory.datastore  # type: ignore[attr-defined]
    recorder = app.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    rebuilt = open_projections(datastore, table_prefix="rebuild_")
    BatchRunner(recorder, app.name, rebuilt, page_size=100_000).run_once()
    head = recorder.max_notification_id() or 0
    assert tracked_position(datastore, "rebuild_") == head
    sizes: dict[str, int] = {}
    for suffix in NerveCentreView.tables:
        live = table_rows(datastore, f"nerve_centre_{suffix}")
        fresh = table_rows(datastore, f"rebuild_nerve_centre_{suffix}")
        assert live == fresh, f"nerve_centre_{suffix} differs from its rebuild"
        sizes[suffix] = len(live)
    return sizes


def start_worker(database_url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sukuma.projector",
            "--database-url",
            database_url,
            "--until-caught-up",
            "--page-size",
            str(PAGE_SIZE),
            # windows of 25 pages: a 4,000-event log commits several times (by default a
            # window would hold the whole log, and a kill would find nothing committed)
            "--commit-pages",
            "25",
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def kill_mid_way(
    worker: subprocess.Popen[bytes], datastore: PostgresDatastore, rng: random.Random, head: int
) -> None:
    """SIGKILL once the position passes a random mark, or a random delay after its first
    progress: either way during catch-up, never during the worker's start-up (a kill then
    tests nothing, and five of them in a row failed the test)."""
    start = tracked_position(datastore)
    by_mark = rng.random() < 0.7
    # The delay counts from its first commit.
    mark = start + int((head - start) * rng.uniform(0.05, 0.6)) if by_mark else start
    wait_past(worker, datastore, mark, rng)
    if not by_mark:
        time.sleep(rng.uniform(0.0, 0.2))
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)


def wait_past(
    worker: subprocess.Popen[bytes], datastore: PostgresDatastore, mark: int, rng: random.Random
) -> None:
    deadline = time.monotonic() + 30
    while tracked_position(datastore) <= mark and worker.poll() is None:
        assert time.monotonic() < deadline, "the worker made no progress"
        time.sleep(rng.uniform(0.0, 0.01))


def test_sigkilled_worker_resumes_exactly(application: Sukuma, settings: Settings) -> None:
    datastore: PostgresDatastore = application.factory.datastore  # type: ignore[attr-defined]
    assert settings.database_url is not None
    url = settings.database_url
    fill(application, EVENTS, seed=11, wards=12, batch_households=40)
    head = application.recorder.max_notification_id() or 0
    assert head >= EVENTS

    seed = random.randrange(1 << 32)
    rng = random.Random(seed)
    killed_at: list[int] = []
    for _ in range(KILLS):
        worker = start_worker(url)
        kill_mid_way(worker, datastore, rng, head)
        killed_at.append(tracked_position(datastore))
        if killed_at[-1] >= head:
            break
    worker = start_worker(url)
    _, stderr = worker.communicate(timeout=60)
    assert worker.returncode == 0, stderr.decode()

    assert tracked_position(datastore) == head
    assert any(0 < position < head for position in killed_at), (
        f"no kill landed mid-way (seed {seed}): positions {killed_at} of {head}"
    )
    sizes = assert_views_equal_rebuild(application)
    assert sizes["households"] and sizes["referrals"] and sizes["area_counts"]
