"""`sukuma serve --workers N`: N processes on one port, connections balanced, the dead replaced."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def supervisor(port: int, workers: int, app: str = "create") -> Iterator[subprocess.Popen[bytes]]:
    code = (
        "import sys; from sukuma.workers import WorkerConfig, run_workers; "
        f"from tests.integration.pid_app import {app}; "
        f"sys.exit(run_workers(WorkerConfig('127.0.0.1', {port}, 'WARNING', {app}), {workers}))"
    )
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _pids_serving(port: int, connections: int, timeout: float = 20.0) -> set[int]:
    """The worker pids that answer ``connections`` separate keep-alive connections."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            pids = set()
            for _ in range(connections):
                with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
                    pids.add(int(client.get("/").text))
            return pids
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _wait_for(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_keep_alive_connections_are_balanced_over_the_workers() -> None:
    """Each new connection goes to the worker with the fewest open: 12 held open on 3
    workers are 4 each (a hash of the addresses splits them unevenly more often than not)."""
    port = _free_port()
    with supervisor(port, workers=3) as process:
        _pids_serving(port, 1)  # up
        clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}") for _ in range(12)]
        try:
            pids = [int(client.get("/").text) for client in clients]
            again = [int(client.get("/").text) for client in clients]  # the same connections
        finally:
            for client in clients:
                client.close()
        assert sorted(pids.count(pid) for pid in set(pids)) == [4, 4, 4]
        assert again == pids
        _stop(process)


def test_connections_spread_over_the_workers_and_a_dead_worker_is_replaced() -> None:
    port = _free_port()
    with supervisor(port, workers=2) as process:
        pids = _pids_serving(port, 40)
        assert len(pids) == 2

        victim = min(pids)
        os.kill(victim, signal.SIGKILL)
        _wait_for(lambda: len(_pids_serving(port, 40) - {victim}) == 2)

        _stop(process)
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/", timeout=2)


def test_while_a_replaced_worker_starts_its_connections_go_to_the_ready_one() -> None:
    port = _free_port()
    with supervisor(port, workers=2, app="create_slowly") as process:
        _wait_for(lambda: len(_pids_serving(port, 10)) == 2)
        victim, survivor = sorted(_pids_serving(port, 10))
        os.kill(victim, signal.SIGKILL)
        _wait_for(lambda: not _alive(victim))
        time.sleep(1)  # the supervisor has noticed and is starting a new worker (3 s to start)

        answered = set()
        for _ in range(6):  # each would wait for the starting worker if handed to it
            answered.add(int(httpx.get(f"http://127.0.0.1:{port}/", timeout=1.5).text))

        assert answered == {survivor}
        _stop(process)


def test_workers_stop_when_their_supervisor_is_killed() -> None:
    port = _free_port()
    with supervisor(port, workers=2) as process:
        pids = _pids_serving(port, 10)
        process.kill()  # no SIGTERM to pass on: the workers see their channel close
        process.wait()
        _wait_for(lambda: not any(_alive(pid) for pid in pids))


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM stops the supervisor and its workers, cleanly."""
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0


def _alive(pid: int) -> bool:
    """Running (an exited worker nobody has reaped yet, a zombie, counts as stopped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def test_a_port_taken_outside_the_group_is_a_clear_failure() -> None:
    with socket.socket() as taken:  # no SO_REUSEPORT: nobody may join it
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with supervisor(port, workers=2) as process:
            assert process.wait(timeout=30) != 0


@pytest.mark.parametrize("database", ["configured", "embedded"])
def test_sukuma_serve_runs_the_api_in_several_workers(
    database: str, fresh_db_url: str, tmp_path: Path
) -> None:
    """Against a configured server (keys from the environment) and the embedded one (keys
    generated into the data directory, which the workers must share with the parent)."""
    port = _free_port()
    env = {**os.environ, "SUKUMA_DATA_DIR": str(tmp_path), "SUKUMA_LOG_LEVEL": "WARNING"}
    env.pop("SUKUMA_DATABASE_URL", None)
    if database == "configured":
        env["SUKUMA_DATABASE_URL"] = fresh_db_url
        env["SUKUMA_SECRET_KEY"] = secrets.token_hex(32)
        env["SUKUMA_MASTER_KEY"] = secrets.token_hex(32)
    command = [
        sys.executable, "-m", "sukuma.cli", "serve", "--port", str(port), "--workers", "2",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        _wait_for(lambda: process.poll() is not None or _ready(port), timeout=90)
        assert process.poll() is None, "sukuma serve stopped"
        refused = httpx.get(f"http://127.0.0.1:{port}/v1/households?limit=1")
        assert refused.status_code == 401  # the real app, with its authentication
        _stop(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200
    except httpx.TransportError:
        return False
