"""Totals as of a day by occurred time read the late deltas by year, month, week, then day: the
roll-ups must answer exactly what the day rows add up to, and each part must be a range scan.

Hypothesis draws a history of commands (as the projection property test does: every event
recorded now, occurred over the months before, so every change is late), a runner projects it
in drawn pages. Each week, month and year row must be the sum of its day rows, and for every
day that matters (each day a delta occurred on, the day before it, its week's, month's and
year's ends), the deltas the read takes (``asof.late_deltas``) add up, key by key, to the day
rows that occurred by then.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from adapters.migrations import migrations
from projections.nerve_centre.history import (
    HISTORIES,
    HISTORY_SUFFIX,
    MONTHLY,
    OCCURRED,
    SNAPSHOTS,
    WEEKLY,
    YEARLY,
    week_of_month,
)
from projections.nerve_centre.queries.asof import AsOf, daily, late_deltas
from projections.nerve_centre.tables import NAME
from projections.registry import open_projections
from projections.runner import BatchRunner
from tests.integration.test_projection_properties import History, Step, fresh_app, histories
from tests.integration.test_projection_properties import wards as some_wards

pytestmark = pytest.mark.slow


def days_that_matter(curs: Any, history: str) -> list[date]:
    """Each day a delta occurred on and the day before, and its year's, month's and week's
    first days and the days before them (and the next week's and month's)."""
    curs.execute(f"SELECT DISTINCT day FROM {history} WHERE basis = %s", (OCCURRED,))
    days: set[date] = set()
    for (day,) in (tuple(r.values()) for r in curs.fetchall()):
        year, first, week = day.replace(month=1, day=1), day.replace(day=1), week_of_month(day)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        starts = (year, first, week, week + timedelta(days=7), last + timedelta(days=1))
        days |= {day, day - timedelta(days=1), *starts, *(s - timedelta(days=1) for s in starts)}
    return sorted(days)


# Each roll-up's period of a day row, as migration 0024 fills the weeks and years.
PERIODS = {
    YEARLY: "date_trunc('year', day)::date",
    WEEKLY: "date_trunc('month', day)::date + (extract(day FROM day)::int - 1) / 7 * 7",
    MONTHLY: "date_trunc('month', day)::date",
}


def assert_periods_add_up(curs: Any, total: str, periods: tuple[str, ...]) -> None:
    """Each of a total's roll-up rows of ``periods`` is the sum of its day rows (and none is
    there where they add up to zero)."""
    shape, history = SNAPSHOTS[total], f"{NAME}_{total}{HISTORY_SUFFIX}"
    columns = ", ".join((*shape.group, shape.member))
    for suffix in periods:
        curs.execute(
            f"SELECT {columns}, day, value FROM {history} WHERE basis = %s ORDER BY {columns}, day",
            (OCCURRED + suffix,),
        )
        rolled = [tuple(r.values()) for r in curs.fetchall()]
        curs.execute(
            f"SELECT {columns}, {PERIODS[suffix]} AS p, sum(value)::bigint FROM {history} "
            f"WHERE basis = '{OCCURRED}' GROUP BY {columns}, p "
            f"HAVING sum(value) <> 0 ORDER BY {columns}, p"
        )
        assert rolled == [tuple(r.values()) for r in curs.fetchall()], (history, suffix)


def assert_rollups_add_up(datastore: PostgresDatastore) -> int:
    """For every history table: each week, month and year roll-up row is the sum of its day
    rows (none where they add up to zero), and for every day that matters the read's deltas
    (years, months, weeks, then days) equal the day rows up to the day, key by key. Returns the
    days compared."""
    compared = 0
    with datastore.transaction(commit=False) as curs:
        for total in HISTORIES:
            table, shape = f"{NAME}_{total}", SNAPSHOTS[total]
            columns = ", ".join((*shape.group, shape.member))
            history = f"{table}{HISTORY_SUFFIX}"
            assert_periods_add_up(curs, total, tuple(PERIODS))
            by_read = (
                f"SELECT {columns}, sum(value)::bigint AS v FROM "
                f"({late_deltas(table, '%(day)s::date')}) r "
                f"GROUP BY {columns} HAVING sum(value) <> 0 ORDER BY {columns}"
            )
            by_day = (
                f"SELECT {columns}, sum(value)::bigint AS v FROM {history} "
                f"WHERE basis = '{OCCURRED}' AND day <= %(day)s GROUP BY {columns} "
                f"HAVING sum(value) <> 0 ORDER BY {columns}"
            )
            for day in days_that_matter(curs, history):
                curs.execute(by_read, {"day": day})
                taken = [tuple(r.values()) for r in curs.fetchall()]
                curs.execute(by_day, {"day": day})
                assert taken == [tuple(r.values()) for r in curs.fetchall()], (table, day)
                compared += 1
    return compared


@settings(
    max_examples=8,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    history=histories,
    page_size=st.integers(1, 50),
    commit_pages=st.integers(1, 4),
)
def test_month_rollups_answer_what_the_day_rows_add_up_to(
    database_url: str, history: list[Step], page_size: int, commit_pages: int
) -> None:
    with fresh_app(database_url) as app:
        commands = History(app, some_wards())
        for step in history:
            commands.apply(step)
        datastore: PostgresDatastore = app.factory.datastore  # type: ignore[attr-defined]
        recorder = app.recorder
        assert isinstance(recorder, PostgresApplicationRecorder)
        BatchRunner(
            recorder,
            app.name,
            open_projections(datastore),
            page_size=page_size,
            commit_pages=commit_pages,
        ).run_once()
        assert assert_rollups_add_up(datastore) > 0  # every change was late: days to compare


def test_occurred_and_clock_ahead_reads_take_only_their_rows(database_url: str) -> None:
    """A department's late deltas over two years (20 metrics, a row a day, a week of the month,
    a month and a year each) read as of 23 November a year back: the year before, the 10
    months before November, its 3 weeks before the 22nd and the 2 days since, a few index
    pages (before migration 0024 the scan walked every day row of every metric, both years).
    And the daily flows recorded ahead of their day come from the partial index of those rare
    rows, not from every late flow after the day."""
    history = f"{NAME}_department_area{HISTORY_SUFFIX}"
    where = "department = 'SASSA' AND level = 'district' AND code = 'DC22'"
    deltas = late_deltas(f"{NAME}_department_area", "%(day)s::date")
    flows = daily(AsOf(date(2025, 11, 23)), "%(day)s::date")
    with fresh_app(database_url) as app:
        datastore: PostgresDatastore = app.factory.datastore  # type: ignore[attr-defined]
        with datastore.transaction(commit=True) as curs:
            curs.execute(
                f"INSERT INTO {history} SELECT 'SASSA', 'district', 'DC22', 'ack_days:' || m, "
                f"'{OCCURRED}', DATE '2026-11-23' - d, 1 "
                "FROM generate_series(0, 729) d, generate_series(0, 19) m ORDER BY d, m"
            )  # a day's rows side by side, as the projector writes them: few heap pages
            for suffix, period in PERIODS.items():
                curs.execute(
                    f"INSERT INTO {history} SELECT department, level, code, metric, "
                    f"'{OCCURRED}{suffix}', {period} AS p, sum(value) FROM {history} "
                    f"WHERE basis = '{OCCURRED}' GROUP BY 1, 2, 3, 4, p ORDER BY p, 4"
                )
            curs.execute(f"ANALYZE {history}")
        with datastore.transaction(commit=False) as curs:
            curs.execute("SET LOCAL enable_seqscan = off")  # tiny tables: the indexes' plans
            curs.execute("SET LOCAL enable_bitmapscan = off")
            curs.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            deltas_plan = explain(curs, f"SELECT * FROM ({deltas}) r WHERE {where}")
            flows_plan = explain(
                curs, f"SELECT * FROM {flows} f WHERE level = 'district' AND code = 'DC22'"
            )
    parts = scans(deltas_plan, history)
    assert sorted(s["Actual Rows"] for s in parts) == [20, 20 * 2, 20 * 3, 20 * 10], deltas_plan
    pages = sum(s["Shared Hit Blocks"] + s["Shared Read Blocks"] for s in parts)
    assert pages <= 40, deltas_plan  # index and heap: the index alone is over 100 pages
    ahead = [s.get("Index Name") for s in scans(flows_plan, f"{NAME}_area_daily_recorded")]
    assert f"{NAME}_area_daily_recorded_ahead" in ahead, flows_plan


def explain(curs: Any, sql: str) -> dict[str, Any]:
    curs.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", {"day": date(2025, 11, 23)})
    row = curs.fetchone()
    assert row is not None
    plan = row["QUERY PLAN"]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return dict(plan[0]["Plan"])


def scans(plan: dict[str, Any], table: str) -> list[dict[str, Any]]:
    """Every scan node of ``table`` in an EXPLAIN (FORMAT JSON) plan."""
    found = [plan] if plan.get("Relation Name") == table else []
    for child in plan.get("Plans", []):
        found += scans(child, table)
    return found


def test_the_migration_fills_weeks_and_years_from_the_day_rows_already_there(
    database_url: str,
) -> None:
    """A database whose histories hold day rows without weeks or years (as the projector
    wrote them before migration 0024): the migration adds each key's weeks and years, summed
    from its day rows, so reads as of a day by occurred time need no rebuild."""
    (upgrade,) = [m for m in migrations() if m.name == "asof_history_by_period"]
    with fresh_app(database_url) as app:
        datastore: PostgresDatastore = app.factory.datastore  # type: ignore[attr-defined]
        with datastore.transaction(commit=True) as curs:
            # Given 400 days of day rows, some keys' days cancelling out
            curs.execute(
                f"INSERT INTO {NAME}_ward_needs{HISTORY_SUFFIX} SELECT 'w' || g % 3, 'water', "
                f"'D', 'M', '{OCCURRED}', DATE '2024-12-01' + g, g FROM generate_series(1, 400) g"
            )
            curs.execute(
                f"INSERT INTO {NAME}_department_area{HISTORY_SUFFIX} SELECT 'SASSA', 'district', "
                f"'DC22', 'm' || g % 4, '{OCCURRED}', DATE '2024-12-01' + g, 1 - g % 2 * 2 "
                "FROM generate_series(1, 400) g"
            )
        # When the migration runs over them
        with datastore.transaction(commit=True) as curs:
            curs.execute(upgrade.sql.encode())
        # Then the weeks and years are there, each the sum of its day rows
        with datastore.transaction(commit=False) as curs:
            for total in ("ward_needs", "department_area"):
                assert_periods_add_up(curs, total, (WEEKLY, YEARLY))
            curs.execute(
                f"SELECT count(*) AS n FROM {NAME}_ward_needs{HISTORY_SUFFIX} WHERE basis = %s",
                (OCCURRED + YEARLY,),
            )
            assert curs.fetchone() == {"n": 9}  # 3 wards, 3 years (2 Dec 2024 - 5 Jan 2026)
