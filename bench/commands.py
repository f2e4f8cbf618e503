"""HTTP command throughput and latency against the in-process figure, same database, same run.

    python -m bench.commands [--clients 24] [--commands 3000] [--workers <cores>] [--rate 200]

Both sides run the same command (record a visit on one of many households, as field workers'
phones do) with the same concurrency, as the same field worker (so both pay the access
policy). In-process: threads call ``Sukuma.record_visit``. HTTP: plain ``sukuma serve
--workers`` (gunicorn's uvicorn workers, one per core by default: more only contend for the
same cores) serves the real API; asyncio clients POST with a bearer token, so each request
verifies it. Closed loop (each client sends its next command when answered): commands/s, p50
and p99. Open loop (commands sent at a fixed rate whatever the answers, latency counted from
when each was due, so a stall is not hidden): p50 and p99 at ``--rate``, in a few runs (the
median p99 is the figure: on a shared machine a neighbour's burst can own one run's p99).
Each round's CPU a command, of the side's application (the threads' process, or the API's
processes) and of PostgreSQL (when it runs on this machine): rates on a shared machine
move with the neighbours' load, CPU a command much less.
Each round also says what the households' histories made each side load and write: the mean
events a command's load replayed after the latest snapshot, and the snapshots its saves took
(from the households' versions before and after, read outside the measured spans): the cost
that grows from round to round as the households do.
Targets: >= 600 commands/s over HTTP on 2 cores; p99 < 100 ms at 200 commands/s.
"""

from __future__ import annotations

import argparse
import contextlib
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
import psycopg
from pydantic import SecretStr

from adapters.database import create_database
from adapters.event_store import SukumaRecorder
from adapters.migrations import migrate
from api.auth.tokens import Tokens
from bench._http_clients import HttpClients, Round, _percentile
from bench.catchup import _cpu_seconds, _server_pid
from domain.access.principal import Principal, Role
from domain.context import CommandContext
from domain.reference.geography import geography
from domain.snapshots import SNAPSHOT_INTERVAL
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

    def _one(self, household_id: uuid.UUID) -> float:
        started = time.perf_counter()
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
        return time.perf_counter() - started

    def run(self, households: list[uuid.UUID], commands: int) -> Round:
        targets = [households[i % len(households)] for i in range(commands)]
        started = time.perf_counter()
        latencies = list(self.pool.map(self._one, targets))
        return Round(commands / (time.perf_counter() - started), latencies)

    def close(self) -> None:
        self.pool.shutdown()
        self.app.close()


#: This run's keys, shared with the server processes (they refuse the development defaults).
BENCH_KEYS = {
    "SUKUMA_SECRET_KEY": secrets.token_hex(32),
    "SUKUMA_MASTER_KEY": secrets.token_hex(32),
}


class Histories:
    """The bench's households' versions, read between measured spans: what a round's
    commands replayed (events after the latest snapshot, a load) and how many snapshots
    their saves took (one each time a version reached a multiple of the interval)."""

    def __init__(self, url: str, households: list[uuid.UUID], events_table: str) -> None:
        self.conn = psycopg.connect(url, autocommit=True)
        self.households = households
        table = psycopg.sql.Identifier(events_table)
        self.sql = psycopg.sql.SQL(
            "SELECT originator_id, max(originator_version) FROM {} "
            "WHERE originator_id = ANY(%s) GROUP BY originator_id"
        ).format(table)

    def versions(self) -> dict[uuid.UUID, int]:
        return dict(self.conn.execute(self.sql, (self.households,)).fetchall())

    @staticmethod
    def between(before: dict[uuid.UUID, int], after: dict[uuid.UUID, int]) -> str:
        """Events replayed a load (mean) and snapshots taken, over the commands between."""
        interval, replayed, loads, snapshots = SNAPSHOT_INTERVAL, 0, 0, 0
        for household, last in after.items():
            first = before[household]  # each command loaded at one version and added one
            replayed += sum(v % interval for v in range(first, last))
            loads += last - first
            snapshots += last // interval - first // interval
        return f"{replayed / max(loads, 1):.1f} ev, {snapshots} snap"

    def close(self) -> None:
        self.conn.close()


def bench_settings(url: str, data_dir: Path) -> Settings:
    return Settings(
        database_url=url,
        data_dir=data_dir,
        secret_key=SecretStr(BENCH_KEYS["SUKUMA_SECRET_KEY"]),
        master_key=SecretStr(BENCH_KEYS["SUKUMA_MASTER_KEY"]),
    )


@contextmanager
def api_server(url: str, port: int, workers: int) -> Iterator[int]:
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
        yield server.pid
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
    parser.add_argument("--rate", type=float, default=200.0, help="open loop: commands/s")
    parser.add_argument("--seconds", type=float, default=10.0, help="open loop: each run")
    parser.add_argument("--open-rounds", type=int, default=3, help="open loop: runs")
    args = parser.parse_args()

    load_at_start = os.getloadavg()
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
    inproc: list[Round] = []
    http: list[Round] = []
    baseline = InProcess(settings, url, args.clients, principal)
    postgres = _server_pid(url)  # None: a server on another machine
    cpu: dict[str, list[str]] = {"in-process": [], "HTTP": []}
    recorder = baseline.app.recorder
    assert isinstance(recorder, SukumaRecorder)
    histories = Histories(url, households, recorder.events_table_name)
    replays: dict[str, list[str]] = {"in-process": [], "HTTP": []}
    with api_server(url, port, args.workers) as server:
        clients = HttpClients(port, households, args.clients, token)
        # The same warm-up for both sides, long enough for each worker's pool and code paths
        baseline.run(households, args.clients * 20)
        clients.warm_up(per_client=20)
        spread = clients.per_worker()

        def cpu_now() -> tuple[float, float, float]:  # this process, the API's, PostgreSQL's
            pg = _cpu_seconds(postgres) if postgres else float("nan")
            return time.process_time(), _tree_cpu(server), pg

        for _ in range(args.rounds):  # interleaved, so drift hits both sides alike
            before = histories.versions()
            start = cpu_now()
            inproc.append(baseline.run(households, args.commands))
            middle = cpu_now()
            between = histories.versions()
            start_http = cpu_now()
            http.append(clients.closed_loop(args.commands))
            end = cpu_now()
            replays["in-process"].append(histories.between(before, between))
            replays["HTTP"].append(histories.between(between, histories.versions()))
            us = [1e6 * (b - a) / args.commands for a, b in zip(start, middle, strict=True)]
            cpu["in-process"].append(f"{us[0]:.0f}+{us[2]:.0f}")
            us = [1e6 * (b - a) / args.commands for a, b in zip(start_http, end, strict=True)]
            cpu["HTTP"].append(f"{us[1]:.0f}+{us[2]:.0f} (client {us[0]:.0f})")
        opened = [clients.open_loop(args.rate, args.seconds) for _ in range(args.open_rounds)]
        clients.close()
    baseline.close()
    histories.close()
    loads = " -> ".join(f"{a:.1f}/{b:.1f}/{c:.1f}" for a, b, c in (load_at_start, os.getloadavg()))
    print(
        f"machine: {os.cpu_count()} cores, load {loads} (start -> end); "
        f"{args.rounds} rounds of {args.commands} commands"
    )
    print(_line("in-process", inproc, f"{args.clients} threads"))
    how = f"{args.clients} clients, {args.workers} workers holding {'/'.join(map(str, spread))}"
    print(_line("HTTP", http, how))
    for side, rounds in cpu.items():  # the rates move with the neighbours' load; these less
        print(f"  {side} CPU us a command by round (app+PostgreSQL): {', '.join(rounds)}")
    for side, rounds in replays.items():  # what grows with the households' histories
        print(f"  {side} events replayed a load, snapshots taken, by round: {'; '.join(rounds)}")
    ratio = statistics.median(r.rate for r in http) / statistics.median(r.rate for r in inproc)
    print(f"HTTP / in-process (median commands/s): {ratio:.2f}")
    p99s = [_percentile(r.latencies, 0.99) for r in opened]
    runs = "; ".join(
        f"{r.rate:.0f}/s sent, p50 {_ms(r.latencies, 0.50)}, p99 {_ms(r.latencies, 0.99)}"
        for r in opened
    )
    print(
        f"HTTP open loop at {args.rate:.0f}/s, {len(opened)} runs of {args.seconds:.0f} s: "
        f"median p99 {statistics.median(p99s) * 1000:.1f} ms  ({runs})"
    )
    print("targets: HTTP >= 600 commands/s on 2 cores; open-loop p99 < 100 ms at 200/s")


def _tree_cpu(pid: int) -> float:
    """CPU seconds of a process and of every process under it, running or reaped (the API:
    ``sukuma serve``, its gunicorn, gunicorn's workers)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    total = sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # + reaped children
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        with contextlib.suppress(FileNotFoundError):  # one that ended meanwhile
            total += _tree_cpu(int(child))
    return total


def _line(name: str, rounds: list[Round], how: str) -> str:
    """Median commands/s over the rounds, and p50/p99 over every command of them."""
    rate = statistics.median(r.rate for r in rounds)
    latencies = [latency for r in rounds for latency in r.latencies]
    per_round = " ".join(f"{r.rate:.0f}" for r in rounds)
    return (
        f"{name + ' commands/s:':24}{rate:8.0f}  p50 {_ms(latencies, 0.50)}  "
        f"p99 {_ms(latencies, 0.99)}  ({how}; rounds {per_round})"
    )


def _ms(latencies: list[float], q: float) -> str:
    return f"{_percentile(latencies, q) * 1000:.1f} ms"


if __name__ == "__main__":
    main()
