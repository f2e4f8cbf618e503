"""A server crash loses no acknowledged command, and no event a tracking reader relied on.

Appends commit with ``synchronous_commit = off`` under the events table's lock and are made
durable afterwards (``SukumaRecorder.flush_outside_lock``). This test runs its own PostgreSQL
(pgserver's, then driven with its ``pg_ctl``), crashes it with ``pg_ctl stop -m immediate``
(no shutdown checkpoint, unwritten WAL buffers lost) while threads append, restarts it and
checks the log against what was acknowledged and what a reader saw. ``wal_writer_delay`` is
at its maximum so that, without the flush, acknowledged commits wait in WAL buffers long
enough for the crash to lose them (the test fails then: tried by removing the flush).
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pgserver
import psycopg
import pytest
from pydantic import SecretStr

from adapters.database import start_embedded_postgres
from adapters.event_store import SukumaRecorder
from adapters.idempotency import IdempotencyReceipt
from adapters.migrations import migrate
from domain.context import CommandContext
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from sukuma.settings import Settings
from sukuma.wiring import build_application
from tests.conftest import TEST_MASTER_KEY, TEST_SECRET_KEY

BIN = Path(pgserver.__file__).parent / "pginstall" / "bin"
WRITERS = 8


@dataclass
class Server:
    data: Path
    system_user: str | None  # pgserver runs PostgreSQL as its own user when we are root
    url: str

    def pg_ctl(self, *args: str) -> None:
        command = [BIN / "pg_ctl", "-D", self.data, "-w", "-l", self.data / "log", *args]
        # No pipes: the server it starts would inherit them, and never close them.
        devnull = subprocess.DEVNULL
        subprocess.run(command, check=True, stdout=devnull, stderr=devnull, user=self.system_user)


@pytest.fixture
def server() -> Iterator[Server]:
    """A PostgreSQL server of this test's own, which it may crash."""
    root = Path(tempfile.mkdtemp(prefix="pgcrash-"))  # short: a socket path has a limit
    embedded = start_embedded_postgres(root / "pg", delete_on_exit=True)
    server = Server(embedded.pgdata, embedded.system_user, embedded.get_uri())
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute("ALTER SYSTEM SET wal_writer_delay = '10s'")
    server.pg_ctl("restart", "-m", "fast")  # with the options pgserver started it with
    try:
        yield server
    finally:
        # A server the test restarted (pg_ctl) is not the one pgserver started: stop it here,
        # or it outlives the suite with its data directory removed under it.
        with contextlib.suppress(subprocess.CalledProcessError):
            server.pg_ctl("stop", "-m", "immediate")
        embedded.cleanup()
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Outcomes:
    attempted: set[uuid.UUID] = field(default_factory=set)
    acknowledged: set[uuid.UUID] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _write(application: Sukuma, stop: threading.Event, outcomes: Outcomes) -> None:
    """Register households until told to stop; every other one with an idempotency receipt."""
    ward = geography().wards_in("municipality", "KZN225")[0].id
    n = 0
    while not stop.is_set():
        household_id = uuid.uuid4()
        n += 1
        receipt = IdempotencyReceipt(f"k-{household_id}", "w", "fp", 201, household_id)
        ctx = CommandContext(
            actor="w", occurred_at=datetime.now(UTC), receipt=receipt if n % 2 else None
        )
        with outcomes.lock:
            outcomes.attempted.add(household_id)
        try:
            application.register_household(
                household_id=household_id,
                ward_id=ward,
                dwelling_type="formal",
                village=None,
                gps=None,
                field_worker_id=None,
                ctx=ctx,
            )
        except Exception:  # the server is down: not acknowledged
            time.sleep(0.05)
            continue
        with outcomes.lock:
            outcomes.acknowledged.add(household_id)


def _track(recorder: SukumaRecorder, url: str, stop: threading.Event) -> None:
    """A tracking reader: reads the log in order and durably records what it has seen."""
    position = 0
    while not stop.is_set():
        try:
            notifications = recorder.select_notifications(position, 200, inclusive_of_start=False)
            with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
                for n in notifications:
                    conn.execute("INSERT INTO seen VALUES (%s, %s)", (n.id, str(n.originator_id)))
        except Exception:  # the server is down: try again
            time.sleep(0.05)
            continue
        if notifications:
            position = notifications[-1].id
        else:
            time.sleep(0.002)


def test_acknowledged_commands_survive_a_crash(server: Server, tmp_path: Path) -> None:
    # Given a migrated database, a reader's durable table, writers and a tracking reader
    migrate(server.url, "public")
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute("CREATE TABLE seen (notification_id bigint PRIMARY KEY, originator text)")
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=server.url,
        data_dir=tmp_path,
        secret_key=SecretStr(TEST_SECRET_KEY),
        master_key=SecretStr(TEST_MASTER_KEY),
        write_pool_size=WRITERS,
    )
    application = build_application(settings, server.url)
    recorder = application.recorder
    assert isinstance(recorder, SukumaRecorder)
    assert recorder.flush_outside_lock
    outcomes, stop = Outcomes(), threading.Event()
    threads = [
        threading.Thread(target=_write, args=(application, stop, outcomes)) for _ in range(WRITERS)
    ]
    threads.append(threading.Thread(target=_track, args=(recorder, server.url, stop)))
    for thread in threads:
        thread.start()

    # When the server crashes while they run, and comes back
    time.sleep(3)
    before_crash = len(outcomes.acknowledged)
    server.pg_ctl("stop", "-m", "immediate")
    time.sleep(0.5)
    server.pg_ctl("restart")  # a start with the options it ran with (postmaster.opts)
    time.sleep(2)
    stop.set()
    for thread in threads:
        thread.join()
    application.close()

    # Then every acknowledged command is in the log, and nothing that was never attempted
    with psycopg.connect(server.url) as conn:
        log = dict(conn.execute("SELECT notification_id, originator_id::text FROM sukuma_events"))
        seen = dict(conn.execute("SELECT notification_id, originator FROM seen"))
    logged = {uuid.UUID(o) for o in log.values()}
    # (the recorder's retries carry most commands in flight over the restart)
    assert "automatic recovery in progress" in (server.data / "log").read_text()
    assert before_crash > 0 and len(outcomes.acknowledged) > before_crash
    assert outcomes.acknowledged - logged == set()
    assert logged - outcomes.attempted == set()
    # and the reader durably saw exactly the log's events up to where it got: nothing it
    # read was lost, and no event below its position appeared after it had passed
    assert seen
    assert {i: o for i, o in log.items() if i <= max(seen)} == seen
