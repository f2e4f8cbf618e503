"""Projection catch-up (B3): the batching runner vs. the library's stock runner, same run.

    python -m bench.catchup [--events 1000000] [--sample 3000] [--page-size 20000]
                            [--generator demo|events] [--on-time] [--profile]
                            [--projection NAME ...] [--statements N]

Fills the real event log (through the application: the demo generator, or ``bench._events``)
with at least ``--events`` events, then measures, over the same log:

(a) every view caught up from zero over every event, as production runs them: one
    ``python -m sukuma.projector --projection NAME`` process per projection, side by side;
(b) the library's stock ``eventsourcing.projection.ProjectionRunner`` (one transaction per
    event) with the nerve-centre projection and view classes, over the first ``--sample``
    events, its view in a schema of its own (``stock``) so its tables do not clash with (a)'s.

Targets: (a) >= 35,000 events/s and >= 100x (b). Besides the wall-clock rates it prints the
CPU seconds of the projector processes and (embedded server only) of PostgreSQL, per event:
on a machine shared with other work that is the steadier figure. The server is
``BENCH_DATABASE_URL`` (a server-level URL whose role may create databases) or an embedded
PostgreSQL in a temp dir. ``--profile`` also runs cProfile over an in-process catch-up of
all the views (into ``prof_`` tables) and prints where the time goes. ``--projection`` runs
(a) for the named projections only (the nerve centre alone, say); ``--statements N`` prints
the N statements PostgreSQL spent longest on during (a), if the server preloads
``pg_stat_statements`` (pgserver's embedded server does not: give a server that does).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import math
import os
import platform
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.projection import ProjectionRunner
from psycopg.sql import SQL, Identifier

from adapters.database import create_database, drop_database
from adapters.migrations import migrate
from bench import _events
from bench._server import server
from domain.sukuma import Sukuma
from projections.nerve_centre.projection import NerveCentreProjection
from projections.nerve_centre.view import NerveCentreView
from projections.registry import PROJECTIONS, open_projections, table_names
from projections.runner import DEFAULT_PAGE_SIZE, BatchRunner
from sukuma.settings import Settings
from sukuma.wiring import build_application

STOCK_SCHEMA = "stock"
DEMO_EVENTS_PER_HOUSEHOLD = 30  # a little under the demo's mean, so the log is big enough


def fill(app: Sukuma, events: int, generator: str, on_time: bool = False) -> int:
    """At least ``events`` events in the log, through the application's aggregates."""
    started = time.perf_counter()

    def progress(done: int) -> None:
        seconds = time.perf_counter() - started
        print(f"  fill: {done:>9,} events  {done / seconds:>8,.0f} events/s", flush=True)

    if generator == "demo":
        from sukuma.demo import generate

        households = math.ceil(events / DEMO_EVENTS_PER_HOUSEHOLD)
        step = max(1, households // 20)

        def demo_progress(done: int) -> None:
            if done % step < 100 or done == households:
                progress(app.recorder.max_notification_id() or 0)

        generate(app, households, seed=7, now=_events.NOW, on_progress=demo_progress)
    else:
        last = [0]

        def events_progress(stats: _events.FillStats) -> None:
            if stats.events - last[0] >= max(events // 20, 1) or stats.events >= events:
                last[0] = stats.events
                progress(stats.events)

        _events.fill(app, events, on_progress=events_progress, on_time=on_time)
    total = app.recorder.max_notification_id() or 0
    seconds = time.perf_counter() - started
    print(f"  filled {total:,} events in {seconds:.1f} s ({total / seconds:,.0f} events/s)")
    return total


@dataclass
class CatchUp:
    """(a)'s figures: wall time, and CPU seconds of the projectors and of the server."""

    events: int
    seconds: float
    projector_cpu: dict[str, float]
    server_cpu: float | None  # None: the server runs on another machine
    projector_mb: dict[str, float]  # each projector's peak resident memory

    @property
    def rate(self) -> float:
        return self.events / self.seconds


def process_catch_up(url: str, events: int, page_size: int, names: list[str]) -> CatchUp:
    """(a): one ``sukuma.projector`` process per projection, all from zero to the head.

    As production runs them; the time is from starting the processes until the last one has
    caught up (their start-up included).
    """
    server_pid = _server_pid(url)
    server_before = _cpu_seconds(server_pid) if server_pid else None
    started = time.perf_counter()
    workers = {
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sukuma.projector",
                "--database-url",
                url,
                "--projection",
                name,
                "--until-caught-up",
                "--page-size",
                str(page_size),
            ],
        ).pid: name
        for name in names or PROJECTIONS
    }
    cpu: dict[str, float] = {}
    memory: dict[str, float] = {}
    while len(cpu) < len(workers):
        pid, status, usage = os.wait4(-1, 0)
        if pid not in workers:
            continue
        assert os.waitstatus_to_exitcode(status) == 0, f"{workers[pid]} projector failed"
        cpu[workers[pid]] = usage.ru_utime + usage.ru_stime
        memory[workers[pid]] = usage.ru_maxrss / 1024  # kB on Linux
        print(f"  {workers[pid]}: caught up at {time.perf_counter() - started:.1f} s", flush=True)
    seconds = time.perf_counter() - started
    server = None
    if server_pid and server_before is not None:
        server = _cpu_seconds(server_pid) - server_before
    return CatchUp(events, seconds, cpu, server, memory)


def _server_pid(url: str) -> int | None:
    """The server's postmaster, if it runs on this machine (a backend's parent process)."""
    with psycopg.connect(url) as conn:  # read while the backend lives (it ends with us)
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
        assert row is not None
        stat = Path(f"/proc/{row[0]}/stat")
        if not stat.exists():
            return None  # another machine's server: its CPU is not ours to read
        return int(stat.read_text().rsplit(")", 1)[1].split()[1])


def _cpu_seconds(pid: int) -> float:
    """CPU time of a process, its children that ended (reaped) and those still running.

    The server's backends are the postmaster's children: this is all the server's CPU.
    """
    ticks = os.sysconf("SC_CLK_TCK")

    def times(of: int | str) -> list[int]:
        fields = Path(f"/proc/{of}/stat").read_text().rsplit(")", 1)[1].split()
        return [int(f) for f in fields[11:15]]  # utime, stime, cutime, cstime

    total = sum(times(pid))
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        with contextlib.suppress(FileNotFoundError):  # a backend that ended meanwhile
            total += sum(times(child)[:2])
    return total / ticks


def reset_statements(url: str) -> bool:
    """Start ``pg_stat_statements``' counts afresh; False if the server does not preload it."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT current_setting('shared_preload_libraries')").fetchone()
        if not row or "pg_stat_statements" not in row[0]:
            return False
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        conn.execute("SELECT pg_stat_statements_reset()")
    return True


def print_statements(url: str, limit: int) -> None:
    """The statements PostgreSQL spent longest on since ``reset_statements`` (execution time:
    on a busy machine, waiting for a core counts in it too)."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT total_exec_time / 1000, calls, rows, regexp_replace(query, '\\s+', ' ', 'g') "
            "FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database "
            "WHERE datname = current_database()) ORDER BY total_exec_time DESC LIMIT %s",
            (limit,),
        ).fetchall()
    print(f"the {limit} statements PostgreSQL spent longest on during (a):")
    for seconds, calls, count, query in rows:
        print(f"  {seconds:8.2f} s {calls:>7,} calls {count:>10,} rows  {query[:160]}")


def stock_catch_up(app: Sukuma, settings: Settings, url: str, sample: int) -> tuple[int, float]:
    """(b): the library's ProjectionRunner over the first ``sample`` events; (events, s)."""
    datastore: PostgresDatastore = app.factory.datastore  # type: ignore[attr-defined]
    recorder = app.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    migrate(url, STOCK_SCHEMA)  # the stock view's tables, in a schema of their own
    with datastore.transaction(commit=True) as curs:
        curs.execute(
            SQL(
                "SELECT notification_id FROM {0}.{1} ORDER BY notification_id OFFSET %s LIMIT 1"
            ).format(Identifier(datastore.schema), Identifier(recorder.events_table_name)),
            (sample - 1,),
        )
        row = curs.fetchone()
    assert row is not None, "the log is shorter than the sample"
    last = int(row["notification_id"])
    # The app reads the log where it is; the view (env prefix NERVE_CENTRE_) writes elsewhere.
    env = settings.eventsourcing_env(url)
    env[f"{NerveCentreProjection.name.upper()}_POSTGRES_SCHEMA"] = STOCK_SCHEMA
    started = time.perf_counter()
    with ProjectionRunner(
        application_class=Sukuma,
        projection_class=NerveCentreProjection,
        view_class=NerveCentreView,
        env=env,
    ) as runner:
        runner.wait(last, timeout=3600)
        seconds = time.perf_counter() - started
        done = runner.view.max_tracking_id(app.name) or 0
    print(f"  stock: reached {done:,} (sample ends at {last:,}) in {seconds:.1f} s")
    return sample, seconds


def profile(app: Sukuma, page_size: int) -> None:
    """cProfile over one in-process ``BatchRunner`` catching every projection up from zero
    (into ``prof_`` tables): where a projector's time goes, all views together."""
    datastore: PostgresDatastore = app.factory.datastore  # type: ignore[attr-defined]
    recorder = app.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    projections = open_projections(datastore, table_prefix="prof_")
    runner = BatchRunner(recorder, app.name, projections, page_size=page_size)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    processed = profiler.runcall(runner.run_once)
    seconds = time.perf_counter() - started
    print(f"\nprofile: {processed:,} events in {seconds:.1f} s under cProfile")
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(30)
        print(f"--- by {order} ---")
        print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))


def server_version(app: Sukuma) -> str:
    datastore: PostgresDatastore = app.factory.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=False) as curs:
        curs.execute("SHOW server_version")
        row = curs.fetchone()
    return str(row["server_version"]) if row else "?"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.catchup", description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=3000)
    parser.add_argument("--page-size", type=int, default=DEFAULT_PAGE_SIZE)
    parser.add_argument("--generator", choices=["demo", "events"], default="demo")
    parser.add_argument(
        "--on-time",
        action="store_true",
        help="events generator: each event recorded when it occurred (the demo's are all "
        "recorded now, late by up to a year: the worst case for the as-of histories)",
    )
    parser.add_argument(
        "--database-url",
        help="measure over this database's log as it is (no fill; its views are dropped first)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="also cProfile a full catch-up (prof_ tables)"
    )
    parser.add_argument(
        "--projection",
        action="append",
        default=[],
        choices=list(PROJECTIONS),
        help="(a) for this projection only (repeatable; default: all)",
    )
    parser.add_argument(
        "--statements",
        type=int,
        default=0,
        metavar="N",
        help="print (a)'s N longest statements (the server must preload pg_stat_statements)",
    )
    args = parser.parse_args()

    if args.database_url:
        results = measure(args, args.database_url, Path(tempfile.gettempdir()), fill_log=False)
    else:
        root = Path(tempfile.mkdtemp(prefix="sukuma-bench-catchup-"))
        name = f"bench_catchup_{uuid.uuid4().hex[:8]}"
        try:
            with server(root) as admin_url:
                results = measure(args, create_database(admin_url, name), root, fill_log=True)
                drop_database(admin_url, name)
        finally:
            shutil.rmtree(root, ignore_errors=True)
    report(*results)


def measure(
    args: argparse.Namespace, url: str, data_dir: Path, *, fill_log: bool
) -> tuple[int, CatchUp, int, float, tuple[float, float]]:
    """Fill (or reuse) the log, then (a) and (b): events, (a), (b)'s events and seconds, load."""
    if fill_log:
        migrate(url, "public")  # a new database
    settings = Settings(_env_file=None, database_url=url, data_dir=data_dir)  # type: ignore[call-arg]
    app = build_application(settings, url)
    where = "BENCH_DATABASE_URL" if os.environ.get("BENCH_DATABASE_URL") else "embedded"
    try:
        print(
            f"machine: {os.cpu_count()} CPUs (nproc), {platform.machine()}, "
            f"Python {platform.python_version()}, PostgreSQL {server_version(app)}, "
            f"{'given' if not fill_log else where} server; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
        )
        if fill_log:
            print(f"fill ({args.generator}): at least {args.events:,} events")
            total = fill(app, args.events, args.generator, args.on_time)
        else:
            total = app.recorder.max_notification_id() or 0
            print(f"the given database's log: {total:,} events (views emptied first)")
            datastore: PostgresDatastore = app.factory.datastore  # type: ignore[attr-defined]
            tables = [Identifier(t) for name in PROJECTIONS for t in table_names(name)]
            with datastore.transaction(commit=True) as curs:
                curs.execute(SQL("TRUNCATE {0}").format(SQL(", ").join(tables)))
                curs.execute(
                    SQL("DROP SCHEMA IF EXISTS {0} CASCADE").format(Identifier(STOCK_SCHEMA))
                )
        print(f"(a) a projector process per projection, page {args.page_size}")
        statements = args.statements > 0 and reset_statements(url)
        if args.statements and not statements:
            print("  (the server does not preload pg_stat_statements: no statement figures)")
        load_before = os.getloadavg()[0]
        batch = process_catch_up(url, total, args.page_size, args.projection)
        load_after = os.getloadavg()[0]
        if statements:
            print_statements(url, args.statements)
        print(f"(b) stock ProjectionRunner over the first {args.sample:,} events")
        sample, stock_seconds = stock_catch_up(app, settings, url, args.sample)
        if args.profile:
            profile(app, args.page_size)
    finally:
        app.close()
    return total, batch, sample, stock_seconds, (load_before, load_after)


def report(
    total: int, batch: CatchUp, sample: int, stock_seconds: float, load: tuple[float, float]
) -> None:
    stock_rate = sample / stock_seconds
    ratio = batch.rate / stock_rate
    projector_cpu = sum(batch.projector_cpu.values())
    print()
    print(f"events in the log    {total:>12,}")
    print(
        f"process catch-up     {batch.rate:>12,.0f} events/s  "
        f"({total:,} in {batch.seconds:.1f} s, {len(batch.projector_cpu)} processes)"
    )
    print(
        f"stock runner         {stock_rate:>12,.0f} events/s  ({sample:,} in {stock_seconds:.1f} s)"
    )
    print(f"ratio                {ratio:>12,.1f} x")
    cpus = ", ".join(f"{name} {cpu:.1f} s" for name, cpu in batch.projector_cpu.items())
    print(f"projector CPU        {projector_cpu:>12.1f} s  ({cpus})")
    peaks = ", ".join(f"{name} {mb:,.0f}" for name, mb in batch.projector_mb.items())
    print(f"projector peak RSS   {max(batch.projector_mb.values()):>12,.0f} MB  ({peaks})")
    if batch.server_cpu is not None:
        whole = projector_cpu + batch.server_cpu
        print(f"PostgreSQL CPU       {batch.server_cpu:>12.1f} s  (all its processes)")
        print(f"CPU per event        {whole / total * 1e6:>12.1f} us  (projectors + PostgreSQL)")
    print(
        f"load average         {load[0]:>12.2f} before, {load[1]:.2f} after "
        f"({os.cpu_count()} CPUs; other work on the machine slows the wall-clock figures)"
    )
    print(
        f"targets: >= 35,000 events/s {'MET' if batch.rate >= 35_000 else 'MISSED'}; "
        f">= 100x stock {'MET' if ratio >= 100 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
