"""A command's cost against its household's history, in process: households of 5 events
against households of about 40, measured alternately in one process on one database.

    python -m bench.command_history [--households 200] [--shallow 5] [--deep 40] [--passes 3]

Every household is registered and profiled alike (one generated profile, sealed), then
topped up with visits (each with a sealed note) to its number of events. The deep ones are
spread over ``--spread`` consecutive lengths around ``--deep``, so that whatever a store does
every so many events (a snapshot) is counted at its share. Measured per call, alternating a
shallow and a deep household: the load alone (``Sukuma.get``), then ``record_visit`` as a
field worker (the access policy paid, as ``bench.commands`` does), in ``--passes`` passes
(each adds one event to every household). Printed: CPU (``process_time``) and wall per call,
medians and means, and deep / shallow. Target: a command costs about the same at 40 events
as at 5.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from adapters.database import create_database
from adapters.migrations import migrate
from bench._events import make_profile
from bench.commands import _field_worker, bench_settings
from domain.access.principal import Principal
from domain.context import CommandContext
from domain.households.model import Household
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from sukuma.settings import Settings
from sukuma.wiring import build_application, ensure_database


def household(app: Sukuma, ward_id: str, events: int, seed: int) -> uuid.UUID:
    """A profiled household topped up with noted visits to ``events`` events."""
    household_id = uuid.uuid4()
    ctx = CommandContext(actor="bench", occurred_at=datetime.now(UTC))
    app.register_household(
        household_id=household_id,
        ward_id=ward_id,
        dwelling_type="formal",
        village="Emakhosini",
        gps=None,
        field_worker_id=None,
        ctx=ctx,
    )
    profile = make_profile(random.Random(seed), date.today(), trouble=0.0)
    app.submit_profile(household_id, dict(profile), None, ctx)
    aggregate = app.get(Household, household_id)
    while aggregate.version < events:
        aggregate.record_visit(
            visit_id=str(uuid.uuid4()),
            field_worker_id=None,
            outcome="met_household",
            days_skipped_meal_last_7=None,
            note=f"Visit {aggregate.version}: the gogo asked about her grant",
            occurred_at=datetime.now(UTC),
            actor="bench",
        )
        app.save(aggregate)
    return household_id


def timed(call: Callable[[uuid.UUID], object], household_id: uuid.UUID) -> tuple[float, float]:
    """(CPU seconds of this process, wall seconds) of one call."""
    cpu, wall = time.process_time(), time.perf_counter()
    call(household_id)
    return time.process_time() - cpu, time.perf_counter() - wall


class Samples:
    """Per-call CPU and wall times of one group of households."""

    def __init__(self) -> None:
        self.cpu: list[float] = []
        self.wall: list[float] = []

    def add(self, cpu_wall: tuple[float, float]) -> None:
        self.cpu.append(cpu_wall[0])
        self.wall.append(cpu_wall[1])


def visit(app: Sukuma, household_id: uuid.UUID, principal: Principal) -> None:
    ctx = CommandContext(actor="bench", occurred_at=datetime.now(UTC), principal=principal)
    app.record_visit(
        household_id=household_id,
        visit_id=uuid.uuid4(),
        field_worker_id=None,
        outcome="met_household",
        days_skipped_meal_last_7=None,
        note="Asked again about the grant",
        ctx=ctx,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=200, help="in each group")
    parser.add_argument("--shallow", type=int, default=5, help="events of a short history")
    parser.add_argument("--deep", type=int, default=40, help="events of a long one (centre)")
    parser.add_argument("--spread", type=int, default=10, help="consecutive deep lengths")
    parser.add_argument("--passes", type=int, default=3, help="commands on each household")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="sukuma-bench-"))
    admin_url = ensure_database(
        Settings(database_url=os.environ.get("BENCH_DATABASE_URL"), data_dir=data_dir)
    )
    url = create_database(admin_url, f"bench_{uuid.uuid4().hex[:8]}")
    migrate(url, "public")
    app = build_application(bench_settings(url, data_dir), url)
    ward_id = geography().wards_in("municipality", "KZN225")[0].id
    principal = _field_worker(app, ward_id)
    started = time.perf_counter()
    deep_lengths = [args.deep - args.spread // 2 + i % args.spread for i in range(args.households)]
    shallow = [household(app, ward_id, args.shallow, i) for i in range(args.households)]
    deep = [household(app, ward_id, n, i) for i, n in enumerate(deep_lengths)]
    print(
        f"{args.households} households of {args.shallow} events and {args.households} of "
        f"{min(deep_lengths)}-{max(deep_lengths)} (mean {statistics.mean(deep_lengths):.1f}), "
        f"made in {time.perf_counter() - started:.0f} s"
    )
    pairs = list(zip(shallow, deep, strict=True))
    for name, call in (
        ("load", lambda h: app.get(Household, h)),
        ("record_visit", lambda h: visit(app, h, principal)),
    ):
        short, long = Samples(), Samples()
        for _ in range(args.passes):
            random.shuffle(pairs)
            for n, (s, d) in enumerate(pairs):  # alternately, which goes first too
                first, second = ((s, short), (d, long)) if n % 2 else ((d, long), (s, short))
                for household_id, samples in (first, second):
                    samples.add(timed(call, household_id))
        print(report(name, short, long, args.shallow, args.deep))
    app.close()


def report(name: str, short: Samples, long: Samples, shallow: int, deep: int) -> str:
    def us(values: list[float]) -> str:
        median, mean = statistics.median(values) * 1e6, statistics.mean(values) * 1e6
        return f"median {median:,.0f} us, mean {mean:,.0f} us"

    ratio = statistics.mean(long.cpu) / statistics.mean(short.cpu)
    return (
        f"{name}: CPU at {shallow} events {us(short.cpu)}; at ~{deep} {us(long.cpu)}; "
        f"deep/shallow (mean CPU) {ratio:.2f}\n"
        f"{' ' * len(name)}  wall at {shallow} events {us(short.wall)}; at ~{deep} {us(long.wall)}"
    )


if __name__ == "__main__":
    main()
