"""HTTP command throughput vs. in-process application throughput, same database, same run.

    python -m bench.commands [--clients 24] [--commands 3000] [--workers <cores>]

Both sides run the same command (record a visit on one of many households, as field workers'
phones do) with the same concurrency, as the same field worker (so both pay the access
policy). In-process: threads call ``Sukuma.record_visit``. HTTP: ``sukuma serve --workers``
(separate processes, one per core by default: more only contend for the same cores) serves the
real API; asyncio clients POST with a bearer token, so each request verifies it.
Target: HTTP >= 70% of in-process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx  # readiness probe only
from pydantic import SecretStr

from adapters.database import create_database
from adapters.migrations import migrate
from api.auth.tokens import Tokens
from domain.access.principal import Principal, Role
from domain.context import CommandContext
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from sukuma.settings import Settings
from sukuma.wiring import build_application, ensure_database


def _households(app: object, count: int, ward_id: str) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in range(count)]
    ctx = CommandContext(actor="bench", occurred_at=datetime.now(UTC))
    for household_id in ids:
        app.register_household(  # type: ignore[attr-defined]
            household_id=household_id,
            ward_id=ward_id,
            dwelling_type="formal",
            village=None,
            gps=None,
            field_worker_id=None,
            ctx=ctx,
        )
    return ids


def _field_worker(app: Sukuma, ward_id: str) -> Principal:
    """The user both sides act as (its password is never used: the bench mints a token)."""
    ctx = CommandContext(actor="bench", occurred_at=datetime.now(UTC))
    app.add_user(
        username="bench",
        roles=[Role.FIELD_WORKER],
        scopes=[f"ward:{ward_id}"],
        password_hash="not-a-password-hash",
        ctx=ctx,
    )
    return app.user_named("bench").principal


def _token(settings: Settings, principal: Principal) -> str:
    lifetime = timedelta(hours=4)  # longer than any run
    tokens = Tokens(settings.secret_key.get_secret_value(), lifetime, lifetime, _now)
    return tokens.issue(principal, generation=0).access_token


def _now() -> datetime:
    return datetime.now(UTC)


class InProcess:
    """The baseline: the same command called on the application by ``clients`` threads."""

    def __init__(self, settings: Settings, url: str, clients: int, principal: Principal) -> None:
        self.app = build_application(settings, url)
        self.pool = ThreadPoolExecutor(max_workers=clients)
        self.principal = principal

    def _one(self, household_id: uuid.UUID) -> None:
        ctx = CommandContext(actor="bench", occurred_at=_now(), principal=self.principal)
        self.app.record_visit(
            household_id=household_id,
            visit_id=uuid.uuid4(),
            field_worker_id=None,
            outcome="met_household",
            days_skipped_meal_last_7=None,
            note=None,
            ctx=ctx,
        )

    def rate(self, households: list[uuid.UUID], commands: int) -> float:
        targets = [households[i % len(households)] for i in range(commands)]
        started = time.perf_counter()
        list(self.pool.map(self._one, targets))
        return commands / (time.perf_counter() - started)

    def close(self) -> None:
        self.pool.shutdown()
        self.app.close()


async def _post(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, body: bytes, token: str
) -> tuple[int, bytes]:
    """One keep-alive HTTP/1.1 POST: a bare client, so the load generator costs little CPU."""
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    return int(head.split(b" ", 2)[1]), await reader.readexactly(length)


async def _http_load(
    port: int, households: list[uuid.UUID], commands: int, clients: int, token: str
) -> float:
    body = b'{"outcome": "met_household"}'
    paths = [f"/v1/households/{h}/visits" for h in households]
    connections = [await asyncio.open_connection("127.0.0.1", port) for _ in range(clients)]

    async def client(conn: tuple[asyncio.StreamReader, asyncio.StreamWriter], jobs: range) -> None:
        for i in jobs:
            status, answer = await _post(*conn, paths[i % len(paths)], body, token)
            assert status == 201, answer

    def share(total: int, k: int) -> range:
        return range(k, total, clients)

    await asyncio.gather(*[client(c, share(clients * 5, k)) for k, c in enumerate(connections)])
    started = time.perf_counter()
    await asyncio.gather(*[client(c, share(commands, k)) for k, c in enumerate(connections)])
    elapsed = time.perf_counter() - started
    for _, writer in connections:
        writer.close()
    return commands / elapsed


#: This run's keys, shared with the server processes (they refuse the development defaults).
BENCH_KEYS = {
    "SUKUMA_SECRET_KEY": secrets.token_hex(32),
    "SUKUMA_MASTER_KEY": secrets.token_hex(32),
}


def bench_settings(url: str, data_dir: Path) -> Settings:
    return Settings(
        database_url=url,
        data_dir=data_dir,
        secret_key=SecretStr(BENCH_KEYS["SUKUMA_SECRET_KEY"]),
        master_key=SecretStr(BENCH_KEYS["SUKUMA_MASTER_KEY"]),
    )


@contextmanager
def api_server(url: str, port: int, workers: int) -> Iterator[None]:
    """The real API as ``sukuma serve`` runs it, in its own process(es), on loopback."""
    env = {**os.environ, **BENCH_KEYS, "SUKUMA_DATABASE_URL": url, "SUKUMA_LOG_LEVEL": "WARNING"}
    command = [
        sys.executable, "-m", "sukuma.cli", "serve", "--no-projector", "--no-scheduler",
        "--port", str(port), "--workers", str(workers),
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env)
    try:
        for _ in range(150):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=24)
    parser.add_argument("--commands", type=int, default=3000)
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)  # one per core
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="sukuma-bench-"))
    settings = Settings(database_url=os.environ.get("BENCH_DATABASE_URL"), data_dir=data_dir)
    admin_url = ensure_database(settings)
    url = create_database(admin_url, f"bench_{uuid.uuid4().hex[:8]}")
    migrate(url, "public")
    settings = bench_settings(url, data_dir)
    ward_id = geography().wards_in("municipality", "KZN225")[0].id
    setup = build_application(settings, url)
    households = _households(setup, args.households, ward_id)
    principal = _field_worker(setup, ward_id)
    setup.close()
    token = _token(settings, principal)

    port = 8765
    inproc, http = [], []
    baseline = InProcess(settings, url, args.clients, principal)
    with api_server(url, port, args.workers):
        # The same warm-up for both sides, long enough for each worker's pool and code paths
        warm_up = args.clients * 20
        baseline.rate(households, warm_up)
        asyncio.run(_http_load(port, households, warm_up, args.clients, token))
        for _ in range(args.rounds):  # interleaved, so drift hits both sides alike
            inproc.append(baseline.rate(households, args.commands))
            http.append(
                asyncio.run(_http_load(port, households, args.commands, args.clients, token))
            )
    baseline.close()
    a, b = statistics.median(inproc), statistics.median(http)
    print(f"machine: {os.cpu_count()} cores; {args.rounds} rounds of {args.commands} commands")
    print(f"in-process commands/s: {a:8.0f}  ({args.clients} threads)  rounds {_fmt(inproc)}")
    print(
        f"HTTP commands/s:       {b:8.0f}  ({args.clients} clients, {args.workers} workers)"
        f"  rounds {_fmt(http)}"
    )
    # Each round's pair ran back to back: their spread shows how noisy the machine was.
    pairs = " ".join(f"{h / i:.2f}" for h, i in zip(http, inproc, strict=True))
    print(f"ratio per round:       {pairs}")
    print(f"ratio HTTP / in-process (medians): {b / a:.2f}  (target >= 0.70)")


def _fmt(rates: list[float]) -> str:
    return " ".join(f"{r:.0f}" for r in rates)


if __name__ == "__main__":
    main()
