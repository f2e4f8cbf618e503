"""Command-to-view lag: how long after a command's answer its effect is in the read models.

    python -m bench.lag [--rate 100] [--seconds 20]

The API (uvicorn) and the projector (``sukuma project``) run as separate processes against
one PostgreSQL, as in docker-compose. Commands (visits on many households) are sent at a
steady rate; a watcher polls the projection's tracked position every 2 ms and notes when
each command's log position became visible. Lag = visible - sent. Target: p99 < 250 ms at
100 commands/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from adapters.database import create_database
from adapters.migrations import migrate
from bench._http_clients import _post
from bench.commands import BENCH_KEYS, _field_worker, _token, api_server, bench_settings
from domain.context import CommandContext
from domain.reference.geography import geography
from projections.nerve_centre.tables import TRACKING
from sukuma.settings import Settings
from sukuma.wiring import build_application, ensure_database


class Watcher(threading.Thread):
    """Polls the tracked position; records when each position was first seen."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.seen: list[tuple[float, int]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            last = -1
            while not self.stop.is_set():
                row = conn.execute(
                    f"SELECT notification_id FROM {TRACKING} WHERE application_name = 'sukuma'"
                ).fetchone()
                position = row[0] if row else 0
                if position != last:
                    self.seen.append((time.perf_counter(), position))
                    last = position
                time.sleep(0.002)

    def visible_at(self, position: int) -> float | None:
        for at, seen in self.seen:
            if seen >= position:
                return at
        return None


async def send(
    port: int, households: list[uuid.UUID], rate: float, seconds: float, token: str
) -> list[tuple[float, int]]:
    """Commands at a steady rate over a few keep-alive connections: (sent time, position)."""
    connections = [await asyncio.open_connection("127.0.0.1", port) for _ in range(8)]
    free: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for conn in connections:
        free.put_nowait(conn)
    sent: list[tuple[float, int]] = []

    async def one(i: int) -> None:
        conn = await free.get()
        started = time.perf_counter()
        body = b'{"outcome": "met_household"}'
        path = f"/v1/households/{households[i % len(households)]}/visits"
        status, payload = await _post(*conn, path, body, token)
        free.put_nowait(conn)
        assert status == 201, payload
        sent.append((started, int(payload.split(b'"position":')[1].split(b",")[0])))

    tasks = []
    begin = time.perf_counter()
    for i in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, begin + i / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    for _, writer in connections:
        writer.close()
    return sent


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--households", type=int, default=1000)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="sukuma-bench-"))
    admin = ensure_database(
        Settings(database_url=os.environ.get("BENCH_DATABASE_URL"), data_dir=data_dir)
    )
    url = create_database(admin, f"bench_{uuid.uuid4().hex[:8]}")
    migrate(url, "public")
    settings = bench_settings(url, data_dir)
    app = build_application(settings, url)
    ward = geography().wards_in("municipality", "KZN225")[0].id
    households = [uuid.uuid4() for _ in range(args.households)]
    ctx = CommandContext(actor="bench", occurred_at=datetime.now(UTC))
    for household_id in households:
        app.register_household(
            household_id=household_id,
            ward_id=ward,
            dwelling_type="formal",
            village=None,
            gps=None,
            field_worker_id=None,
            ctx=ctx,
        )
    token = _token(settings, _field_worker(app, ward))  # as a field worker's phone would
    app.close()

    env = {**os.environ, **BENCH_KEYS, "SUKUMA_DATABASE_URL": url, "SUKUMA_LOG_LEVEL": "WARNING"}
    projector = subprocess.Popen([sys.executable, "-m", "sukuma.cli", "project"], env=env)
    watcher = Watcher(url)
    try:
        with api_server(url, 8767, workers=2):
            time.sleep(2)  # the projector catches up on the setup
            watcher.start()
            sent = asyncio.run(send(8767, households, args.rate, args.seconds, token))
            deadline = time.perf_counter() + 10
            last = max(p for _, p in sent)
            while watcher.visible_at(last) is None and time.perf_counter() < deadline:
                time.sleep(0.01)
    finally:
        watcher.stop.set()
        projector.terminate()
        projector.wait(timeout=20)
    lags = []
    for started, position in sent:
        at = watcher.visible_at(position)
        lags.append(float("inf") if at is None else (at - started) * 1000)
    lags.sort()
    p50 = statistics.median(lags)
    p99 = lags[min(len(lags) - 1, int(0.99 * len(lags)))]
    print(f"machine: {os.cpu_count()} cores; {len(sent)} commands at {args.rate:.0f}/s over HTTP")
    print(
        f"command-to-view lag: p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {lags[-1]:.0f} ms"
        f"  (target p99 < 250 ms)"
    )
    print(f"ratio p99 / target: {p99 / 250:.2f}")


if __name__ == "__main__":
    main()
