"""Daily flows all recorded on one later day keep one row (``area_daily.late_on``), not two.

A hypothesis property draws ward flows (occurred days, recorded on the day, after it or, a
clock ahead, before it) split over commits in any order, written through the view: the rows
are those of one commit of them all, a key's flows all recorded on one later day leave no
``area_daily_recorded`` row, and the flows as of every day by recorded time are the flows
recorded by then. Migration 0035 converts the rows the projector wrote before, in place: the
reads answer the same.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import psycopg
import pytest
from eventsourcing.postgres import PostgresDatastore
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.migrations import migrations
from domain.reference.geography import geography
from projections.nerve_centre.contributions import PROVINCE
from projections.nerve_centre.queries.asof import AsOf, daily
from projections.nerve_centre.snapshots import DaySnapshots
from projections.nerve_centre.tables import AREA_DAILY, AREA_DAILY_RECORDED
from projections.nerve_centre.view import Changes
from tests.integration.helpers import table_rows
from tests.integration.test_asof_occurred_rollups import nerve_view
from tests.integration.test_projection_properties import fresh_app, wards

pytestmark = pytest.mark.slow

FIRST = date(2026, 3, 1)
Flow = tuple[str, str, date, date, int]  # ward, metric, occurred day, recorded day, events

flow = st.tuples(
    st.sampled_from(wards()),
    st.sampled_from(["visits", "profiles"]),
    st.integers(0, 3),
    st.sampled_from([0, 0, 1, 1, 2, -1]),  # recorded that many days after (-1: a clock ahead)
    st.integers(1, 3),
).map(lambda f: (f[0], f[1], FIRST + timedelta(f[2]), FIRST + timedelta(f[2] + f[3]), f[4]))


def _changes(flows: list[Flow]) -> Changes:
    """A commit of nothing but ward flows, staged as the projection stages them."""
    staged: Counter[tuple[Any, ...]] = Counter()
    for ward, metric, day, recorded, value in flows:
        municipality, district, _ = geography().ancestors(ward)
        staged[(ward, municipality, district, metric, day, recorded)] += value
    return Changes({}, {}, {}, dict(staged), {}, {}, {}, DaySnapshots())


def _known(flows: list[Flow], day: date) -> list[tuple[Any, ...]]:
    """The flows recorded by the end of ``day``, by level, code, metric and occurred day."""
    known: Counter[tuple[Any, ...]] = Counter()
    for ward, metric, occurred, recorded, value in flows:
        if recorded <= day:
            municipality, district, _ = geography().ancestors(ward)
            for level, code in (
                ("ward", ward),
                ("municipality", municipality),
                ("district", district),
                ("province", PROVINCE),
            ):
                known[(level, code, metric, occurred)] += value
    return sorted((*key, value) for key, value in known.items())


def _read(datastore: PostgresDatastore, day: date) -> list[tuple[Any, ...]]:
    flows = daily(AsOf(day), "%(day)s::date")
    with datastore.transaction(commit=False) as curs:
        curs.execute(
            f"SELECT level, code, metric, day, value FROM {flows} f ORDER BY 1, 2, 3, 4",
            {"day": day},
        )
        return [tuple(r.values()) for r in curs.fetchall()]


# a database a drawn example, as the other view properties: slow, and the fixture's own
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(commits=st.lists(st.lists(flow, min_size=1, max_size=10), min_size=1, max_size=5))
def test_flows_late_on_one_day_keep_one_row_whatever_the_commits(
    database_url: str, commits: list[list[Flow]]
) -> None:
    flows = [f for fs in commits for f in fs]
    with fresh_app(database_url) as app:
        datastore: PostgresDatastore = app.factory.datastore  # type: ignore[attr-defined]
        view, once = nerve_view(datastore), nerve_view(datastore, "rebuild_")
        for part in commits:
            with datastore.transaction(commit=True) as curs:
                view.write(curs, _changes(part))
        with datastore.transaction(commit=True) as curs:
            once.write(curs, _changes(flows))
        for table in (AREA_DAILY, AREA_DAILY_RECORDED):
            assert table_rows(datastore, table) == table_rows(datastore, f"rebuild_{table}")
        recorded_on: dict[tuple[Any, ...], set[date]] = {}
        for ward, metric, occurred, recorded, _ in flows:
            recorded_on.setdefault((ward, metric, occurred), set()).add(recorded)
        with datastore.transaction(commit=False) as curs:
            curs.execute(
                f"SELECT code, metric, day, late_on FROM {AREA_DAILY} WHERE level = 'ward'"
            )
            for row in curs.fetchall():
                days = recorded_on[(row["code"], row["metric"], row["day"])]
                compact = len(days) == 1 and min(days) > row["day"]
                assert row["late_on"] == (min(days) if compact else None), row
            curs.execute(
                f"SELECT count(*) AS n FROM {AREA_DAILY_RECORDED} r JOIN {AREA_DAILY} d "
                "USING (level, code, metric, day) WHERE d.late_on IS NOT NULL"
            )
            assert curs.fetchone() == {"n": 0}  # a compact key has no row by recorded day
        for n in range(-1, 7):
            day = FIRST + timedelta(n)
            assert _read(datastore, day) == _known(flows, day), day


# The read as of a day by recorded time before migration 0035 (no late_on).
BEFORE = (
    f"SELECT level, code, metric, day, sum(value)::bigint FROM ("
    f"SELECT level, code, metric, day, value FROM {AREA_DAILY} WHERE day <= %(day)s "
    f"UNION ALL SELECT level, code, metric, day, -value FROM {AREA_DAILY_RECORDED} "
    "WHERE day <= %(day)s AND recorded > %(day)s "
    f"UNION ALL SELECT level, code, metric, day, value FROM {AREA_DAILY_RECORDED} "
    "WHERE day > %(day)s AND recorded <= %(day)s AND recorded < day"
    ") f GROUP BY 1, 2, 3, 4 HAVING sum(value) <> 0 ORDER BY 1, 2, 3, 4"
)


def test_upgrade_moves_each_late_total_onto_its_row_and_reads_the_same(fresh_db_url: str) -> None:
    [upgrade] = [m for m in migrations() if m.name == "catchup10_area_daily_late_on"]
    d1, d2, d3 = FIRST, FIRST + timedelta(1), FIRST + timedelta(2)
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        # Given the rows as the projector wrote them before: every late flow twice
        conn.execute(f"ALTER TABLE {AREA_DAILY} DROP COLUMN late_on")
        daily_rows = [
            ("late", d1, 3),  # all recorded on d3: one row after
            ("mixed", d1, 5),  # 2 recorded on d2, 3 on d1 (on time)
            ("two_days", d1, 4),  # 1 on d2, 3 on d3
            ("ahead", d3, 2),  # recorded on d2, before it occurred
            ("on_time", d2, 1),
        ]
        recorded_rows = [
            ("late", d1, d3, 3),
            ("mixed", d1, d2, 2),
            ("two_days", d1, d2, 1),
            ("two_days", d1, d3, 3),
            ("ahead", d3, d2, 2),
        ]
        for metric, day, value in daily_rows:
            conn.execute(
                f"INSERT INTO {AREA_DAILY} (level, code, metric, day, value) "
                "VALUES ('ward', 'W1', %s, %s, %s)",
                (metric, day, value),
            )
        for metric, day, recorded, value in recorded_rows:
            conn.execute(
                f"INSERT INTO {AREA_DAILY_RECORDED} VALUES ('ward', 'W1', %s, %s, %s, %s)",
                (metric, day, recorded, value),
            )
        days = [FIRST + timedelta(n) for n in range(-1, 5)]
        before = {day: conn.execute(BEFORE, {"day": day}).fetchall() for day in days}
        # When the migration runs
        conn.execute(upgrade.sql.encode())
        # Then the late total moved onto its row, and every other late flow stays
        late_on = conn.execute(
            f"SELECT metric, late_on FROM {AREA_DAILY} WHERE late_on IS NOT NULL"
        ).fetchall()
        kept = conn.execute(f"SELECT metric FROM {AREA_DAILY_RECORDED} ORDER BY 1").fetchall()
        assert late_on == [("late", d3)]
        assert [m for (m,) in kept] == ["ahead", "mixed", "two_days", "two_days"]
        assert any(before.values()), "the reads compared are not all empty"
    with psycopg.connect(fresh_db_url) as conn:
        flows = daily(AsOf(FIRST), "%(day)s::date")
        for day in days:
            after = conn.execute(
                f"SELECT level, code, metric, day, value FROM {flows} f ORDER BY 1, 2, 3, 4",
                {"day": day},
            ).fetchall()
            assert after == before[day], day
