"""Several API worker processes, each with its own listening socket on the same port.

uvicorn's ``--workers`` shares one listening socket, and asyncio accepts every pending
connection on whichever worker wakes first: a burst of keep-alive connections (a proxy's
upstream pool, a field office's phones behind one NAT) can all land on one worker while the
others idle. Here each worker binds its own socket with ``SO_REUSEPORT``, so the kernel spreads
connections across the workers (a hash of each connection's addresses), as nginx's
``reuseport`` does. The supervisor restarts a worker that dies, and stops them all on SIGTERM.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

log = logging.getLogger("sukuma.workers")

#: A worker that dies sooner than this after starting is failing, not crashing once.
EARLY_DEATH_SECONDS = 5.0
#: Early deaths in a row after which the supervisor gives up (a bad config, a taken port).
EARLY_DEATHS_ALLOWED = 3


@dataclass(frozen=True)
class WorkerConfig:
    host: str
    port: int
    log_level: str
    #: Builds the ASGI app, once in each worker. It travels to the worker pickled (so a
    #: module-level function, or a partial of one): settings and keys never pass through
    #: the environment.
    app: Callable[[], Any]


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port that other processes of this user may bind too."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _worker(config: WorkerConfig) -> None:
    import uvicorn

    sock = reuse_port_socket(config.host, config.port)
    server = uvicorn.Server(
        uvicorn.Config(
            config.app(),
            log_level=config.log_level.lower(),
            access_log=config.log_level.upper() == "DEBUG",
        )
    )
    server.run(sockets=[sock])


def run_workers(config: WorkerConfig, count: int) -> int:
    """Run ``count`` API workers until SIGTERM/SIGINT; returns the exit status."""
    try:  # fail fast, and plainly, if the port is taken by a process outside the group
        reuse_port_socket(config.host, config.port).close()
    except OSError as exc:
        log.error("cannot listen on %s:%s: %s", config.host, config.port, exc.strerror)
        return 1
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited pools
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}

    def start() -> tuple[BaseProcess, float]:
        process = context.Process(target=_worker, args=(config,), name="sukuma-api", daemon=True)
        process.start()
        return process, time.monotonic()

    workers = [start() for _ in range(count)]
    early_deaths = 0
    status = 0
    try:
        while not stopping:
            wait([p.sentinel for p, _ in workers], timeout=0.5)
            for i, (process, started) in enumerate(workers):
                if process.is_alive() or stopping:
                    continue
                early = time.monotonic() - started < EARLY_DEATH_SECONDS
                early_deaths = early_deaths + 1 if early else 0
                log.error("API worker %s exited with %s", process.pid, process.exitcode)
                if early_deaths >= EARLY_DEATHS_ALLOWED:
                    log.error("API workers keep failing at start: giving up")
                    stopping, status = True, 1
                    break
                workers[i] = start()
    finally:
        for process, _ in workers:
            if process.is_alive():
                process.terminate()  # uvicorn finishes in-flight requests on SIGTERM
        for process, _ in workers:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
        for s, handler in previous.items():
            signal.signal(s, handler)
    return status
