"""A database outage answers 503 with Retry-After, quickly, and the service recovers
without stale-connection 500s once the database is back (issue 22, item 1).

Its own PostgreSQL (pgserver's binaries), stopped and started with pg_ctl mid-test."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import httpx
import pgserver
import pytest
from eventsourcing.postgres import PostgresApplicationRecorder
from pydantic import SecretStr

from adapters.database import create_database, parse_database_url, start_embedded_postgres
from adapters.migrations import migrate
from adapters.pool_check import check_when_stale
from api.main import create_app
from domain.access.principal import Role
from sukuma.settings import Settings
from sukuma.wiring import build_application, build_projector
from tests.conftest import TEST_MASTER_KEY, TEST_SECRET_KEY
from tests.integration.conftest import BASE_URL, BROAD_SCOPES, TEST_PASSWORD, add_user

PG_CTL = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pg_ctl"
#: An outage is answered within this: the event store tries up to 10 times (eventsourcing's
#: retry of lost connections, 0.2 s apart), each waiting SUKUMA_WRITE_POOL_TIMEOUT (0.3 s by
#: default) for a connection: about 5 s; the read side waits the connect timeout (1 s here).
QUICKLY = 6.0


class Server:
    """A PostgreSQL this test may stop and start."""

    def __init__(self, pgdata: Path, url: str) -> None:
        self.pgdata, self.url = pgdata, url
        self.socket_dir = parse_database_url(url).host

    def _pg_ctl(self, *args: str) -> None:
        user = "pgserver" if shutil.which("su") and Path("/root").exists() else None
        subprocess.run(
            [str(PG_CTL), "-D", str(self.pgdata), "-w", *args], check=True, user=user, timeout=30
        )

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "stop")

    def start(self) -> None:
        log = str(self.pgdata / "log")
        self._pg_ctl("-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", log, "start")


@pytest.fixture
def server() -> Iterator[Server]:
    root = Path(tempfile.mkdtemp(prefix="sukuma-outage-pg-"))
    embedded = start_embedded_postgres(root / "pg", delete_on_exit=True)
    try:
        yield Server(root / "pg", embedded.get_uri())
    finally:
        embedded.cleanup()
        shutil.rmtree(root, ignore_errors=True)


def _settings(server: Server, name: str, data_dir: Path) -> tuple[Settings, str]:
    """A migrated database of its own on ``server``, and settings that reach it."""
    url = create_database(server.url, name)
    migrate(url, "public")
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=url,
        data_dir=data_dir,
        secret_key=SecretStr(TEST_SECRET_KEY),
        master_key=SecretStr(TEST_MASTER_KEY),
        database_connect_timeout=1,
    )
    return settings, url


async def _bearer(http: httpx.AsyncClient) -> dict[str, str]:
    """The tester's Authorization header, signed in through the API."""
    form = {"username": "tester", "password": TEST_PASSWORD}
    token = (await http.post("/v1/auth/token", data=form)).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


async def test_an_outage_is_a_quick_503_and_the_service_recovers(
    server: Server, tmp_path: Path
) -> None:
    settings, url = _settings(server, "outage", tmp_path)
    application = build_application(settings, url)
    add_user(application, "tester", tuple(Role), BROAD_SCOPES)
    api = create_app(settings, application)
    try:
        async with api.router.lifespan_context(api):
            transport = httpx.ASGITransport(app=api, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
                auth = await _bearer(http)
                ward = "KZN225-W001"
                took: dict[str, float] = {}

                async def each() -> list[httpx.Response]:
                    answers = []
                    for request in (
                        http.build_request(
                            "POST",
                            "/v1/households",
                            json={"ward_id": ward, "dwelling_type": "informal"},
                            headers=auth,
                        ),
                        http.build_request(  # copies of a keyed request take turns first
                            "POST",
                            "/v1/households",
                            json={"ward_id": ward, "dwelling_type": "informal"},
                            headers={**auth, "Idempotency-Key": str(uuid4())},
                        ),
                        http.build_request("GET", "/v1/households", headers=auth),
                        http.build_request(
                            "POST",
                            "/v1/auth/token",
                            data={"username": "tester", "password": TEST_PASSWORD},
                        ),
                    ):
                        started = time.monotonic()
                        answers.append(await http.send(request))
                        took[f"{request.method} {request.url.path} {len(answers)}"] = (
                            time.monotonic() - started
                        )
                    return answers

                assert [r.status_code for r in await each()] == [201, 201, 200, 200]

                server.stop()
                down = await each()
                started = time.monotonic()
                ready = await http.get("/readyz")
                took["/readyz"] = time.monotonic() - started

                assert [r.status_code for r in down] == [503, 503, 503, 503], [r.text for r in down]
                assert all(r.headers.get("retry-after") for r in down)
                assert ready.status_code == 503
                assert max(took.values()) < QUICKLY, took

                server.start()
                again = await each()
                assert [r.status_code for r in again] == [201, 201, 200, 200], [
                    r.text for r in again
                ]
                # Ready again once the views have caught up, as a running projector does.
                await asyncio.to_thread(build_projector(application).run_once)
                assert (await http.get("/readyz")).status_code == 200
    finally:
        application.close()


async def test_after_an_outage_the_service_does_not_wait_out_the_pools_backoff(
    server: Server, tmp_path: Path
) -> None:
    """Every lost connection found at once retries 1, 3, 7, 15 s later: restarted at 8 s, the
    database would wait for the 15 s try (7 s: past a request's 5 s) unless the pool gave up
    retrying (SUKUMA_WRITE_POOL_RECONNECT_TIMEOUT) and the request started a fresh try."""
    settings, url = _settings(server, "backoff", tmp_path)
    application = build_application(settings, url)
    add_user(application, "tester", tuple(Role), BROAD_SCOPES)
    api = create_app(settings, application)
    register = {"ward_id": "KZN225-W001", "dwelling_type": "informal"}
    recorder = application.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    try:
        async with api.router.lifespan_context(api):
            transport = httpx.ASGITransport(app=api, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
                auth = await _bearer(http)
                answer = await http.post("/v1/households", json=register, headers=auth)
                assert answer.status_code == 201

                server.stop()
                recorder.datastore.pool.check()  # every connection found lost at once
                await asyncio.sleep(8)
                server.start()

                started = time.monotonic()
                back = await http.post("/v1/households", json=register, headers=auth)
                assert back.status_code == 201, back.text
                assert time.monotonic() - started < QUICKLY
    finally:
        application.close()


async def test_a_restart_between_two_commands_fails_neither(server: Server, tmp_path: Path) -> None:
    """Connections are checked before use only when stale (adapters.pool_check): with the
    check's clock held still, every pooled connection looks used a moment ago when the
    server comes back, so the next command meets a dead one unchecked. That try is retried
    (eventsourcing, 0.2 s later), the broken connection puts the others under check, and
    the command succeeds."""
    settings, url = _settings(server, "restart", tmp_path)
    application = build_application(settings, url)
    add_user(application, "tester", tuple(Role), BROAD_SCOPES)
    recorder = application.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    check = check_when_stale(recorder.datastore, clock=lambda: 1000.0)
    api = create_app(settings, application)
    register = {"ward_id": "KZN225-W001", "dwelling_type": "informal"}
    try:
        async with api.router.lifespan_context(api):
            transport = httpx.ASGITransport(app=api, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
                auth = await _bearer(http)
                for _ in range(2 * recorder.datastore.pool.max_size):  # every one seen once
                    answer = await http.post("/v1/households", json=register, headers=auth)
                    assert answer.status_code == 201
                pings = check.pings

                server.stop()
                server.start()

                answers = [
                    await http.post("/v1/households", json=register, headers=auth) for _ in range(3)
                ]
                assert [a.status_code for a in answers] == [201, 201, 201], [
                    a.text for a in answers
                ]
                assert check.pings > pings  # checked once one was found broken
    finally:
        application.close()
