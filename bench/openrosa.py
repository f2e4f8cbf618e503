"""A morning burst of ODK Collect submissions against the JSON API, same data, same run.

    python -m bench.openrosa [--submissions 10000] [--clients 200] [--workers <cores>]

Each submission is a full household profile (registration and the ``oss-profile-1``
questionnaire). OpenRosa: Collect's multipart ``POST /openrosa/submission`` with HTTP Basic
(one request per household). JSON: ``POST /v1/households`` then ``/profile`` with a bearer
token (two requests per household, as our own clients send it). Each client is its own field
worker (its own user), as phones are. All come from one address (loopback), so the server
runs with a per-address sign-in limit above the clients' number (as behind a NAT it should).
Both run ``--clients`` concurrent keep-alive connections, closed loop, against plain
``sukuma serve --workers``, after one warm-up job per client on each side (a phone's first
OpenRosa request signs it in: argon2 once per user and worker, the figure printed; a few
connections per phone, so each worker has seen each phone); the sides
alternate in rounds so drift hits both alike. Reported: households/s, p50 and p99 per
household, and the event log's count of registrations and profiles on each side (nothing lost
or doubled; a share of the OpenRosa submissions is sent twice, as Collect resends after a
timeout). Then an open loop on each side: ``--paced`` households at ``--rate`` per second from
the same phones, latency counted from when each was due (a closed loop of n clients waits
n / throughput in the mean whatever the server does, so its p99 says little about a phone's
wait). Targets: OpenRosa >= 0.8x the JSON API's households/s; open-loop p99 < 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import orjson

from adapters.database import create_database
from adapters.migrations import migrate
from adapters.passwords import hash_password
from api.openrosa.catalog import forms
from bench._collect import answers, instance_xml
from bench._events import make_profile
from bench._http_clients import Round, _percentile, read_response
from bench.commands import _token, api_server, bench_settings
from domain.access.principal import Role
from domain.context import CommandContext
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from sukuma.settings import Settings
from sukuma.wiring import build_application, ensure_database

PASSWORD = "bench-password-123"
BOUNDARY = "sukuma-bench-boundary"
Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]
#: One household's requests: (request head, body, the status expected).
Job = list[tuple[str, bytes, int]]


async def _request(conn: Connection, head: str, body: bytes) -> tuple[int, bytes]:
    reader, writer = conn
    writer.write(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
    return await read_response(reader)


async def _send(conn: Connection, job: Job) -> None:
    """One household's requests in order, each answered as expected."""
    for head, body, expected in job:
        status, answer = await _request(conn, head, body)
        assert status == expected, (status, answer[:300])


def _multipart(xml: bytes) -> bytes:
    """Collect's layout: the instance as ``xml_submission_file`` (text/xml)."""
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="xml_submission_file"; '
        f'filename="instance.xml"\r\nContent-Type: text/xml; charset=utf-8\r\n\r\n'.encode()
        + xml
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


class Burst:
    """One side's requests for each household, and the connections that send them."""

    def __init__(self, port: int, clients: int) -> None:
        self.port, self.clients = port, clients
        self.loop = asyncio.new_event_loop()

    def run(self, jobs: list[list[Job]]) -> Round:
        """Send each client's jobs (``jobs[k]``: client k's, as its own user) in order on its
        own connection; a job's latency runs from its first request to its last answer."""
        latencies: list[float] = []

        async def client(mine: list[Job]) -> None:
            conn = await asyncio.open_connection("127.0.0.1", self.port)
            for job in mine:
                started = time.perf_counter()
                await _send(conn, job)
                latencies.append(time.perf_counter() - started)
            conn[1].close()

        async def burst() -> float:
            started = time.perf_counter()
            await asyncio.gather(*[client(mine) for mine in jobs])
            return time.perf_counter() - started

        count = sum(len(mine) for mine in jobs)
        return Round(count / self.loop.run_until_complete(burst()), latencies)

    def paced(self, jobs: list[list[Job]], rate: float, hellos: list[str] | None = None) -> Round:
        """Open loop: household i is due at ``i / rate`` s, sent by phone ``i % clients`` on
        its own connection (a phone still busy with its last one sends this one after it);
        latency counts from when it was due, so a backlog shows in it. Each phone first
        sends its ``hellos[k]`` (Collect's ``HEAD`` before it submits, which signs the phone
        in on the worker its connection reached), before the clock starts."""
        latencies: list[float] = []
        phones = len(jobs)

        async def connect(k: int) -> Connection:
            conn = await asyncio.open_connection("127.0.0.1", self.port)
            if hellos is not None:
                conn[1].write(hellos[k].encode() + b"\r\n")
                answer = await conn[0].readuntil(b"\r\n\r\n")  # a HEAD's: no body
                assert answer.split(b" ", 2)[1] == b"204", answer
            return conn

        async def phone(k: int, conn: Connection, mine: list[Job], start: float) -> None:
            for n, job in enumerate(mine):
                due = start + (k + n * phones) / rate
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                for head, body, expected in job:
                    try:
                        status, answer = await _request(conn, head, body)
                    except (asyncio.IncompleteReadError, ConnectionError) as exc:
                        # Closed by the server's 5 s keep-alive before this request (no
                        # byte of an answer): sent again on a new connection, as Collect's
                        # HTTP client does with a stale one (the reconnection's time counted).
                        if getattr(exc, "partial", b""):
                            raise
                        conn[1].close()
                        conn = await asyncio.open_connection("127.0.0.1", self.port)
                        status, answer = await _request(conn, head, body)
                    assert status == expected, (status, answer[:300])
                latencies.append(time.perf_counter() - due)
            conn[1].close()

        async def burst() -> float:
            conns = await asyncio.gather(*[connect(k) for k in range(phones)])
            start = time.perf_counter()
            await asyncio.gather(*[phone(k, c, jobs[k], start) for k, c in enumerate(conns)])
            return time.perf_counter() - start

        count = sum(len(mine) for mine in jobs)
        return Round(count / self.loop.run_until_complete(burst()), latencies)


def _openrosa_jobs(
    profiles: list[tuple[str, dict[str, object]]],
    ward_id: str,
    basic: str,
    resend: float,
    rng: random.Random,
) -> list[Job]:
    head = (
        "POST /openrosa/submission HTTP/1.1\r\nHost: bench\r\nX-OpenRosa-Version: 1.0\r\n"
        f"Authorization: Basic {basic}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
    )
    version = forms()["household_registration"].version
    jobs = []
    for household_id, profile in profiles:
        values = {"household_id": household_id, "ward_id": ward_id, **answers(profile)}
        values.pop("instrument_version")
        xml, _ = instance_xml("household_registration", version, values)
        body = _multipart(xml)
        sends = 2 if rng.random() < resend else 1  # Collect resending after a timeout
        jobs.append([(head, body, 201)] * sends)
    return jobs


def _head(basic: str) -> str:
    """Collect's ``HEAD`` before a submission (it learns the size limit; it signs in)."""
    return (
        "HEAD /openrosa/submission HTTP/1.1\r\nHost: bench\r\nX-OpenRosa-Version: 1.0\r\n"
        f"Authorization: Basic {basic}\r\n"
    )


def _json_jobs(
    profiles: list[tuple[str, dict[str, object]]], ward_id: str, token: str
) -> list[Job]:
    def head(path: str) -> str:
        return (
            f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {token}\r\n"
        )

    jobs = []
    for household_id, profile in profiles:
        dwelling = profile["dwelling"]
        assert isinstance(dwelling, dict)
        register = {"id": household_id, "ward_id": ward_id, "dwelling_type": dwelling["type"]}
        jobs.append(
            [
                (head("/v1/households"), orjson.dumps(register), 201),
                (
                    head(f"/v1/households/{household_id}/profile"),
                    orjson.dumps({"profile": profile}),
                    200,
                ),
            ]
        )
    return jobs


def _counts(app: Sukuma, ids: set[str]) -> Counter[str]:
    """Registrations and profiles the log holds for these households."""
    counts: Counter[str] = Counter()
    start = 1
    while True:
        page = app.recorder.select_notifications(start=start, limit=10_000)
        for n in page:
            if str(n.originator_id) in ids:
                counts[n.topic.rpartition(".")[2]] += 1
        if len(page) < 10_000:
            return counts
        start = page[-1].id + 1


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--submissions", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--rounds", type=int, default=2, help="rounds per side, alternating")
    parser.add_argument("--resend", type=float, default=0.05, help="share sent twice")
    parser.add_argument("--warm-connections", type=int, default=4, help="per phone")
    parser.add_argument("--rate", type=float, default=50.0, help="open loop: households/s")
    parser.add_argument("--paced", type=int, default=2000, help="open loop: households/side")
    parser.add_argument("--port", type=int, default=8766, help="the API's, on loopback")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="sukuma-bench-"))
    settings = Settings(database_url=os.environ.get("BENCH_DATABASE_URL"), data_dir=data_dir)
    url = create_database(ensure_database(settings), f"bench_{uuid.uuid4().hex[:8]}")
    migrate(url, "public")
    settings = bench_settings(url, data_dir)
    ward_id = geography().wards_in("municipality", "KZN225")[0].id
    app = build_application(settings, url)
    password_hash = hash_password(PASSWORD)
    names = [f"bench-{k}" for k in range(args.clients)]
    for name in names:
        app.add_user(
            username=name,
            roles=[Role.FIELD_WORKER],
            scopes=[f"ward:{ward_id}"],
            password_hash=password_hash,
            ctx=CommandContext(actor="bench", occurred_at=datetime.now(UTC)),
        )
    tokens = [_token(settings, app.user_named(name).principal) for name in names]
    basics = [base64.b64encode(f"{name}:{PASSWORD}".encode()).decode() for name in names]
    rng = random.Random(2026)
    per_client = args.submissions // args.rounds // args.clients

    def profiles(count: int = per_client) -> list[tuple[str, dict[str, object]]]:
        return [(str(uuid.uuid4()), dict(make_profile(rng, date.today()))) for _ in range(count)]

    sides: dict[str, list[Round]] = {"openrosa": [], "json": []}
    paced: dict[str, Round] = {}
    ids: dict[str, set[str]] = {"openrosa": set(), "json": set()}
    sent = 0
    port = args.port
    # Every phone from loopback: the per-address limit must not stand in for a NAT's.
    os.environ["SUKUMA_LOGIN_MAX_FAILURES_PER_ADDRESS"] = str(10 * args.clients)
    with api_server(url, port, args.workers):
        burst = Burst(port, args.clients)
        burst.run([_json_jobs(profiles()[:1], ward_id, t) for t in tokens])  # warm-up
        # A few connections per phone, so that each worker (the kernel picks one per
        # connection) has signed every phone in, as over a morning they all would.
        warm = [
            burst.run([_openrosa_jobs(profiles()[:1], ward_id, b, 0.0, rng) for b in basics])
            for _ in range(args.warm_connections)
        ]
        signing_in = warm[0]
        for _ in range(args.rounds):
            batches = [profiles() for _ in names]
            jobs = [
                _openrosa_jobs(b, ward_id, basic, args.resend, rng)
                for b, basic in zip(batches, basics, strict=True)
            ]
            sent += sum(len(j) for mine in jobs for j in mine)
            sides["openrosa"].append(burst.run(jobs))
            ids["openrosa"] |= {h for b in batches for h, _ in b}
            batches = [profiles() for _ in names]
            jobs = [_json_jobs(b, ward_id, t) for b, t in zip(batches, tokens, strict=True)]
            sides["json"].append(burst.run(jobs))
            ids["json"] |= {h for b in batches for h, _ in b}
        closed = {k: round(statistics.median(r.rate for r in v), 1) for k, v in sides.items()}
        # On stderr at once: a run stopped in the open loop still shows its closed loop.
        print(f"closed loop done, households/s: {closed}", file=sys.stderr, flush=True)
        # The phones' pace rather than as fast as answered: the p99 a phone waits at a
        # morning's rate (a closed loop of n clients waits n / throughput in the mean).
        per_phone = max(1, args.paced // args.clients)
        for name in ("openrosa", "json"):
            batches = [profiles(per_phone) for _ in names]
            if name == "openrosa":
                jobs = [
                    _openrosa_jobs(b, ward_id, basic, args.resend, rng)
                    for b, basic in zip(batches, basics, strict=True)
                ]
                sent += sum(len(j) for mine in jobs for j in mine)
            else:
                jobs = [_json_jobs(b, ward_id, t) for b, t in zip(batches, tokens, strict=True)]
            hellos = [_head(b) for b in basics] if name == "openrosa" else None
            paced[name] = burst.paced(jobs, args.rate, hellos)
            ids[name] |= {h for b in batches for h, _ in b}
        burst.loop.close()
    print(f"machine: {os.cpu_count()} cores; {args.workers} workers; {args.clients} clients")
    print(
        f"warm-up: every phone's first OpenRosa submission (signs it in) p50"
        f" {_percentile(signing_in.latencies, 0.5) * 1000:.0f} ms, p99"
        f" {_percentile(signing_in.latencies, 0.99) * 1000:.0f} ms"
    )
    for name, rounds in sides.items():
        rate = statistics.median(r.rate for r in rounds)
        latencies = [x for r in rounds for x in r.latencies]
        counts = _counts(app, ids[name])
        print(
            f"{name:9} households/s {rate:7.1f}  p50 {_percentile(latencies, 0.5) * 1000:.0f} ms"
            f"  p99 {_percentile(latencies, 0.99) * 1000:.0f} ms  households {len(ids[name])}:"
            f" registered {counts['Registered']}, profiled {counts['ProfileSubmitted']}"
        )
    for name, done in paced.items():
        print(
            f"{name:9} open loop at {args.rate:.0f}/s ({len(done.latencies)} households,"
            f" {done.rate:.1f}/s done): p50 {_percentile(done.latencies, 0.5) * 1000:.0f} ms"
            f"  p99 {_percentile(done.latencies, 0.99) * 1000:.0f} ms"
        )
    ratio = statistics.median(r.rate for r in sides["openrosa"]) / statistics.median(
        r.rate for r in sides["json"]
    )
    print(f"OpenRosa requests sent {sent} (resends included); OpenRosa / JSON: {ratio:.2f}")
    print("targets: OpenRosa >= 0.8x JSON households/s; open-loop p99 < 1 s; each household once")
    app.close()


if __name__ == "__main__":
    main()
