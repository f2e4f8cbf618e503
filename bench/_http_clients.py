"""``bench.commands``' HTTP side: a bare keep-alive client and the connections of many
phones, in closed and open loops (kept apart from the bench's run and report)."""

from __future__ import annotations

import asyncio
import subprocess
import time
import uuid
from dataclasses import dataclass


async def _post(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, body: bytes, token: str
) -> tuple[int, bytes]:
    """One keep-alive HTTP/1.1 POST: a bare client, so the load generator costs little CPU."""
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    return await read_response(reader)


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One HTTP/1.1 answer with a Content-Length: its status and its body."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    return int(head.split(b" ", 2)[1]), await reader.readexactly(length)


@dataclass
class Round:
    """One measured run: commands per second and each command's latency (seconds)."""

    rate: float
    latencies: list[float]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


_BODY = b'{"outcome": "met_household"}'
#: Seconds a client reuses an idle connection: under the server's keep-alive (5 s).
KEEP_ALIVE_EXPIRY = 4.0


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class HttpClients:
    """``clients`` keep-alive connections to the API, kept across rounds (on one event loop).

    They are opened 10 ms apart while the first ones already send commands, as phones
    arrive; ``per_worker`` reports how the workers' sockets shared them out.
    """

    def __init__(self, port: int, households: list[uuid.UUID], clients: int, token: str):
        self.port, self.clients, self.token = port, clients, token
        self.paths = [f"/v1/households/{h}/visits" for h in households]
        self.loop = asyncio.new_event_loop()
        self.connections: list[Connection] = []
        self.last_used: dict[int, float] = {}  # by id(connection): when last answered

    async def _send(self, conn: Connection, i: int) -> None:
        status, answer = await _post(*conn, self.paths[i % len(self.paths)], _BODY, self.token)
        assert status == 201, answer
        self.last_used[id(conn)] = time.perf_counter()

    def warm_up(self, per_client: int) -> None:
        """Open the connections, 10 ms apart, each sending ``per_client`` commands."""

        async def client(k: int) -> None:
            await asyncio.sleep(k * 0.01)
            conn = await asyncio.open_connection("127.0.0.1", self.port)
            self.connections.append(conn)
            for i in range(per_client):
                await self._send(conn, k + i * self.clients)

        async def run() -> None:
            await asyncio.gather(*[client(k) for k in range(self.clients)])

        self.loop.run_until_complete(run())

    async def _renew_idle(self) -> None:
        """Replace connections idle past the keep-alive (the in-process round between HTTP
        rounds can outlast it), as a client's pool does, before the clock starts."""
        now = time.perf_counter()
        for k, conn in enumerate(self.connections):
            if now - self.last_used.get(id(conn), 0.0) >= KEEP_ALIVE_EXPIRY:
                conn[1].close()
                self.connections[k] = await asyncio.open_connection("127.0.0.1", self.port)
                self.last_used[id(self.connections[k])] = time.perf_counter()

    def closed_loop(self, commands: int) -> Round:
        """Each connection sends its next command when the last is answered."""
        latencies: list[float] = []

        async def client(conn: Connection, jobs: range) -> None:
            for i in jobs:
                sent = time.perf_counter()
                await self._send(conn, i)
                latencies.append(time.perf_counter() - sent)

        async def run() -> float:
            await self._renew_idle()
            started = time.perf_counter()
            n = len(self.connections)
            await asyncio.gather(
                *[client(c, range(k, commands, n)) for k, c in enumerate(self.connections)]
            )
            return time.perf_counter() - started

        return Round(commands / self.loop.run_until_complete(run()), latencies)

    def open_loop(self, rate: float, seconds: float) -> Round:
        """Command i is due at ``i / rate`` s whatever the answers, sent on an idle connection
        (a new one if all are busy, as one more phone would); latency counts from when it
        was due, so a stall cannot hide behind the commands it delays."""
        latencies: list[float] = []
        idle = list(self.connections)

        async def connection() -> Connection:
            while idle:
                conn = idle.pop()
                if time.perf_counter() - self.last_used.get(id(conn), 0.0) < KEEP_ALIVE_EXPIRY:
                    return conn
                conn[1].close()  # the server may be closing it: as a client's pool does
            return await asyncio.open_connection("127.0.0.1", self.port)

        async def one(i: int, due: float) -> None:
            conn = await connection()
            await self._send(conn, i)
            latencies.append(time.perf_counter() - due)
            idle.append(conn)

        async def run() -> float:
            start = time.perf_counter()
            tasks = []
            for i in range(int(rate * seconds)):
                due = start + i / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(one(i, due)))
            await asyncio.gather(*tasks)
            return time.perf_counter() - start

        elapsed = self.loop.run_until_complete(run())
        self.connections = idle
        return Round(len(latencies) / elapsed, latencies)

    def per_worker(self) -> list[int]:
        """How many of the connections each worker process holds (``ss``, for the report)."""
        listing = subprocess.run(
            ["ss", "-tnpH", "state", "established", f"( sport = :{self.port} )"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        pids = [
            line.split("pid=")[1].split(",")[0] for line in listing.splitlines() if "pid=" in line
        ]
        return sorted((pids.count(pid) for pid in set(pids)), reverse=True)

    def close(self) -> None:
        for _, writer in self.connections:
            writer.close()
        self.loop.close()
