"""Several API worker processes on one port, each connection handed to the least busy one.

A listening socket shared by the workers (uvicorn's ``--workers``) lets whichever wakes first
accept every pending connection, and per-worker ``SO_REUSEPORT`` sockets spread them by a hash
of their addresses: either way a few keep-alive connections (a proxy's upstream pool, a field
office's phones behind one NAT) can land unevenly, one worker saturated while another idles
(measured here: 24 connections on two workers split 17/7 often enough to cost a tenth of the
throughput). So the supervisor accepts, as Node's cluster module does, and passes each
connection's descriptor (``SCM_RIGHTS`` over a socket pair) to the ready worker with the fewest
open connections; the worker serves it with uvicorn's own protocol. Requests never pass through
the supervisor, only new connections. The supervisor restarts a worker that dies, and stops
them all on SIGTERM.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

import uvicorn

log = logging.getLogger("sukuma.workers")

#: A worker that dies sooner than this after starting is failing, not crashing once.
EARLY_DEATH_SECONDS = 5.0
#: Early deaths in a row after which the supervisor gives up (a bad config, a taken port).
EARLY_DEATHS_ALLOWED = 3
#: How long a hand-over may wait on a worker that does not read its channel.
HAND_OVER_TIMEOUT = 1.0


@dataclass(frozen=True)
class WorkerConfig:
    host: str
    port: int
    log_level: str
    #: Builds the ASGI app, once in each worker. It travels to the worker pickled (so a
    #: module-level function, or a partial of one): settings and keys never pass through
    #: the environment.
    app: Callable[[], Any]


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


class HandedOverServer(uvicorn.Server):
    """uvicorn serving the connections its supervisor hands over, instead of listening."""

    def __init__(
        self, config: uvicorn.Config, channel: socket.socket, slots: Slots, index: int
    ) -> None:
        super().__init__(config)
        self.channel = channel
        self.slots = slots
        self.index = index
        self._adopting: set[asyncio.Task[Any]] = set()  # the loop keeps only weak references

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])  # the lifespan, no listener
        if not self.started:
            return
        loop = asyncio.get_running_loop()
        config, on_close = self.config, self.on_close

        def create_protocol() -> asyncio.Protocol:  # as uvicorn's own startup builds it
            protocol: asyncio.Protocol = config.http_protocol_class(  # type: ignore[call-arg]
                config=config,
                server_state=self.server_state,
                app_state=self.lifespan.state,
                _loop=loop,
            )
            lost = protocol.connection_lost

            def connection_lost(exc: Exception | None) -> None:
                on_close()
                lost(exc)

            protocol.connection_lost = connection_lost  # type: ignore[method-assign]
            return protocol

        def receive() -> None:
            try:
                message, fds, _, _ = socket.recv_fds(self.channel, 64, 64)
            except BlockingIOError:
                return
            if not message:  # the supervisor is gone: finish what is in flight and stop
                loop.remove_reader(self.channel.fileno())
                self.should_exit = True
                return
            for fd in fds:
                sock = socket.socket(fileno=fd)
                sock.setblocking(False)
                task = loop.create_task(loop.connect_accepted_socket(create_protocol, sock))
                self._adopting.add(task)
                task.add_done_callback(partial(self._adopted, sock))

        self.channel.setblocking(False)
        loop.add_reader(self.channel.fileno(), receive)
        self.slots.ready[self.index] = 1

    def on_close(self) -> None:
        self.slots.closed[self.index] += 1

    def _adopted(self, sock: socket.socket, task: asyncio.Task[Any]) -> None:
        self._adopting.discard(task)
        if not task.cancelled() and task.exception() is None:
            return
        sock.close()  # no protocol took it (the client went away first): count it closed
        self.on_close()


def _worker(config: WorkerConfig, channel: socket.socket, slots: Slots, index: int) -> None:
    server = HandedOverServer(
        uvicorn.Config(
            config.app(),
            log_level=config.log_level.lower(),
            access_log=config.log_level.upper() == "DEBUG",
            proxy_headers=False,  # the app's own middleware trusts SUKUMA_TRUSTED_PROXIES
        ),
        channel,
        slots,
        index,
    )
    server.run()


@dataclass(frozen=True)
class Slots:
    """What the dispatcher knows of each worker, in shared memory without locks: a worker
    killed while holding a lock would stop the dispatcher. Each counter has one writer
    (``opened`` the dispatcher, ``closed`` the worker's event loop), and a worker's three are
    reset only while no such worker runs."""

    opened: Any
    closed: Any
    ready: Any  # a worker still starting (building its app, its lifespan) waits its turn

    @classmethod
    def create(cls, context: Any, count: int) -> Slots:
        return cls(*(context.Array("q", count, lock=False) for _ in range(3)))

    def reset(self, index: int) -> None:
        self.ready[index] = self.opened[index] = self.closed[index] = 0

    def open_connections(self, index: int) -> int:
        return int(self.opened[index] - self.closed[index])


class Dispatcher(threading.Thread):
    """Accepts connections and hands each to the worker with the fewest open ones."""

    def __init__(self, listener: socket.socket, count: int, slots: Slots) -> None:
        super().__init__(name="sukuma-dispatcher", daemon=True)
        self.listener = listener
        self.channels: list[socket.socket | None] = [None] * count
        self.slots = slots
        self.stopping = threading.Event()
        self._next = 0  # ties go round the workers

    def run(self) -> None:
        self.listener.settimeout(0.5)  # so that stopping is noticed
        while not self.stopping.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                if self.stopping.is_set():
                    return
                log.exception("accept failed")
                time.sleep(0.1)
                continue
            with connection:
                if not self._hand_over(connection):
                    log.warning("no API worker could take a connection: closed it")

    def _hand_over(self, connection: socket.socket) -> bool:
        count = len(self.channels)
        slots = self.slots
        order = sorted(
            range(count),
            key=lambda i: (not slots.ready[i], slots.open_connections(i), (i - self._next) % count),
        )
        for index in order:
            channel = self.channels[index]
            if channel is None:
                continue
            try:
                socket.send_fds(channel, [b"c"], [connection.fileno()])
            except OSError:  # a worker that died, or one that does not read: the next one
                continue
            slots.opened[index] += 1
            self._next = index + 1
            return True
        return False


def run_workers(config: WorkerConfig, count: int) -> int:
    """Run ``count`` API workers until SIGTERM/SIGINT; returns the exit status."""
    try:
        listener = listening_socket(config.host, config.port)
    except OSError as exc:
        log.error("cannot listen on %s:%s: %s", config.host, config.port, exc.strerror)
        return 1
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited pools
    slots = Slots.create(context, count)
    dispatcher = Dispatcher(listener, count, slots)
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}

    def start(index: int) -> tuple[BaseProcess, float]:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        ours.settimeout(HAND_OVER_TIMEOUT)
        slots.reset(index)  # its predecessor, if any, is dead
        process = context.Process(
            target=_worker,
            args=(config, theirs, slots, index),
            name="sukuma-api",
            daemon=True,
        )
        process.start()
        theirs.close()
        old, dispatcher.channels[index] = dispatcher.channels[index], ours
        if old is not None:
            old.close()
        return process, time.monotonic()

    workers = [start(i) for i in range(count)]
    dispatcher.start()
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
                workers[i] = start(i)
    finally:
        dispatcher.stopping.set()
        dispatcher.join(timeout=5)
        listener.close()
        for process, _ in workers:
            if process.is_alive():
                process.terminate()  # uvicorn finishes in-flight requests on SIGTERM
        for process, _ in workers:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
        for channel in dispatcher.channels:
            if channel is not None:
                channel.close()
        for s, handler in previous.items():
            signal.signal(s, handler)
    return status
