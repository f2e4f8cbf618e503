"""Issue 15.1's fault run: the database stops under load and comes back; nothing stays stale.

A PostgreSQL server of its own (the pgserver wheel's binaries, driven by ``pg_ctl``), and
``sukuma serve`` as a subprocess with its projector and scheduler threads. Households are
registered at 20 a second; the server is stopped (``pg_ctl stop -m fast``) for a few seconds
and started again. Then: no 5xx but 503, every acknowledged command in the log, the views
caught up within 10 s of the server's return, the next sweep run. Then the projector as its
own process, killed -9 during a catch-up, resumes where its last commit left it. And serve
whose projector thread cannot recover exits 1 for its supervisor.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import httpx
import pgserver
import psycopg
import pytest
from pydantic import SecretStr

from adapters.migrations import migrate
from api.main import create_app
from domain.access.principal import Role
from domain.context import CommandContext
from domain.reference.geography import geography
from sukuma.settings import Settings
from sukuma.wiring import build_application
from tests.conftest import TEST_MASTER_KEY, TEST_SECRET_KEY
from tests.integration.conftest import BROAD_SCOPES, add_user, bearer

pytestmark = [pytest.mark.integration, pytest.mark.slow]

BIN = Path(pgserver.__file__).parent / "pginstall" / "bin"  # the wheel's own binaries
RATE = 20  # commands a second
BEFORE, DOWN, AFTER = 3.0, 4.0, 3.0  # seconds of load before, during and after the outage
CAUGHT_UP_WITHIN = 10.0
SERVER_ERRORS = frozenset(range(500, 600)) - {503}  # 503 is the outage's honest answer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# PostgreSQL refuses to run as root: then run it as the user pgserver itself runs it as.
SYSTEM_USER = "pgserver" if os.geteuid() == 0 else None


def run_pg(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=120, user=SYSTEM_USER)


@dataclass
class Server:
    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def pg_ctl(self, *args: str) -> None:
        run_pg(str(BIN / "pg_ctl"), "-D", str(self.data), *args)

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data}"
        self.pg_ctl("start", "-w", "-l", str(self.data / "log"), "-o", options)

    def stop(self) -> None:
        self.pg_ctl("stop", "-m", "fast", "-w")


@pytest.fixture
def server() -> Iterator[Server]:
    base = Path(tempfile.mkdtemp(prefix="sukuma-fault-"))
    if SYSTEM_USER is not None:
        os.chown(base, pwd.getpwnam(SYSTEM_USER).pw_uid, pwd.getpwnam(SYSTEM_USER).pw_gid)
    data = base / "pg"
    run_pg(str(BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust")
    db = Server(data, free_port())
    db.start()
    try:
        yield db
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            db.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(base, ignore_errors=True)


def migrated(server: Server, tmp_path: Path) -> Settings:
    """Migrate the server's database; settings for it, with the test keys."""
    migrate(server.url, "public")
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=server.url,
        data_dir=tmp_path,
        secret_key=SecretStr(TEST_SECRET_KEY),
        master_key=SecretStr(TEST_MASTER_KEY),
    )


def query(url: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        return list(conn.execute(sql).fetchall())


def since(moment: float) -> float:
    return time.monotonic() - moment


def wait_for(condition: Callable[[], bool], timeout: float) -> float | None:
    """Seconds until ``condition`` held (None: it never did within ``timeout``)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if condition():
                return time.monotonic() - started
        except (httpx.HTTPError, psycopg.Error):
            pass
        time.sleep(0.1)
    return None


def test_the_database_stops_under_load_and_nothing_stays_stale(
    server: Server, tmp_path: Path
) -> None:
    settings = migrated(server, tmp_path)
    application = build_application(settings, server.url)
    add_user(application, "loader", tuple(Role), BROAD_SCOPES)
    headers = bearer(create_app(settings, application), application, "loader")
    application.close()
    ward_id = geography().wards_in("municipality", "KZN225")[0].id

    port = free_port()
    env = {
        **os.environ,
        "SUKUMA_DATABASE_URL": server.url,
        "SUKUMA_PORT": str(port),
        "SUKUMA_SECRET_KEY": TEST_SECRET_KEY,
        "SUKUMA_MASTER_KEY": TEST_MASTER_KEY,
        "SUKUMA_SWEEP_INTERVAL_SECONDS": "2",
        "SUKUMA_DATABASE_CONNECT_TIMEOUT": "2",
        "SUKUMA_DATA_DIR": str(tmp_path),
        "SUKUMA_LOG_LEVEL": "WARNING",
    }
    sukuma = Path(sys.executable).parent / "sukuma"
    serve = subprocess.Popen(
        [str(sukuma), "serve"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: httpx.get(f"{base}/readyz").status_code == 200, 30) is not None

        answers: list[tuple[str, int | str]] = []

        def register() -> tuple[str, int | str]:
            household = str(uuid4())
            try:
                r = httpx.post(
                    f"{base}/v1/households",
                    headers=headers,
                    timeout=20,
                    json={"id": household, "ward_id": ward_id, "dwelling_type": "formal"},
                )
                return household, r.status_code
            except httpx.HTTPError as exc:
                return household, type(exc).__name__

        moments: dict[str, float] = {}

        def views_caught_up(head_above: int = 0) -> bool:
            """Ready, no lag, the log past ``head_above``, every projector heard from since the
            server's return (so it did reconnect)."""
            body = httpx.get(f"{base}/readyz", timeout=2).json()
            since_return = since(moments["restarted"])
            return (
                body["status"] == "ok"
                and body["log_head"] > head_above
                and all(
                    p["lag_events"] == 0 and p["heartbeat_age_seconds"] < since_return
                    for p in body["projections"].values()
                )
            )

        def outage() -> None:
            time.sleep(BEFORE)
            head = httpx.get(f"{base}/readyz").json()["log_head"]
            server.stop()
            moments["stopped"] = time.monotonic()
            time.sleep(DOWN)
            server.start()
            moments["restarted"] = time.monotonic()
            took = wait_for(lambda: views_caught_up(head), 30)  # while the load goes on
            if took is not None:
                moments["caught_up"] = moments["restarted"] + took

        sent: list[Future[tuple[str, int | str]]] = []
        with ThreadPoolExecutor(max_workers=64) as pool:
            fault = pool.submit(outage)
            started = time.monotonic()
            for i in range(int(RATE * (BEFORE + DOWN + AFTER))):
                time.sleep(max(0.0, started + i / RATE - time.monotonic()))  # a steady rate
                sent.append(pool.submit(register))
            fault.result()
            answers = [f.result() for f in sent]
        restarted_at = moments["restarted"]

        statuses = Counter(status for _, status in answers)
        acknowledged = {h for h, status in answers if status == 201}
        in_log = {
            str(r[0])
            for r in query(
                server.url,
                "SELECT DISTINCT originator_id FROM sukuma_events"
                " WHERE topic LIKE '%Household.Registered%'",
            )
        }

        since_return = moments.get("caught_up", float("inf")) - restarted_at
        # And once the load is over, the views hold every acknowledged command.
        assert wait_for(views_caught_up, CAUGHT_UP_WITHIN) is not None
        swept = wait_for(
            lambda: bool(
                query(
                    server.url,
                    "SELECT 1 FROM sukuma_heartbeats WHERE worker = 'scheduler'"
                    f" AND beat_at > now() - interval '{since(restarted_at)} seconds'",
                )
            ),
            15,
        )
        print(
            f"\nfault run: sent {len(answers)}, acknowledged {len(acknowledged)}, found in the"
            f" log {len(acknowledged & in_log)}, answers {dict(statuses)}, 5xx but 503"
            f" {sum(n for s, n in statuses.items() if s in SERVER_ERRORS)},"
            f" views caught up {since_return:.1f} s after the server's"
            f" return"
        )

        assert [s for s in statuses if s in SERVER_ERRORS] == []
        assert [s for s in statuses if isinstance(s, str)] == []  # the API itself stayed up
        assert acknowledged <= in_log
        assert since_return <= CAUGHT_UP_WITHIN
        assert swept is not None, "no sweep ran after the server's return"
        assert serve.poll() is None, "serve died"
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            output, _ = serve.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            serve.kill()
            output, _ = serve.communicate()
        print(output[-4000:])


def test_the_projector_process_killed_during_catch_up_resumes(
    server: Server, tmp_path: Path
) -> None:
    settings = migrated(server, tmp_path)
    application = build_application(settings, server.url)
    ward_id = geography().wards_in("municipality", "KZN225")[0].id
    households = 1500
    for _ in range(households):
        application.register_household(
            household_id=uuid4(),
            ward_id=ward_id,
            dwelling_type="formal",
            village=None,
            gps=None,
            field_worker_id=None,
            ctx=CommandContext(actor="fault-test", occurred_at=datetime.now(UTC)),
        )
    head = application.recorder.max_notification_id() or 0
    application.close()
    env = {
        **os.environ,
        "SUKUMA_SECRET_KEY": TEST_SECRET_KEY,
        "SUKUMA_MASTER_KEY": TEST_MASTER_KEY,
        "SUKUMA_DATA_DIR": str(tmp_path),
    }
    projector = [sys.executable, "-m", "sukuma.projector", "--database-url", server.url]
    small_pages = ["--page-size", "10", "--commit-pages", "1"]

    def position() -> int:
        rows = query(server.url, "SELECT max(notification_id) FROM nerve_centre_tracking")
        return int(rows[0][0] or 0)  # type: ignore[call-overload]

    following = subprocess.Popen([*projector, *small_pages], env=env, cwd=tmp_path)
    try:
        assert wait_for(lambda: position() > 200, 30) is not None  # well into the catch-up
    finally:
        following.send_signal(signal.SIGKILL)
        following.wait(10)
    killed_at = position()
    assert 0 < killed_at < head, "the catch-up ended before the kill: nothing was tested"

    resumed = subprocess.run(
        [*projector, "--until-caught-up"], env=env, cwd=tmp_path, timeout=60, check=False
    )
    print(f"\nkill -9 at position {killed_at} of {head}; resumed with exit {resumed.returncode}")
    assert resumed.returncode == 0
    assert position() == head
    # Every household counted once: nothing replayed twice, nothing skipped.
    counted = query(server.url, "SELECT count(*) FROM nerve_centre_households")[0][0]
    assert counted == households


def test_serve_exits_non_zero_when_its_projector_thread_gives_up(
    settings: Settings, tmp_path: Path
) -> None:
    """A projector that cannot recover stops ``sukuma serve`` (exit 1, for a supervisor to
    restart it) instead of leaving the API serving views that no longer move."""
    assert settings.database_url is not None
    url, port = settings.database_url, free_port()
    env = {
        **os.environ,
        "SUKUMA_DATABASE_URL": url,
        "SUKUMA_PORT": str(port),
        "SUKUMA_SECRET_KEY": TEST_SECRET_KEY,
        "SUKUMA_MASTER_KEY": TEST_MASTER_KEY,
        "SUKUMA_DATA_DIR": str(tmp_path),
        "SUKUMA_LOG_LEVEL": "WARNING",
    }
    sukuma = Path(sys.executable).parent / "sukuma"
    serve = subprocess.Popen(
        [str(sukuma), "serve", "--no-scheduler"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        ready = f"http://127.0.0.1:{port}/readyz"
        assert wait_for(lambda: httpx.get(ready).status_code == 200, 30) is not None
        # Not a lost connection but a broken schema: every pass fails the same way.
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP TABLE sukuma_heartbeats")
        output, _ = serve.communicate(timeout=40)
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.communicate()
    assert serve.returncode == 1, output[-3000:]
    assert "gives up" in output
