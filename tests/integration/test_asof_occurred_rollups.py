"""Totals as of a day by occurred time read the late deltas' running totals by month, then the
month's weeks and the week's days: the roll-ups must answer exactly what the day rows add up
to, and each part must be a range scan or one probe a group.

Hypothesis draws a history of commands (as the projection property test does: every event
recorded now, occurred over the months before, so every change is late), a runner projects it
in drawn pages. Each week row must be the sum of its day rows, each month's running totals the
sum of the group's day rows up to that month's end (a row for each month with day rows, and
no other), and for every day that matters (each day a delta occurred on, the day before it,
its week's and month's ends), the deltas the read takes (``asof.late_deltas``) add up, key
by key, to the day rows that occurred by then. A second property draws late deltas at random
(any day, either sign, over commits in any order, so later months' running totals are
rewritten and months cancel out) through the view's own write: the same, and the same rows
as one commit of them all.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from adapters.migrations import Migration, migrations
from projections.nerve_centre.history import (
    HISTORIES,
    HISTORY_SUFFIX,
    LATE_SUFFIX,
    MEMBER_ROWS_SUFFIX,
    OCCURRED,
    SNAPSHOTS,
    WEEKLY,
    Dated,
    week_of_month,
)
from projections.nerve_centre.late_fresh import fresh_late, tables
from projections.nerve_centre.late_months import LATE_MONTHS_SUFFIX
from projections.nerve_centre.queries.asof import AsOf, daily, late_deltas
from projections.nerve_centre.tables import NAME, TOTAL_CONFLICTS, TOTAL_KEYS
from projections.nerve_centre.timings import Laps
from projections.nerve_centre.view import NerveCentreView
from projections.nerve_centre.writes import add_totals, copy_fresh
from projections.registry import open_projections
from projections.runner import BatchRunner
from tests.integration.helpers import table_rows
from tests.integration.test_projection_properties import History, Step, fresh_app, histories
from tests.integration.test_projection_properties import wards as some_wards

pytestmark = pytest.mark.slow


def days_that_matter(curs: Any, history: str) -> list[date]:
    """Each day a delta occurred on and the day before, and its month's and week's first
    days and the days before them (and the next week's and month's)."""
    curs.execute(f"SELECT DISTINCT day FROM {history} WHERE basis = %s", (OCCURRED,))
    days: set[date] = set()
    for (day,) in (tuple(r.values()) for r in curs.fetchall()):
        first, week = day.replace(day=1), week_of_month(day)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        starts = (first, week, week + timedelta(days=7), last + timedelta(days=1))
        days |= {day, day - timedelta(days=1), *starts, *(s - timedelta(days=1) for s in starts)}
    return sorted(days)


# Each roll-up's period of a day row: the projector's weeks of the month, and (migration
# 0024's, read no more since 0030) years.
YEARLY = "y"
PERIODS = {
    WEEKLY: "date_trunc('month', day)::date + (extract(day FROM day)::int - 1) / 7 * 7",
    YEARLY: "date_trunc('year', day)::date",
}


def member_rows(total: str) -> str:
    """A total's late day and week rows a member each, as they were before migration 0040 (a
    row a group and day, its members and deltas as arrays: ``late_days``). The league's
    (dropped by 0037, made again by some tests here) were never converted."""
    if total not in HISTORIES:
        return f"{NAME}_{total}{MEMBER_ROWS_SUFFIX} r"
    shape, history = SNAPSHOTS[total], f"{NAME}_{total}{HISTORY_SUFFIX}"
    return (
        f"(SELECT {', '.join(shape.group)}, u.member AS {shape.member}, basis, day, u.value "
        f"FROM {history} CROSS JOIN LATERAL unnest(members, counts) u(member, value)) r"
    )


def assert_periods_add_up(curs: Any, total: str, periods: tuple[str, ...]) -> None:
    """Each of a total's roll-up rows of ``periods`` is the sum of its day rows (and none is
    there where they add up to zero)."""
    shape = SNAPSHOTS[total]
    history = member_rows(total)
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


def assert_running_months_add_up(curs: Any, total: str) -> int:
    """A total's running totals by month: a row for each group and month with day rows (no
    other), each member's count the sum of its day rows up to the month's end (zeros left
    out). Returns the rows compared."""
    shape = SNAPSHOTS[total]
    group = ", ".join(shape.group)
    history = member_rows(total)
    curs.execute(
        f"SELECT {group}, month, members, counts "
        f"FROM {NAME}_{total}{LATE_MONTHS_SUFFIX} ORDER BY {group}, month"
    )
    stored = {
        tuple(r.values())[:-2]: dict(zip(r["members"], r["counts"], strict=True))
        for r in curs.fetchall()
    }
    curs.execute(
        f"SELECT DISTINCT {group}, date_trunc('month', day)::date AS month FROM {history} "
        f"WHERE basis = '{OCCURRED}'"
    )
    months = {tuple(r.values()) for r in curs.fetchall()}
    assert set(stored) == months, (total, sorted(set(stored) ^ months))
    curs.execute(
        f"SELECT {group}, {shape.member} AS member, day, value FROM {history} "
        f"WHERE basis = '{OCCURRED}'"
    )
    days = [tuple(r.values()) for r in curs.fetchall()]
    width = len(shape.group)
    for key, members in stored.items():
        expected: Counter[Any] = Counter()
        end = (key[width] + timedelta(days=32)).replace(day=1)
        for row in days:
            if row[:width] == key[:width] and row[width + 1] < end:
                expected[row[width]] += row[width + 2]
        assert members == {m: v for m, v in expected.items() if v}, (total, key)
    return len(stored)


def group_of(history: str, total: str) -> str:
    """Every group of a history's day rows (the read's ``groups``)."""
    return f"SELECT DISTINCT {', '.join(SNAPSHOTS[total].group)} FROM {history}"


def assert_rollups_add_up(datastore: PostgresDatastore) -> int:
    """For every history table: each week row is the sum of its day rows (none where they add
    up to zero), the running totals by month add up (``assert_running_months_add_up``), and
    for every day that matters the read's deltas (running totals, weeks, then days) equal the
    day rows up to the day, key by key. Returns the days compared."""
    compared = 0
    with datastore.transaction(commit=False) as curs:
        for total in HISTORIES:
            table, shape = f"{NAME}_{total}", SNAPSHOTS[total]
            columns = ", ".join((*shape.group, shape.member))
            history = f"{table}{HISTORY_SUFFIX}"
            assert_periods_add_up(curs, total, (WEEKLY,))
            assert_running_months_add_up(curs, total)
            by_read = (
                f"SELECT {columns}, sum(value)::bigint AS v FROM "
                f"({late_deltas(table, '%(day)s::date', group_of(history, total))}) r "
                f"GROUP BY {columns} HAVING sum(value) <> 0 ORDER BY {columns}"
            )
            by_day = (
                f"SELECT {columns}, sum(value)::bigint AS v FROM {member_rows(total)} "
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
    with projected(database_url, history, page_size, commit_pages) as datastore:
        assert assert_rollups_add_up(datastore) > 0  # every change was late: days to compare


@contextmanager
def projected(
    database_url: str, history: list[Step], page_size: int, commit_pages: int
) -> Iterator[PostgresDatastore]:
    """A drawn history applied, then projected in pages of ``page_size``: its database."""
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
        yield datastore


# A late delta: (district, metric, occurred day, value), of one area's counts or another's.
DAYS = date(2025, 9, 1), date(2026, 2, 28)
TODAY = date(2026, 3, 2)  # the late deltas' recorded day
late_delta = st.tuples(
    st.sampled_from(["DC22", "DC21"]),
    st.sampled_from(["received", "acknowledged", "ack_days:3"]),
    st.dates(*DAYS),
    st.integers(-3, 3).filter(bool),
)


def _write_late(
    view: NerveCentreView,
    curs: Any,
    total: str,
    deltas: list[tuple[str, str, date, int]],
    how: str = "staged",
) -> None:
    """A commit of nothing but late deltas to one total's day rows (as ``history`` makes):
    ``staged`` (``add_totals``), ``in_memory`` (rows made by ``late_fresh`` into its empty
    tables, as a catch-up's), or ``sent`` as a commit's part made for empty tables sends
    them (``_send_late``: COPYed if they are empty still, else staged)."""
    rows: Counter[Any] = Counter()
    dated: Dated = {}  # as a commit's changes hold them: recorded today
    for district, metric, day, value in deltas:
        rows[("district", district, metric, day)] += value
        key = ("district", district, metric)
        on = dated.setdefault((TODAY, day), {}).setdefault(total, {})
        on[key] = on.get(key, 0) + value
    table = f"{total}{HISTORY_SUFFIX}"
    changed = [(*key, value) for key, value in rows.items() if value]
    empty = view.empty(curs)
    if how == "sent":
        view._send_late(table, dated, fresh_late(table, dated), empty, Laps(), curs)
    elif how == "in_memory":
        assert tables(table) <= empty
        copy_fresh(view, curs, table, fresh_late(table, dated), Laps())
    else:
        add_totals(view, curs, table, TOTAL_KEYS[table], changed, empty, Laps())


def nerve_view(datastore: PostgresDatastore, prefix: str = "") -> NerveCentreView:
    (projection,) = open_projections(datastore, [NAME], table_prefix=prefix)
    assert isinstance(projection.view, NerveCentreView)
    return projection.view


@settings(
    max_examples=25,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(commits=st.lists(st.lists(late_delta, min_size=1, max_size=12), min_size=1, max_size=8))
def test_running_months_add_up_whatever_the_order_of_late_changes(
    database_url: str, commits: list[list[tuple[str, str, date, int]]]
) -> None:
    """Late deltas to a district's counts, any day of six months and either sign, in
    commits in any order (a commit's deltas often occur before months already written: their
    running totals are rewritten; a month's deltas may cancel out: its row goes). The running
    totals add up to the day rows, the read answers what they add up to on every day that
    matters, and the rows are those of one commit of every delta, by PostgreSQL from its
    stage or made in memory (``late_fresh``: a catch-up's into empty tables), or of the
    commits sent as parts made for empty tables (the first COPYed, the rest staged)."""
    total = "area_counts"
    with fresh_app(database_url) as app:
        datastore: PostgresDatastore = app.factory.datastore  # type: ignore[attr-defined]
        view, once = nerve_view(datastore), nerve_view(datastore, "rebuild_")
        in_memory, sent = nerve_view(datastore, "fresh_"), nerve_view(datastore, "sent_")
        for deltas in commits:
            with datastore.transaction(commit=True) as curs:
                _write_late(view, curs, total, deltas)
            with datastore.transaction(commit=True) as curs:
                _write_late(sent, curs, total, deltas, how="sent")
        every = [d for deltas in commits for d in deltas]
        with datastore.transaction(commit=True) as curs:
            _write_late(once, curs, total, every)
        with datastore.transaction(commit=True) as curs:
            _write_late(in_memory, curs, total, every, how="in_memory")
        with datastore.transaction(commit=False) as curs:
            assert_running_months_add_up(curs, total)
        assert_rollups_add_up(datastore)
        for suffix in (HISTORY_SUFFIX, LATE_MONTHS_SUFFIX):
            table = f"{NAME}_{total}{suffix}"
            assert table_rows(datastore, table) == table_rows(datastore, f"rebuild_{table}")
        for suffix in (HISTORY_SUFFIX, LATE_MONTHS_SUFFIX, LATE_SUFFIX):
            table = f"{NAME}_{total}{suffix}"
            for prefix in ("fresh_", "sent_"):
                assert table_rows(datastore, f"{prefix}{table}") == table_rows(
                    datastore, f"rebuild_{table}"
                ), prefix


def test_occurred_and_clock_ahead_reads_take_only_their_rows(database_url: str) -> None:
    """A district's late deltas over two years (20 metrics, a row a day and a week of the
    month each, and its running totals by month) read as of 23 November a year back: the
    running totals of October (one row), November's 3 weeks before the 22nd and the 2 days
    since, a few index pages (before migration 0024 the scan walked every day row of every
    metric, both years; before 0030 it read a year's row and 10 months of each metric too).
    And the daily flows recorded ahead of their day come from the partial index of those rare
    rows, not from every late flow after the day."""
    history = f"{NAME}_area_counts{HISTORY_SUFFIX}"
    day_rows = f"{NAME}_area_counts{MEMBER_ROWS_SUFFIX}"  # as before 0040, converted here
    months = f"{NAME}_area_counts{LATE_MONTHS_SUFFIX}"
    fill = migration("asof_late_running_months")
    district = "SELECT 'district'::text AS level, 'DC22'::text AS code"
    where = "level = 'district' AND code = 'DC22'"
    deltas = late_deltas(f"{NAME}_area_counts", "%(day)s::date", district)
    flows = daily(AsOf(date(2025, 11, 23)), "%(day)s::date")
    with fresh_app(database_url) as app:
        datastore: PostgresDatastore = app.factory.datastore  # type: ignore[attr-defined]
        with datastore.transaction(commit=True) as curs:
            before_0037(curs)  # the running totals' fill (0030) expects the histories of then
            curs.execute(
                f"INSERT INTO {day_rows} SELECT 'district', 'DC22', 'risk_' || m, "
                f"'{OCCURRED}', DATE '2026-11-23' - d, 1 "
                "FROM generate_series(0, 729) d, generate_series(0, 19) m ORDER BY d, m"
            )  # a day's rows side by side, as the projector writes them: few heap pages
            curs.execute(
                f"INSERT INTO {day_rows} SELECT level, code, metric, "
                f"'{OCCURRED}{WEEKLY}', {PERIODS[WEEKLY]} AS p, sum(value) FROM {day_rows} "
                f"WHERE basis = '{OCCURRED}' GROUP BY 1, 2, 3, p ORDER BY p, 3"
            )
            curs.execute(fill.sql.encode())  # the running totals by month, as an upgrade
            upgraded(curs)  # a row a day or week (of 20 metrics)
            curs.execute(f"ANALYZE {history}")
            curs.execute(f"ANALYZE {months}")
        with datastore.transaction(commit=False) as curs:
            curs.execute("SET LOCAL enable_seqscan = off")  # tiny tables: the indexes' plans
            curs.execute("SET LOCAL enable_bitmapscan = off")
            curs.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            deltas_plan = explain(curs, f"SELECT * FROM ({deltas}) r WHERE {where}")
            flows_plan = explain(
                curs, f"SELECT * FROM {flows} f WHERE level = 'district' AND code = 'DC22'"
            )
            curs.execute(
                f"SELECT members, counts FROM {months} WHERE {where} AND month = '2025-10-01'"
            )
            october = curs.fetchone()
    assert october is not None
    assert set(october["counts"]) == {(date(2025, 11, 1) - date(2024, 11, 24)).days}
    parts = scans(deltas_plan, history)
    assert sorted(s["Actual Rows"] for s in parts) == [2, 3], deltas_plan  # 20 metrics each
    (probe,) = scans(deltas_plan, months)
    assert probe["Actual Rows"] == 1, deltas_plan  # October's row: 20 metrics in two arrays
    pages = sum(s["Shared Hit Blocks"] + s["Shared Read Blocks"] for s in [*parts, probe])
    assert pages <= 20, deltas_plan  # index and heap: the day rows' index alone is 100+ pages
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


def migration(name: str) -> Migration:
    (found,) = [m for m in migrations() if m.name == name]
    return found


def upgraded(curs: Any) -> None:
    """Migration 0040 over the day rows a member a row (``before_0037``'s, as 0011 made them):
    a row a group and day (``late_days``), the old tables dropped."""
    curs.execute(migration("nca15_late_days").sql.encode())


def before_0037(curs: Any) -> None:
    """The late tables (empty) as a database before migrations 0037 and 0040 has them (the
    day rows a member a row): the earlier migrations run again here over today's schema
    expect them (0011 makes them)."""
    curs.execute(migration("asof_area_history").sql.encode())  # CREATE ... IF NOT EXISTS


def insert_league_days(curs: Any) -> None:
    """400 days of a league row's day rows from 2 December 2024: 4 metrics, each a day of +1
    then a day of -1 (some months' days cancelling out)."""
    curs.execute(
        f"INSERT INTO {NAME}_department_area{MEMBER_ROWS_SUFFIX} SELECT 'SASSA', 'district', "
        f"'DC22', 'm' || g % 4, '{OCCURRED}', DATE '2024-12-01' + g, 1 - g % 2 * 2 "
        "FROM generate_series(1, 400) g"
    )


def test_the_migration_fills_weeks_and_years_from_the_day_rows_already_there(
    database_url: str,
) -> None:
    """A database whose histories hold day rows without weeks or years (as the projector
    wrote them before migration 0024): the migration adds each key's weeks and years, summed
    from its day rows, so reads as of a day by occurred time need no rebuild."""
    upgrade = migration("asof_history_by_period")
    with fresh_app(database_url) as app:
        datastore: PostgresDatastore = app.factory.datastore  # type: ignore[attr-defined]
        with datastore.transaction(commit=True) as curs:
            before_0037(curs)
            # Given 400 days of day rows, some keys' days cancelling out
            curs.execute(
                f"INSERT INTO {NAME}_ward_needs{MEMBER_ROWS_SUFFIX} SELECT 'w' || g % 3, 'water', "
                f"'D', 'M', '{OCCURRED}', DATE '2024-12-01' + g, g FROM generate_series(1, 400) g"
            )
            insert_league_days(curs)
        # When the migration runs over them (and 0040 after it)
        with datastore.transaction(commit=True) as curs:
            curs.execute(upgrade.sql.encode())
            upgraded(curs)
        # Then the weeks and years are there, each the sum of its day rows
        with datastore.transaction(commit=False) as curs:
            for total in ("ward_needs", "department_area"):
                assert_periods_add_up(curs, total, (WEEKLY, YEARLY))
            curs.execute(
                f"SELECT count(*) AS n FROM {NAME}_ward_needs{HISTORY_SUFFIX} WHERE basis = %s",
                (OCCURRED + YEARLY,),
            )
            assert curs.fetchone() == {"n": 9}  # 3 wards, 3 years (2 Dec 2024 - 5 Jan 2026)
            # (after 0040 a row a ward and year: its one category)


def test_the_migration_fills_running_months_from_the_day_rows_already_there(
    database_url: str,
) -> None:
    """A database as migration 0024 left it (day rows with their weeks, months and years):
    0030 adds each group's running totals by month, summed from its day rows (a month whose
    days cancel out keeps a row, of empty arrays where every sum is zero), and drops the
    months and years, so reads as of a day by occurred time answer as before, no rebuild."""
    by_period, upgrade = migration("asof_history_by_period"), migration("asof_late_running_months")
    with fresh_app(database_url) as app:
        datastore: PostgresDatastore = app.factory.datastore  # type: ignore[attr-defined]
        with datastore.transaction(commit=True) as curs:
            before_0037(curs)
            # Given 400 days of day rows, some keys' days cancelling out, and their roll-ups
            curs.execute(
                f"INSERT INTO {NAME}_ward_needs{MEMBER_ROWS_SUFFIX} SELECT 'w' || g % 3, "
                f"(ARRAY['water', 'housing'])[1 + g % 2], 'D', 'M', '{OCCURRED}', "
                "DATE '2024-12-01' + g, g % 5 - 2 FROM generate_series(1, 400) g WHERE g % 5 <> 2"
            )
            insert_league_days(curs)
            curs.execute(by_period.sql.encode())
            for total in ("ward_needs", "department_area"):
                history, keys = f"{NAME}_{total}{MEMBER_ROWS_SUFFIX}", TOTAL_KEYS[total]
                cols = ", ".join(keys)
                conflict = ", ".join((*TOTAL_CONFLICTS.get(total, keys), "basis", "day"))
                curs.execute(
                    f"INSERT INTO {history} SELECT {cols}, 'om', date_trunc('month', day) AS m, "
                    f"sum(value) FROM {history} WHERE basis = '{OCCURRED}' "
                    f"GROUP BY {cols}, m HAVING sum(value) <> 0 ON CONFLICT ({conflict}) DO NOTHING"
                )
        # When the migration runs over them
        with datastore.transaction(commit=True) as curs:
            curs.execute(upgrade.sql.encode())
            upgraded(curs)  # (and 0040 after it)
        # Then the running totals are there, the months and years gone, and the reads the same
        with datastore.transaction(commit=False) as curs:
            assert assert_running_months_add_up(curs, "ward_needs") == 3 * 14  # Dec 2024-Jan 2026
            assert assert_running_months_add_up(curs, "department_area") == 14
            curs.execute(
                f"SELECT count(*) AS n FROM {NAME}_ward_needs{HISTORY_SUFFIX} "
                "WHERE basis IN ('om', 'oy')"
            )
            assert curs.fetchone() == {"n": 0}
        assert assert_rollups_add_up(datastore) > 0
