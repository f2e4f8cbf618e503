"""`sukuma serve --workers N`: uvicorn's own worker processes serve the real API, a killed
worker is replaced, SIGTERM stops them all cleanly (and the embedded PostgreSQL with them)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from api.auth.tokens import Tokens
from domain.access.principal import Role
from sukuma.settings import Settings
from sukuma.wiring import build_application, build_projector
from tests.conftest import TEST_MASTER_KEY, TEST_SECRET_KEY
from tests.integration.conftest import add_user

ROOT = Path(__file__).resolve().parents[2]
WARD = "KZN225-W001"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(env: dict[str, str], *args: str) -> Iterator[subprocess.Popen[bytes]]:
    command = [sys.executable, "-m", "sukuma.cli", "serve", *args]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _env(tmp_path: Path, database_url: str | None) -> dict[str, str]:
    env = {**os.environ, "SUKUMA_DATA_DIR": str(tmp_path), "SUKUMA_LOG_LEVEL": "WARNING"}
    for name in ("SUKUMA_DATABASE_URL", "SUKUMA_SECRET_KEY", "SUKUMA_MASTER_KEY"):
        env.pop(name, None)
    if database_url is not None:
        env["SUKUMA_DATABASE_URL"] = database_url
        env["SUKUMA_SECRET_KEY"] = TEST_SECRET_KEY
        env["SUKUMA_MASTER_KEY"] = TEST_MASTER_KEY
    return env


def _wait_for(predicate: Callable[[], bool], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200
    except httpx.TransportError:
        return False


def _children(parent: int) -> dict[int, bytes]:
    """The live child processes of ``parent``, with their command lines."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == parent and fields[0] != "Z":
            found[int(entry.name)] = cmdline
    return found


def _workers(serve: int) -> set[int]:
    """The API worker processes of ``sukuma serve``: its gunicorn's children."""
    masters = [pid for pid, cmd in _children(serve).items() if b"gunicorn" in cmd]
    return {pid for master in masters for pid in _children(master)}


def _alive(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except FileNotFoundError:
        return False
    return fields[0] != "Z"


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM stops the serving process and its workers, cleanly."""
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0


@pytest.mark.parametrize("database", ["configured", "embedded"])
def test_serve_runs_the_api_in_several_workers_and_replaces_a_killed_one(
    database: str, fresh_db_url: str, tmp_path: Path
) -> None:
    """Against a configured server (keys from the environment) and the embedded one (keys
    generated into the data directory, which the workers share with the serving process,
    and a server the workers join and which stops with the serving process)."""
    port = _free_port()
    env = _env(tmp_path, fresh_db_url if database == "configured" else None)
    with serving(env, "--port", str(port), "--workers", "2", "--no-scheduler") as process:
        _wait_for(lambda: process.poll() is not None or len(_workers(process.pid)) == 2)
        _wait_for(lambda: process.poll() is not None or _ready(port))
        assert process.poll() is None, "sukuma serve stopped"
        refused = httpx.get(f"http://127.0.0.1:{port}/v1/households?limit=1")
        assert refused.status_code == 401  # the real app, with its authentication

        victim = min(_workers(process.pid))
        os.kill(victim, signal.SIGKILL)
        _wait_for(lambda: len(_workers(process.pid) - {victim}) == 2)
        _wait_for(lambda: _ready(port))

        _stop(process)
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
    if database == "embedded":  # the last process out stopped it
        pgdata = tmp_path / "pg"
        assert json.loads((pgdata / ".handle_pids.json").read_text()) == []
        _wait_for(lambda: not (pgdata / "postmaster.pid").exists(), timeout=20)


async def test_commands_over_several_workers_keep_their_answers(
    fresh_db_url: str, tmp_path: Path
) -> None:
    """Commands spread over the workers: the same Idempotency-Key sent concurrently is applied
    once and every copy gets the first answer, whichever worker it lands on (a transition's
    too, which a copy run after the first would refuse); a stale If-Match answers 412."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=fresh_db_url,
        data_dir=tmp_path,
        secret_key=TEST_SECRET_KEY,
        master_key=TEST_MASTER_KEY,
    )
    application = build_application(settings, fresh_db_url)
    try:
        add_user(application, "fw", (Role.FIELD_WORKER,), (f"ward:{WARD}",))
        principal = application.user_named("fw").principal
        officer_roles = (Role.CONVENER, Role.DEPARTMENT_OFFICER)
        add_user(application, "officer", officer_roles, (f"ward:{WARD}", "department:SASSA"))
        officer = application.user_named("officer").principal
        # Ready means the views are caught up; this serve runs no projector of its own.
        build_projector(application).run_once()
    finally:
        application.close()
    hour = timedelta(hours=1)
    tokens = Tokens(TEST_SECRET_KEY, hour, hour, lambda: datetime.now(UTC))
    token = tokens.issue(principal, generation=0).access_token
    officer_token = tokens.issue(officer, generation=0).access_token
    port = _free_port()
    env = _env(tmp_path, fresh_db_url)
    args = ("--port", str(port), "--workers", "2", "--no-scheduler", "--no-projector")
    with serving(env, *args) as process:
        _wait_for(lambda: process.poll() is not None or len(_workers(process.pid)) == 2)
        _wait_for(lambda: process.poll() is not None or _ready(port))
        headers = {"Authorization": f"Bearer {token}"}
        limits = httpx.Limits(max_keepalive_connections=0)  # a new connection each request
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", headers=headers, limits=limits, timeout=30
        ) as http:
            made = await http.post(
                "/v1/households", json={"ward_id": WARD, "dwelling_type": "formal"}
            )
            assert made.status_code == 201, made.text
            visits = f"/v1/households/{made.json()['id']}/visits"
            body = {"outcome": "met_household"}
            # At once, on new connections: both workers race to record the same key.
            keyed = await asyncio.gather(
                *[
                    http.post(visits, json=body, headers={"Idempotency-Key": "visit-1"})
                    for _ in range(8)
                ]
            )
            stale = await http.post(visits, json=body, headers={"If-Match": '"1"'})
            acknowledged = await _acknowledge_at_once(http, made.json()["id"], officer_token)

        assert {r.status_code for r in keyed} == {201}
        assert len({r.content for r in keyed}) == 1
        assert keyed[0].json()["version"] == 2
        assert stale.status_code == 412
        assert stale.json()["current_version"] == 2
        assert {r.status_code for r in acknowledged} == {200}, [r.text for r in acknowledged]
        assert len({r.content for r in acknowledged}) == 1
        _stop(process)


async def _acknowledge_at_once(
    http: httpx.AsyncClient, household_id: str, token: str
) -> list[httpx.Response]:
    """A referral of the household, then 8 copies of one keyed acknowledgement at once."""
    headers = {"Authorization": f"Bearer {token}"}
    households = f"/v1/households/{household_id}"
    need = await http.post(
        f"{households}/needs", json={"category": "water", "severity": "high"}, headers=headers
    )
    assert need.status_code == 201, need.text
    body = {"household_id": household_id, "need_id": need.json()["need_id"], "department": "SASSA"}
    referral = await http.post("/v1/referrals", json=body, headers=headers)
    assert referral.status_code == 201, referral.text
    url = f"/v1/referrals/{referral.json()['id']}/acknowledge"
    keyed = {**headers, "Idempotency-Key": "ack-1"}
    return list(await asyncio.gather(*[http.post(url, json={}, headers=keyed) for _ in range(8)]))


def test_a_port_taken_is_a_clear_failure(fresh_db_url: str, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = _env(tmp_path, fresh_db_url)
        args = ("--port", str(port), "--workers", "2", "--no-scheduler", "--no-projector")
        with serving(env, *args) as process:
            assert process.wait(timeout=60) != 0


def test_the_workers_stop_when_serve_is_killed_outright(fresh_db_url: str, tmp_path: Path) -> None:
    """No SIGTERM to pass on: gunicorn notices its parent is gone and stops them."""
    port = _free_port()
    env = _env(tmp_path, fresh_db_url)
    args = ("--port", str(port), "--workers", "2", "--no-scheduler", "--no-projector")
    with serving(env, *args) as process:
        _wait_for(lambda: process.poll() is not None or len(_workers(process.pid)) == 2)
        gunicorn = set(_children(process.pid))
        workers = _workers(process.pid)

        process.kill()
        process.wait()

        _wait_for(lambda: not any(_alive(pid) for pid in gunicorn | workers), timeout=60)
