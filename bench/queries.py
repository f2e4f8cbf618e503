"""Read-model query latency at 30k vs 3M households: cost must not grow with household count.

    python -m bench.queries [--small 30000] [--large 3000000] [--repeat 200] [--dense-history 1]

Two databases get the nerve-centre tables (created by the real view class), bulk-filled in
SQL (generate_series; the catch-up benchmark covers the real event log). The roll-ups are
derived from the filled case tables with GROUP BY, so they are consistent with them; daily
series cover 365 days for every area in both. The API's own query functions
(``projections/nerve_centre/queries``) then run against each, and p95 latencies are compared.
Target: p95 at the large size <= 1.5x p95 at the small size, for every query.

The totals' histories (``?as_of=``) are filled from the same totals: each group of a total
snapshotted once a week over the 730 days before today (``basis=recorded``: a read as of a
year back takes one snapshot a group), and each total spread over those days by occurred
day and by week of the month, with each group's running totals by month (``basis=occurred``:
a read takes a group's running totals up to the month before its day's, that month's weeks
and its week's days up to the day; the league's two totals, each group's latest row by
occurred day up to the day, filled from those as migration 0036 fills them).
Target: each ``as of a year back`` query's p95 <= 2x the same query's today, at the large
size (by recorded time, as reports read; the league by occurred time is shown beside them).

``--dense-history N`` spreads N times each total of the large size over the days: a key whose
total is under 730 has day rows on a few days only, so at 300k most of the league's metrics
are sparse where at 3M they have a row every day; ``--large 300000 --dense-history 10`` gives
the large size 3M's density of history rows (its totals and snapshots unchanged).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import psycopg

from adapters.database import asyncpg_connect_kwargs, create_database, drop_database
from adapters.migrations import migrate, migrations
from bench import query_work
from bench._bulk import indexes_after
from bench._server import server
from domain.access.policy import Area, RowScope
from domain.reference.departments import departments
from domain.reference.geography import geography
from projections.nerve_centre.contributions import DUE_BY
from projections.nerve_centre.history import (
    LATE_SUFFIX,
    MEMBER_ROWS_SUFFIX,
    OCCURRED,
    SNAPSHOT_SUFFIX,
    SNAPSHOTS,
    WEEKLY,
)
from projections.nerve_centre.queries import areas, cases
from projections.nerve_centre.queries.asof import AsOf
from projections.nerve_centre.queries.cases import HouseholdFilters, ReferralFilters
from projections.nerve_centre.tables import (
    AREA_COUNTS,
    AREA_DAILY,
    AREA_DAILY_RECORDED,
    DEPARTMENT_AREA,
    DEPARTMENT_DUE,
    HOUSEHOLDS,
    OPEN_DUE,
    REFERRALS,
    TOTAL_KEYS,
    WARD_NEEDS,
)
from projections.registry import open_projections
from sukuma.settings import Settings
from sukuma.wiring import build_application

TODAY = date(2026, 11, 23)
YEAR_BACK = AsOf(date(2025, 11, 23))
AS_OF = " as of a year back"
OCCURRED_BASIS = " (occurred)"
HISTORY_DAYS = 730
SNAPSHOT_EVERY = 7  # days between a group's snapshots (a busy group has one a day)


# the due date of an open referral's next step (``contributions.due_date``), in SQL
_DUE = "CASE status " + " ".join(f"WHEN '{s}' THEN {c}" for s, c in DUE_BY.items()) + " END"


def _history(table: str) -> list[str]:
    """Spread each of a table's totals over the days before today by occurred day (each
    day's delta, the first day taking the remainder), then add the deltas up by week of the
    month (the running totals by month follow: ``fill``); and snapshot each group of it (by
    recorded day) once a week over those days, as it is now."""
    keys = ", ".join(TOTAL_KEYS[table.removeprefix("nerve_centre_")])
    shape = SNAPSHOTS[table.removeprefix("nerve_centre_")]
    group = ", ".join(shape.group)
    history = f"{table}{MEMBER_ROWS_SUFFIX}"  # converted after (``HISTORY_ARRAYS``)
    last = HISTORY_DAYS - 1
    return [
        f"""INSERT INTO {history} SELECT {keys}, '{OCCURRED}', %(today)s - d,
            v / {HISTORY_DAYS} + CASE WHEN d = {last} THEN v %% {HISTORY_DAYS} ELSE 0 END
            FROM (SELECT *, value * %(dense)s AS v FROM {table}) t, generate_series(0, {last}) d
            WHERE v / {HISTORY_DAYS} <> 0 OR d = {last}""",
        f"""INSERT INTO {history} SELECT {keys}, '{OCCURRED}{WEEKLY}', week, sum(value)
            FROM (SELECT *, date_trunc('month', day)::date
                  + (extract(day FROM day)::int - 1) / 7 * 7 AS week FROM {history}
                  WHERE basis = '{OCCURRED}') d GROUP BY {keys}, week""",
        *(
            f"""INSERT INTO {table}{suffix}{SNAPSHOT_SUFFIX} SELECT {group}, %(today)s - d,
            array_agg({shape.member} ORDER BY {shape.member}),
            array_agg(value ORDER BY {shape.member}) FROM {table},
            generate_series(0, {last}, {SNAPSHOT_EVERY}) d GROUP BY {group}, d"""
            for suffix in ("", LATE_SUFFIX)  # every change late: the worst case by occurred
        ),
    ]


FILL = [
    # wards with their areas, numbered for cheap random picks
    "CREATE TEMP TABLE w AS SELECT row_number() OVER () - 1 AS i, * FROM "
    "unnest(%(wards)s::text[], %(munis)s::text[], %(dists)s::text[]) AS t(ward, muni, dist)",
    f"""INSERT INTO {HOUSEHOLDS} SELECT
        md5(g::text || 'h')::uuid, w.ward, w.muni, w.dist,
        (ARRAY['registered','active','active','active','graduated'])[1 + g %% 5],
        (ARRAY['low','medium','high','critical'])[1 + (g / 7) %% 4], (g * 37) %% 100,
        '{{}}'::jsonb,
        CASE (g / 3) %% 5 WHEN 0 THEN ARRAY[]::text[] WHEN 1 THEN ARRAY['water']
             WHEN 2 THEN ARRAY['documents','social_grant'] WHEN 3 THEN ARRAY['food_security']
             ELSE ARRAY['housing','water'] END,
        (g / 11) %% 3, %(now)s, %(now)s, %(now)s, NULL, NULL, g
        FROM generate_series(1, %(households)s) g JOIN w ON w.i = g %% %(n)s""",
    f"""INSERT INTO {REFERRALS} SELECT
        md5(g::text || 'r')::uuid, md5((g * 2)::text || 'h')::uuid, 'n' || g,
        (ARRAY['social_grant','documents','water','food_security'])[1 + g %% 4], 'high',
        w.ward, w.muni, w.dist, (ARRAY['SASSA','DHA','MUNI','DSD','DOH'])[1 + (g / 5) %% 5],
        (ARRAY['made','acknowledged','service_delivered','closed','closed','rejected'])
          [1 + g %% 6], g %% 3, %(now)s - (g %% 300) * interval '1 day', NULL, NULL, NULL, NULL,
        %(today)s - (g %% 200 - 100), %(today)s - (g %% 200 - 130), 'standards-v1', g
        FROM generate_series(1, %(households)s / 2) g JOIN w ON w.i = g %% %(n)s""",
    f"""INSERT INTO {AREA_COUNTS} SELECT a.level, a.code, m.metric, count(*)
        FROM {HOUSEHOLDS} h,
        LATERAL (VALUES ('ward', h.ward_id), ('municipality', h.municipality),
                        ('district', h.district), ('province', 'KZN')) a(level, code),
        LATERAL unnest(ARRAY['households', 'households_' || h.status,
                             'risk_' || h.risk_level]) m(metric)
        GROUP BY 1, 2, 3""",
    f"""INSERT INTO {OPEN_DUE} SELECT level, code, ack_by, count(*) FROM (
        SELECT unnest(ARRAY['ward','municipality','district','province']) AS level,
               unnest(ARRAY[ward_id, municipality, district, 'KZN']) AS code, ack_by
        FROM {REFERRALS} WHERE status = 'made') t GROUP BY 1, 2, 3""",
    f"""INSERT INTO {DEPARTMENT_AREA} SELECT r.department, a.level, a.code, m.metric, count(*)
        FROM {REFERRALS} r,
        LATERAL (VALUES ('municipality', r.municipality), ('district', r.district),
                        ('province', 'KZN')) a(level, code),
        LATERAL unnest(ARRAY['received', 'acknowledged',
                             'ack_days:' || (r.position %% 20)]) m(metric)
        GROUP BY 1, 2, 3, 4""",
    # open referrals by the due date of their next step, as the league counts them overdue
    f"""INSERT INTO {DEPARTMENT_DUE} SELECT department, a.level, a.code, due, count(*)
        FROM (SELECT *, {_DUE} AS due FROM {REFERRALS}) r,
        LATERAL (VALUES ('municipality', r.municipality), ('district', r.district),
                        ('province', 'KZN')) a(level, code)
        WHERE due IS NOT NULL GROUP BY 1, 2, 3, 4""",
    f"""INSERT INTO {WARD_NEEDS} SELECT ward_id, c, district, municipality, count(*)
        FROM {HOUSEHOLDS}, unnest(open_categories) c GROUP BY 1, 2, 3, 4""",
    f"""INSERT INTO {AREA_DAILY} SELECT a.level, a.code, %(today)s - d, m, 1 + d %% 5
        FROM (SELECT DISTINCT level, code FROM {AREA_COUNTS}) a,
             generate_series(0, 364) d,
             unnest(ARRAY['profiles','needs','referrals_made','referrals_completed','graduations',
                          'interventions','visits','meetings']) m""",
]
# The totals as they were (``?as_of=``): only the as-of reads take them (not ``bench.web``'s).
HISTORY_TABLES = (AREA_COUNTS, OPEN_DUE, DEPARTMENT_AREA, DEPARTMENT_DUE, WARD_NEEDS)
HISTORY_FILL = [
    *(statement for table in HISTORY_TABLES for statement in _history(table)),
    # each day's flows recorded on that day or one of the two after it
    f"""INSERT INTO {AREA_DAILY_RECORDED} SELECT level, code, metric, day,
        day + (hashtext(code || metric || day) & 3) %% 3, value FROM {AREA_DAILY}
        WHERE (hashtext(code || metric || day) & 3) %% 3 <> 0""",  # the late ones only
]
# The running totals by month of the late deltas, from their day rows: as the migration that
# brought them fills them from a database's day rows.
(RUNNING_MONTHS,) = (m.sql for m in migrations() if m.name == "asof_late_running_months")
# The league's totals by occurred day, from the snapshots and day rows, as 0036 fills them:
# the league's late storage it fills them from is made for it (as 0011 made it) and dropped
# after (0037), as a database upgraded from before 0036 went.
(LEAGUE_OCCURRED,) = (m.sql for m in migrations() if m.name == "asof10_league_occurred_running")
(LATE_TABLES,) = (m.sql for m in migrations() if m.name == "asof_area_history")
# The late deltas a member a row are filled as they were before 0040, which then groups them.
(HISTORY_ARRAYS,) = (m.sql for m in migrations() if m.name == "nca15_late_days")
(LEAGUE_LATE_DROP,) = (m.sql for m in migrations() if m.name == "league11_drop_late")
# M9's figures a ward and week, from the ward rows of the daily flows, as 0031 filled them.
(WARD_WEEKS_FILL,) = (m.sql for m in migrations() if m.name == "web3m_ward_weeks")


def fill(url: str, households: int, dense: int = 1, *, histories: bool = True) -> float:
    """Create the views' tables with the real view class, then fill them in SQL (without
    ``histories``, today's tables only: what no read as of a past day needs is left empty)."""
    settings = Settings(database_url=url, data_dir=Path(tempfile.mkdtemp()))
    app = build_application(settings, url)
    open_projections(app.factory.datastore)  # type: ignore[attr-defined]
    app.close()
    wards = geography().wards
    params: dict[str, Any] = {
        "wards": [w.id for w in wards],
        "munis": [w.municipality_code for w in wards],
        "dists": [w.district_code for w in wards],
        "n": len(wards),
        "households": households,
        "now": datetime(2026, 11, 23, tzinfo=UTC),
        "today": TODAY,
        "dense": dense,
    }
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        big = [HOUSEHOLDS, REFERRALS, AREA_DAILY]
        if histories:
            conn.execute(LATE_TABLES.encode())  # CREATE ... IF NOT EXISTS: a member a row
            big += [AREA_DAILY_RECORDED, *(f"{t}{MEMBER_ROWS_SUFFIX}" for t in HISTORY_TABLES)]
        with indexes_after(conn, big):
            for statement in FILL + (HISTORY_FILL if histories else []):
                conn.execute(statement, params)
        conn.execute(WARD_WEEKS_FILL.encode())
        if histories:
            conn.execute(RUNNING_MONTHS.encode())
            conn.execute(HISTORY_ARRAYS.encode())
            conn.execute(LEAGUE_OCCURRED.encode())
            conn.execute(LEAGUE_LATE_DROP.encode())
        # What autovacuum would have done to a live database by now: statistics, hint bits
        # and the visibility map (so index-only scans are possible), the same at both sizes.
        conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


# A province-wide analyst: the scope clause every list carries, at its broadest.
PROVINCE = RowScope(area=Area(province=True), department_area=Area(), departments=frozenset())


def queries() -> dict[str, Callable[[Any], Awaitable[Any]]]:
    ward = geography().wards_in("municipality", "KZN225")[3].id
    return {
        "dashboard province": lambda db: areas.dashboard(db, "province", "KZN", TODAY),
        "dashboard district": lambda db: areas.dashboard(db, "district", "DC22", TODAY),
        "dashboard ward": lambda db: areas.dashboard(db, "ward", ward, TODAY),
        "households province page": lambda db: cases.households_page(
            db, HouseholdFilters(), PROVINCE, None, 50
        ),
        # 25: a ward of the small fill has ~30 households; a page both sizes fill equally
        "households ward page": lambda db: cases.households_page(
            db, HouseholdFilters(ward=ward), PROVINCE, None, 25
        ),
        "households critical in district": lambda db: cases.households_page(
            db, HouseholdFilters(district="DC22", risk="critical"), PROVINCE, None, 50
        ),
        "households needing water in municipality": lambda db: cases.households_page(
            db, HouseholdFilters(municipality="KZN225", need="water"), PROVINCE, None, 50
        ),
        "referrals overdue in municipality": lambda db: cases.referrals_page(
            db, ReferralFilters(municipality="KZN225", overdue=True), PROVINCE, TODAY, None, 50
        ),
        "referrals SASSA in district": lambda db: cases.referrals_page(
            db, ReferralFilters(district="DC22", department="SASSA"), PROVINCE, TODAY, None, 50
        ),
        "department league district": lambda db: areas.department_league(
            db, "district", "DC22", TODAY, [d.code for d in departments()]
        ),
        "heat map district": lambda db: areas.needs_heatmap(db, "district", "DC22"),
        "trends province 12 weeks": lambda db: areas.trends(db, "province", "KZN", 12, TODAY),
        **as_of_queries(ward),
    }


def as_of_queries(ward: str) -> dict[str, Callable[[Any], Awaitable[Any]]]:
    """The area reads as of a year back (named after the same read today)."""
    codes = [d.code for d in departments()]
    back = YEAR_BACK
    return {
        f"dashboard province{AS_OF}": lambda db: areas.dashboard(
            db, "province", "KZN", TODAY, back
        ),
        f"dashboard district{AS_OF}": lambda db: areas.dashboard(
            db, "district", "DC22", TODAY, back
        ),
        f"dashboard ward{AS_OF}": lambda db: areas.dashboard(db, "ward", ward, TODAY, back),
        f"department league district{AS_OF}": lambda db: areas.department_league(
            db, "district", "DC22", TODAY, codes, back
        ),
        f"heat map district{AS_OF}": lambda db: areas.needs_heatmap(db, "district", "DC22", back),
        f"trends province 12 weeks{AS_OF}": lambda db: areas.trends(
            db, "province", "KZN", 12, TODAY, back
        ),
        f"department league district{AS_OF}{OCCURRED_BASIS}": lambda db: areas.department_league(
            db, "district", "DC22", TODAY, codes, AsOf(back.day, "occurred")
        ),
    }


def _rows(result: Any) -> int:
    """How many rows a query answered (a page's, a list's, a heat map's wards)."""
    if isinstance(result, tuple):
        return len(result[0])
    return len(result["wards"]) if isinstance(result, dict) and "wards" in result else len(result)


async def timings(urls: dict[int, str], repeat: int) -> dict[int, dict[str, list[float]]]:
    """Times (ms) of each query at each size, measured alternately after the same warm-up.

    Alternating call by call makes drift and bursts (caches, the neighbours' load on a
    shared machine) hit both sizes alike, instead of whichever size was being measured. Each
    query must answer as many rows at both sizes: the same work, more households behind it.
    """
    pools = {
        size: await asyncpg.create_pool(min_size=1, max_size=2, **asyncpg_connect_kwargs(url))
        for size, url in urls.items()
    }
    out: dict[int, dict[str, list[float]]] = {size: {} for size in urls}
    try:
        for name, query in queries().items():
            answered = set()
            for pool in pools.values():
                for _ in range(10):
                    result = await query(pool)  # warm caches and prepared statements
                answered.add(_rows(result))
            if len(answered) != 1:
                raise AssertionError(f"{name}: not the same rows at both sizes ({answered})")
            times: dict[int, list[float]] = {size: [] for size in urls}
            while min(len(t) for t in times.values()) < repeat:
                for size, pool in pools.items():
                    started = time.perf_counter()
                    await query(pool)
                    times[size].append((time.perf_counter() - started) * 1000)
            for size, measured in times.items():
                out[size][name] = measured
    finally:
        for pool in pools.values():
            await pool.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--small", type=int, default=30_000)
    parser.add_argument("--large", type=int, default=3_000_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--dense-history", type=int, default=1, metavar="N")
    args = parser.parse_args()

    with server(Path(tempfile.mkdtemp(prefix="sukuma-bench-"))) as admin:
        names = {
            size: f"bench_q_{size}_{uuid.uuid4().hex[:6]}" for size in (args.small, args.large)
        }
        urls = {size: create_database(admin, name) for size, name in names.items()}
        for size in urls:
            migrate(urls[size], "public")
            dense = args.dense_history if size == args.large else 1
            seconds = fill(urls[size], size, dense)
            dense_note = f", history x{dense}" if dense > 1 else ""
            print(
                f"filled {size:,} households (+{size // 2:,} referrals{dense_note}) "
                f"in {seconds:.0f} s"
            )
        results = asyncio.run(timings(urls, args.repeat))
        work = {size: asyncio.run(query_work.work(url, queries())) for size, url in urls.items()}
        for name in names.values():
            drop_database(admin, name)
    small, large = results[args.small], results[args.large]
    print(f"machine: {os.cpu_count()} cores; {args.repeat} runs of each query at each size (ms)")
    print(f"{'query':42} {'p95 small':>9} {'large':>7} {'ratio':>6}   {'p50 ratio':>9}")
    worst = 0.0
    for name in small:
        a, b = _p95(small[name]), _p95(large[name])
        worst = max(worst, b / a)
        p50 = statistics.median(large[name]) / statistics.median(small[name])
        print(f"{name:42} {a:9.2f} {b:7.2f} {b / a:6.2f}   {p50:9.2f}")
    print(f"worst ratio p95(large) / p95(small): {worst:.2f}  (target <= 1.5)")
    head = f"{'as of a year back vs today, large size':42} {'p95 today':>9} {'as of':>7}"
    print(f"{head} {'ratio':>6}   {'p50 ratio':>9}")
    worst = 0.0
    for name in large:
        if AS_OF in name:
            same, basis = name.split(AS_OF)
            today, back = _p95(large[same]), _p95(large[name])
            if not basis:  # the target is by recorded time, as reports read
                worst = max(worst, back / today)
            p50 = statistics.median(large[name]) / statistics.median(large[same])
            label = same + basis
            print(f"{label:42} {today:9.2f} {back:7.2f} {back / today:6.2f}   {p50:9.2f}")
    print(f"worst ratio p95(as of a year back) / p95(today): {worst:.2f}  (target <= 2)")
    pairs = {name: name.split(AS_OF)[0] for name in large if AS_OF in name}
    query_work.report(work[args.small], work[args.large], pairs)


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[18]


if __name__ == "__main__":
    main()
