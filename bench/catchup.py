"""Projection catch-up (B3): the batching runner vs. the library's stock runner, same run.

    python -m bench.catchup [--events 1000000] [--sample 3000] [--page-size 20000]
                            [--generator demo|events] [--profile]

Fills the real event log (through the application: the demo generator, or ``bench._events``)
with at least ``--events`` events, then measures, over the same log:

(a) ``BatchRunner`` catching the nerve-centre views up from zero over every event;
(b) the library's stock ``eventsourcing.projection.ProjectionRunner`` (one transaction per
    event) with the same projection and view classes, over the first ``--sample`` events,
    its view in a schema of its own (``stock``) so its tables do not clash with (a)'s.

Targets: (a) >= 20,000 events/s and >= 50x (b). The server is ``BENCH_DATABASE_URL`` (a
server-level URL whose role may create databases) or an embedded PostgreSQL in a temp dir.
``--profile`` also runs cProfile over a full catch-up (into ``prof_`` tables) and prints
where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import os
import platform
import pstats
import shutil
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

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
from projections.registry import open_projections
from projections.runner import DEFAULT_PAGE_SIZE, BatchRunner, Progress
from sukuma.settings import Settings
from sukuma.wiring import build_application

STOCK_SCHEMA = "stock"
DEMO_EVENTS_PER_HOUSEHOLD = 30  # a little under the demo's mean, so the log is big enough


def fill(app: Sukuma, events: int, generator: str) -> int:
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

        _events.fill(app, events, on_progress=events_progress)
    total = app.recorder.max_notification_id() or 0
    seconds = time.perf_counter() - started
    print(f"  filled {total:,} events in {seconds:.1f} s ({total / seconds:,.0f} events/s)")
    return total


def batch_catch_up(app: Sukuma, page_size: int, prefix: str = "") -> tuple[int, float]:
    """(a): the batching runner from position zero to the head; (events, seconds)."""
    datastore: PostgresDatastore = app.factory.datastore  # type: ignore[attr-defined]
    recorder = app.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    runner = BatchRunner(
        recorder, app.name, open_projections(datastore, table_prefix=prefix), page_size=page_size
    )
    step = max(recorder.max_notification_id() or 0, 1) // 10
    shown = [0]

    def progress(p: Progress) -> None:
        if p.processed - shown[0] >= step or p.position >= p.head:
            shown[0] = p.processed
            rate = p.processed / p.seconds if p.seconds else 0.0
            print(f"  batch: {p.position:>9,} / {p.head:,}  {rate:>8,.0f} events/s", flush=True)

    started = time.perf_counter()
    processed = runner.run_once(progress)
    return processed, time.perf_counter() - started


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
    """cProfile over ``BatchRunner.run_once`` catching up from zero (into ``prof_`` tables)."""
    datastore: PostgresDatastore = app.factory.datastore  # type: ignore[attr-defined]
    recorder = app.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    runner = BatchRunner(
        recorder,
        app.name,
        open_projections(datastore, table_prefix="prof_"),
        page_size=page_size,
    )
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
        "--profile", action="store_true", help="also cProfile a full catch-up (prof_ tables)"
    )
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="sukuma-bench-catchup-"))
    name = f"bench_catchup_{uuid.uuid4().hex[:8]}"
    try:
        with server(root) as admin_url:
            url = create_database(admin_url, name)
            migrate(url, "public")
            settings = Settings(_env_file=None, database_url=url, data_dir=root)  # type: ignore[call-arg]
            app = build_application(settings, url)
            where = "BENCH_DATABASE_URL" if os.environ.get("BENCH_DATABASE_URL") else "embedded"
            try:
                print(
                    f"machine: {os.cpu_count()} CPUs (nproc), {platform.machine()}, "
                    f"Python {platform.python_version()}, PostgreSQL {server_version(app)}, "
                    f"{where} server; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
                )
                print(f"fill ({args.generator}): at least {args.events:,} events")
                total = fill(app, args.events, args.generator)

                print(f"(a) BatchRunner, page {args.page_size}, over all {total:,} events")
                processed, seconds = batch_catch_up(app, args.page_size)
                batch_rate = processed / seconds
                print(f"(b) stock ProjectionRunner over the first {args.sample:,} events")
                sample, stock_seconds = stock_catch_up(app, settings, url, args.sample)
                stock_rate = sample / stock_seconds
                if args.profile:
                    profile(app, args.page_size)
            finally:
                app.close()
            drop_database(admin_url, name)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    ratio = batch_rate / stock_rate
    print()
    print(f"events in the log    {total:>12,}")
    print(f"batch catch-up       {batch_rate:>12,.0f} events/s  ({processed:,} in {seconds:.1f} s)")
    print(
        f"stock runner         {stock_rate:>12,.0f} events/s  ({sample:,} in {stock_seconds:.1f} s)"
    )
    print(f"ratio                {ratio:>12,.1f} x")
    print(
        f"targets: >= 20,000 events/s {'MET' if batch_rate >= 20_000 else 'MISSED'}; "
        f">= 50x stock {'MET' if ratio >= 50 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
