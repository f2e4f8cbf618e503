"""The league's totals by occurred day (``occurred``) answer what the read they replace did.

By occurred time a league group as of D was its snapshot at D, less its late snapshot at D,
plus its late day rows up to D. Hypothesis draws a history of commands (as the projection
property test does; most changes late) and a runner projects it in drawn pages: for every day
that matters (each day any of those rows is on, and the day before), the group's latest row
up to the day, and the read (``asof.totals``), equal that sum; no row repeats the one before
it; and migration 0036, run over the same database with the rows removed, makes the same
rows. A second property draws league deltas at random (any occurred day, either sign, over
commits in any order, so a group's later rows are rewritten and days cancel out) through the
view's own write: each row is the running sum of the deltas up to its day, and the rows are
those of one commit of them all.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from eventsourcing.postgres import PostgresDatastore
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from adapters.migrations import migrations
from projections.nerve_centre.history import (
    HISTORY_SUFFIX,
    LATE_SUFFIX,
    OCCURRED,
    SNAPSHOT_SUFFIX,
    SNAPSHOTS,
)
from projections.nerve_centre.occurred import OCCURRED_SUFFIX, RUNNING, occurred_deltas
from projections.nerve_centre.queries.asof import AsOf, totals
from projections.nerve_centre.snapshots import DaySnapshots
from projections.nerve_centre.tables import NAME
from projections.nerve_centre.view import Changes
from tests.integration.helpers import table_rows
from tests.integration.test_asof_occurred_rollups import nerve_view, projected
from tests.integration.test_projection_properties import Step, fresh_app, histories

pytestmark = pytest.mark.slow

Rows = dict[tuple[Any, ...], dict[date, dict[Any, int]]]  # group -> day -> members


def _rows(curs: Any, table: str, width: int, where: str = "") -> Rows:
    curs.execute(f"SELECT * FROM {table} {where}")
    out: Rows = {}
    for row in curs.fetchall():
        values = tuple(row.values())
        members = dict(zip(row["members"], row["counts"], strict=True))
        out.setdefault(values[:width], {})[row["day"]] = members
    return out


def _latest(rows: dict[date, dict[Any, int]], day: date) -> dict[Any, int]:
    days = [d for d in rows if d <= day]
    return dict(rows[max(days)]) if days else {}


def assert_canonical(rows: Rows) -> None:
    """No group's row repeats the one before it, and none begins empty."""
    for group, days in rows.items():
        before: dict[Any, int] = {}
        for day in sorted(days):
            assert days[day] != before, (group, day)
            assert all(days[day].values()), (group, day)
            before = days[day]


def assert_league_as_before(datastore: PostgresDatastore) -> int:
    """Each league group's rows by occurred day, and the read, against its snapshot less its
    late snapshot plus its late day rows, on every day that matters. Returns the days compared."""
    compared = 0
    with datastore.transaction(commit=False) as curs:
        for total in RUNNING:
            table, shape = f"{NAME}_{total}", SNAPSHOTS[total]
            width = len(shape.group)
            running = _rows(curs, table + OCCURRED_SUFFIX, width)
            assert_canonical(running)
            snapshots = _rows(curs, table + SNAPSHOT_SUFFIX, width)
            late = _rows(curs, table + LATE_SUFFIX + SNAPSHOT_SUFFIX, width)
            curs.execute(f"SELECT * FROM {table}{HISTORY_SUFFIX} WHERE basis = %s", (OCCURRED,))
            history = [tuple(r.values()) for r in curs.fetchall()]
            groups = {*running, *snapshots, *late, *(r[:width] for r in history)}
            columns = ", ".join((*shape.group, shape.member))
            read = (
                f"SELECT {columns}, value FROM "
                f"{totals(table, AsOf(date.min, 'occurred'), '%(day)s::date', _groups(shape))} t"
            )
            for group in groups:
                days = {*running.get(group, {}), *snapshots.get(group, {}), *late.get(group, {})}
                days |= {r[width + 2] for r in history if r[:width] == group}
                for day in sorted(days | {d - timedelta(days=1) for d in days}):
                    expected = Counter(_latest(snapshots.get(group, {}), day))
                    expected.subtract(_latest(late.get(group, {}), day))
                    for r in history:
                        if r[:width] == group and r[width + 2] <= day:
                            expected[r[width]] += r[width + 3]
                    wanted = {m: v for m, v in expected.items() if v}
                    assert _latest(running.get(group, {}), day) == wanted, (total, group, day)
                    curs.execute(read, {"day": day, "group": list(group)})
                    assert {r[shape.member]: r["value"] for r in curs.fetchall()} == wanted
                    compared += 1
    return compared


def _groups(shape: Any) -> str:
    """One group, bound as ``%(group)s`` (an array of its columns' values)."""
    return "SELECT " + ", ".join(
        f"(%(group)s::text[])[{i + 1}] AS {c}" for i, c in enumerate(shape.group)
    )


def assert_migration_makes_the_same_rows(datastore: PostgresDatastore) -> None:
    """Migration 0036 over the database with the rows removed: the projector's rows."""
    (upgrade,) = [m for m in migrations() if m.name == "asof10_league_occurred_running"]
    tables = [f"{NAME}_{total}{OCCURRED_SUFFIX}" for total in RUNNING]
    made = [table_rows(datastore, table) for table in tables]
    with datastore.transaction(commit=True) as curs:
        curs.execute(f"TRUNCATE {', '.join(tables)}")
        curs.execute(upgrade.sql.encode())
    assert [table_rows(datastore, table) for table in tables] == made


@settings(
    max_examples=8,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories, page_size=st.integers(1, 50), commit_pages=st.integers(1, 4))
def test_league_by_occurred_day_answers_the_snapshots_less_late_plus_late_days(
    database_url: str, history: list[Step], page_size: int, commit_pages: int
) -> None:
    with projected(database_url, history, page_size, commit_pages) as datastore:
        assert_league_as_before(datastore)
        assert_migration_makes_the_same_rows(datastore)


# A league delta: (department, metric, occurred day, value).
DAYS = date(2025, 9, 1), date(2026, 2, 28)
RECORDED = date(2026, 3, 2)
league_delta = st.tuples(
    st.sampled_from(["SASSA", "DSD"]),
    st.sampled_from(["received", "acknowledged", "ack_days:3"]),
    st.dates(*DAYS),
    st.integers(-3, 3).filter(bool),
)


def _changes(deltas: list[tuple[str, str, date, int]]) -> Changes:
    """A commit of nothing but league deltas, by occurred day (as ``take`` makes them)."""
    dated: dict[tuple[date, date], dict[str, dict[Any, int]]] = {}
    for department, metric, day, value in deltas:
        area = dated.setdefault((RECORDED, day), {}).setdefault("department_area", {})
        key = (department, "district", "DC22", metric)
        area[key] = area.get(key, 0) + value
    return Changes(
        rows={},
        totals={},
        daily=[],
        fw_visits=[],
        snapshots=DaySnapshots(),
        occurred=occurred_deltas(dated),
        versions={},
        case_days=[],
    )


@settings(
    max_examples=25,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(commits=st.lists(st.lists(league_delta, min_size=1, max_size=12), min_size=1, max_size=8))
def test_rows_by_occurred_day_add_up_whatever_the_order_of_late_changes(
    database_url: str, commits: list[list[tuple[str, str, date, int]]]
) -> None:
    table = f"{NAME}_department_area{OCCURRED_SUFFIX}"
    everything = [d for deltas in commits for d in deltas]
    with fresh_app(database_url) as app:
        datastore: PostgresDatastore = app.factory.datastore  # type: ignore[attr-defined]
        view, once = nerve_view(datastore), nerve_view(datastore, "rebuild_")
        for deltas in commits:
            with datastore.transaction(commit=True) as curs:
                view.write(curs, _changes(deltas))
        with datastore.transaction(commit=True) as curs:
            once.write(curs, _changes(everything))
        with datastore.transaction(commit=False) as curs:
            rows = _rows(curs, table, 3)
        assert table_rows(datastore, table) == table_rows(datastore, f"rebuild_{table}")
    assert_canonical(rows)
    for department in ("SASSA", "DSD"):
        group = (department, "district", "DC22")
        for day in sorted({d for _, _, d, _ in everything} | {DAYS[0]}):
            expected: Counter[str] = Counter()
            for dept, metric, occurred, value in everything:
                if dept == department and occurred <= day:
                    expected[metric] += value
            wanted = {m: v for m, v in expected.items() if v}
            assert _latest(rows.get(group, {}), day) == wanted, (group, day)
