"""Issue 15.1: a projection rebuild survives PostgreSQL restarting under it, or stops with a
clear non-zero exit; it never leaves a half-built view live, and its heartbeat never passes
for the live projector's.

The restart runs against a PostgreSQL server of the test's own (``server`` from the fault
run), with ``sukuma projections rebuild`` as a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from fastapi import FastAPI

from bench._events import fill
from domain.access.principal import Role
from domain.sukuma import Sukuma
from projections.rebuild import rebuild
from projections.registry import table_names
from sukuma.wiring import build_application, build_projector
from tests.conftest import TEST_MASTER_KEY, TEST_SECRET_KEY
from tests.integration.conftest import BROAD_SCOPES, add_user
from tests.integration.helpers import table_rows
from tests.integration.test_fault_injection import Server, migrated, query, server, wait_for

__all__ = ["server"]  # the fault run's own PostgreSQL, as a fixture here too

EVENTS = 6000
PAGE_SIZE = "5"  # small pages: the rebuild takes long enough to be cut mid-way


async def test_a_rebuild_never_makes_a_dead_projector_look_alive(
    api: FastAPI, application: Sukuma
) -> None:
    transport = httpx.ASGITransport(app=api)
    async with httpx.AsyncClient(transport=transport, base_url="http://sukuma.test") as http:
        add_user(application, "tester", tuple(Role), BROAD_SCOPES)
        datastore: PostgresDatastore = application.factory.datastore  # type: ignore[attr-defined]
        recorder = application.recorder
        assert isinstance(recorder, PostgresApplicationRecorder)
        # No projector runs; an operator rebuilds the nerve centre, then the log moves on.
        rebuild(recorder, application.name, datastore, "nerve_centre")
        add_user(application, "later", (Role.ANALYST,), BROAD_SCOPES)

        ready = await http.get("/readyz")
        assert ready.status_code == 503
        reasons = ready.json()["reasons"]
        assert any(r.startswith("nerve_centre: projector dead") for r in reasons), reasons
        with datastore.transaction(commit=False) as curs:
            curs.execute("SELECT worker FROM sukuma_heartbeats")
            assert [r["worker"] for r in curs.fetchall()] == []  # the rebuild's is gone


def live_tables(datastore: PostgresDatastore) -> dict[str, list[tuple[object, ...]]]:
    datastore.pool.check()  # this process's connections died with the restart
    return {table: table_rows(datastore, table) for table in table_names("nerve_centre")}


def rebuild_table(url: str) -> tuple[int, int]:
    """The rebuild's tracking table (its oid, 0 if none) and the position it holds."""
    [(oid,)] = query(url, "SELECT to_regclass('rebuild_nerve_centre_tracking')::oid")
    if oid is None:
        return 0, 0
    rows = query(url, "SELECT coalesce(max(notification_id), 0) FROM rebuild_nerve_centre_tracking")
    return int(str(oid)), int(str(rows[0][0]))


def start_rebuild(server: Server, tmp_path: Path, retry_seconds: float) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "SUKUMA_DATABASE_URL": server.url,
        "SUKUMA_SECRET_KEY": TEST_SECRET_KEY,
        "SUKUMA_MASTER_KEY": TEST_MASTER_KEY,
        "SUKUMA_DATA_DIR": str(tmp_path),
        "SUKUMA_DATABASE_CONNECT_TIMEOUT": "1",
    }
    command = [
        str(Path(sys.executable).parent / "sukuma"), "projections", "rebuild", "nerve_centre",
        "--page-size", PAGE_SIZE, "--retry-seconds", str(retry_seconds),
    ]  # fmt: skip
    return subprocess.Popen(
        command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def restart_mid_rebuild(server: Server, rebuilding: subprocess.Popen[str], down: float) -> str:
    """Stop the server once the rebuild has committed a page into tables of its own (not the
    ones a rebuild that stopped left), start it ``down`` s later; the rebuild's output."""
    left, _ = rebuild_table(server.url)

    def going() -> bool:
        table, position = rebuild_table(server.url)
        return (table != left and position > 0) or rebuilding.poll() is not None

    assert wait_for(going, 60) is not None
    assert rebuilding.poll() is None, "the rebuild ended before the restart"
    server.stop()
    time.sleep(down)
    server.start()
    output, _ = rebuilding.communicate(timeout=120)
    return output


def test_a_rebuild_survives_postgresql_restarting_or_stops_leaving_the_live_view(
    server: Server, tmp_path: Path
) -> None:
    settings = migrated(server, tmp_path)
    application = build_application(settings, server.url)
    try:
        fill(application, EVENTS, seed=5, wards=12, batch_households=40)
        build_projector(application).run_once()
        head = application.recorder.max_notification_id() or 0
        datastore: PostgresDatastore = application.factory.datastore  # type: ignore[attr-defined]
        before = live_tables(datastore)
        assert before["nerve_centre_tracking"] == [(application.name, head)]
        assert before["nerve_centre_households"]

        # Down for longer than the rebuild retries: it stops, exit 1, the live view as it was.
        gave_up = start_rebuild(server, tmp_path, retry_seconds=2)
        output = restart_mid_rebuild(server, gave_up, down=5)
        assert gave_up.returncode == 1, output[-3000:]
        assert "Rebuild of nerve_centre stopped" in output
        assert "live view is unchanged" in output
        assert live_tables(datastore) == before
        assert 0 < rebuild_table(server.url)[1] < head  # half built, and not swapped in

        # Back within the retries: the rebuild resumes, finishes and swaps in the same view.
        resumed = start_rebuild(server, tmp_path, retry_seconds=60)
        output = restart_mid_rebuild(server, resumed, down=2)
        assert resumed.returncode == 0, output[-3000:]
        assert "lost the database" in output  # the restart did land mid-rebuild
        assert "nerve_centre rebuilt" in output
        assert live_tables(datastore) == before
        assert query(server.url, "SELECT to_regclass('rebuild_nerve_centre_tracking')") == [(None,)]
    finally:
        application.close()
