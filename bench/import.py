# ruff: noqa: N999  (the issue names it bench/import.py; run as python -m bench.import)
"""Bulk import (issue 20): households/s into the event log, against the demo generator's.

    python -m bench.import [--households 2000] [--demo-households 500] [--workers N]
                           [--phases ROUNDS]

In one run, on one server (``BENCH_DATABASE_URL``, a server-level URL whose role may create
databases, or an embedded PostgreSQL in a temp dir): the demo generator's batch rate
(``sukuma.demo.generate``, households with their whole simulated year, saved in batches),
then ``api.imports.run.import_register`` over a generated register of ``--households``
households (two members each, from ``docs/import/template.csv``), timed as a whole (reading,
checking with the API's models, applying, recording), with ``--workers`` worker processes as
the CLI runs it (default: one per core; 0: in one process). Beside the rate, the CPU seconds
per household of the importer (this process and its workers) and of PostgreSQL (its
postmaster and backends, when the server runs on this machine): less noisy than a rate on a
shared machine.

``--phases ROUNDS``: before the import, the CPU of one process's preparation of the same
register (reading and checking, building, sealing: what a worker does), batch by batch
without saving, ROUNDS times; the median microseconds per household of each phase
(``time.process_time``), to compare changes to one phase on a shared machine.

Targets: >= 2,000 households/s and >= 0.5x the demo's households/s.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import shutil
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from adapters.database import create_database, drop_database
from adapters.migrations import migrate
from api.imports.batches import ImportWorkers
from api.imports.rows import check_households, group_rows, read_rows
from api.imports.run import BATCH_HOUSEHOLDS, check_register, import_register
from api.imports.template import ISIZULU
from bench._server import server
from bench.catchup import _cpu_seconds, _server_pid
from bench.duplicates import EPOCH, FIRST, SURNAMES
from domain.context import CommandContext
from domain.reference.geography import geography
from domain.reference.said import generate_sa_id
from domain.sukuma import Sukuma
from sukuma.demo import generate
from sukuma.settings import Settings
from sukuma.wiring import build_application, build_import_worker, freeze_start_up_heap

TEMPLATE = Path(__file__).resolve().parents[1] / "docs" / "import" / "template.csv"


def _people(rng: random.Random, rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The template's members as other people: names, birth dates and ID numbers drawn (the
    head born 1940-1989, the spouse within five years of the head)."""
    surname = rng.choice(SURNAMES)
    head = EPOCH + timedelta(days=rng.randrange(50 * 365))
    people = []
    for n, row in enumerate(rows):
        born = head if n == 0 else head + timedelta(days=rng.randrange(-1825, 1825))
        sex = ISIZULU["sex"][row["sex"]]
        people.append(
            {
                **row,
                "first_name": rng.choice(FIRST),
                "surname": surname,
                "date_of_birth": born.isoformat(),
                "id_number": generate_sa_id(born, sex, True, rng),
            }
        )
    return people


def register_of(households: int, *, repeated: bool = False, seed: int = 20) -> bytes:
    """A valid register over KZN225's wards: the template's household with its members drawn
    anew for each household (KwaZulu-Natal names; namesakes born close together are proposed
    as duplicates now and then, as in a real register), or, ``repeated``, the template's
    household itself again and again (every household a duplicate of all the others)."""
    rows = list(csv.DictReader(io.StringIO(TEMPLATE.read_text())))
    wards = [w.id for w in geography().wards_in("municipality", "KZN225")]
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    for n in range(households):
        ward = wards[n % len(wards)]
        members = rows if repeated else _people(rng, rows)
        writer.writerows({**r, "household_key": f"B{n:07}", "ward_id": ward} for r in members)
    return out.getvalue().encode()


def _own_cpu() -> float:
    """CPU seconds of this process and of its children, running (the import's workers, kept
    for both runs) or ended."""
    return _cpu_seconds(os.getpid())


def phases(app: Sukuma, data: bytes, ctx: CommandContext, rounds: int) -> None:
    """Print the median CPU microseconds per household of each phase of a worker's
    preparation (``prepare_batch``: check, build, seal), over ``rounds`` passes of ``data``."""
    times: dict[str, list[float]] = {"read and check": [], "build": [], "seal": []}
    for _ in range(rounds):
        spent = dict.fromkeys(times, 0.0)
        clock = time.process_time()
        groups, _ = group_rows(read_rows(data))
        spent["read and check"] += time.process_time() - clock
        for start in range(0, len(groups), BATCH_HOUSEHOLDS):
            clock = time.process_time()
            checked = check_households(
                groups[start : start + BATCH_HOUSEHOLDS], ctx.occurred_at.date()
            )
            spent["read and check"] += time.process_time() - clock
            clock = time.process_time()
            built = app.build_import(checked.households, ctx)
            spent["build"] += time.process_time() - clock
            clock = time.process_time()
            app.seal_import(built)
            spent["seal"] += time.process_time() - clock
        for phase, seconds in spent.items():
            times[phase].append(1e6 * seconds / len(groups))
    medians = {phase: statistics.median(us) for phase, us in times.items()}
    print(
        f"preparation in one process ({rounds} rounds, median CPU us a household): "
        + ", ".join(f"{phase} {us:.0f}" for phase, us in medians.items())
        + f"; in all {sum(medians.values()):.0f}"
    )


def measure(
    url: str,
    data_dir: Path,
    households: int,
    demo_households: int,
    repeated: bool,
    workers: int,
    rounds: int = 0,
) -> None:
    migrate(url, "public")
    settings = Settings(_env_file=None, database_url=url, data_dir=data_dir)  # type: ignore[call-arg]
    # The workers first, as the CLI starts them: forked before any pool's threads exist.
    started = time.perf_counter()
    pool = ImportWorkers(partial(build_import_worker, settings, url), workers) if workers else None
    if pool is not None:
        print(
            f"import workers: {workers} processes ({pool.start_method}), started in"
            f" {time.perf_counter() - started:.1f} s (not timed below)"
        )
    app = build_application(settings, url)
    freeze_start_up_heap()  # as the CLI's importing process
    server_pid = _server_pid(url)
    try:
        now = datetime.now(UTC)
        started = time.perf_counter()
        generate(app, demo_households, seed=7, now=now)
        demo_seconds = time.perf_counter() - started
        demo_rate = demo_households / demo_seconds
        demo_events = app.recorder.max_notification_id() or 0
        print(
            f"demo generator: {demo_households:,} households ({demo_events:,} events: a"
            f" simulated year each), {demo_rate:,.0f} households/s,"
            f" {demo_events / demo_seconds:,.0f} events/s"
        )
        # A live system's matcher follows its log (each profile command catches it up); the
        # demo's households are indexed here, untimed, as `sukuma duplicates scan` would.
        started = time.perf_counter()
        indexed = app.catch_up_index()
        print(
            f"matcher caught up with the demo: {indexed:,} households indexed,"
            f" {time.perf_counter() - started:.1f} s (not timed below)"
        )

        data = register_of(households, repeated=repeated)
        started = time.perf_counter()
        _, checked = check_register(data, now)
        check_seconds = time.perf_counter() - started
        assert len(checked.households) == households, checked.problems[:3]
        ctx = CommandContext(actor="bench", occurred_at=now)
        if rounds:
            phases(app, data, ctx, rounds)
        head = app.recorder.max_notification_id() or 0
        server_before = _cpu_seconds(server_pid) if server_pid else 0.0
        cpu_before, started = _own_cpu(), time.perf_counter()
        writer_before = time.process_time()
        report, _ = import_register(app, data, "bench.csv", ctx, workers=pool)
        seconds = time.perf_counter() - started
        cpu = _own_cpu() - cpu_before
        writer_cpu = time.process_time() - writer_before
        server_cpu = _cpu_seconds(server_pid) - server_before if server_pid else None
        events = (app.recorder.max_notification_id() or 0) - head
        rate = report.applied / seconds
        print(
            f"import: {report.applied:,} households ({len(data) / 1e6:.1f} MB, {events:,} events)"
            f" in {seconds:.1f} s: {rate:,.0f} households/s, {events / seconds:,.0f} events/s"
            f" (reading and checking alone {households / check_seconds:,.0f} households/s)"
        )
        print(
            f"CPU per household: importer {1000 * cpu / report.applied:.2f} ms"
            f" ({workers} worker processes and this one, whose share, the writer's with the"
            f" file's reading, is {1000 * writer_cpu / report.applied:.2f} ms), PostgreSQL "
            + (f"{1000 * server_cpu / report.applied:.2f} ms" if server_cpu is not None else "?")
            + f"; load average {os.getloadavg()[0]:.1f} (1 min) at the end"
        )
        print(
            f"import / demo: {rate / demo_rate:.2f}x (target >= 0.5x);"
            f" {'meets' if rate >= 2000 else 'misses'} >= 2,000 households/s"
        )
        started = time.perf_counter()
        again, _ = import_register(app, data, "bench.csv", ctx, workers=pool)
        print(
            f"re-run: {again.applied} applied, {again.already_present:,} already present,"
            f" {time.perf_counter() - started:.1f} s"
        )
    finally:
        app.close()
        if pool is not None:
            pool.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.import", description=__doc__)
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--demo-households", type=int, default=500)
    parser.add_argument(
        "--repeated",
        action="store_true",
        help="the template's household itself in every row (each a duplicate of all others)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="worker processes that check, build and seal batches (0: all in this process)",
    )
    parser.add_argument(
        "--phases",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="first time each phase of one process's preparation, ROUNDS times (see above)",
    )
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs (nproc); {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    root = Path(tempfile.mkdtemp(prefix="sukuma-bench-import-"))
    name = f"bench_import_{uuid.uuid4().hex[:8]}"
    try:
        with server(root) as admin_url:
            url = create_database(admin_url, name)
            measure(
                url,
                root,
                args.households,
                args.demo_households,
                args.repeated,
                args.workers,
                args.phases,
            )
            drop_database(admin_url, name)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
