"""The daily flows made in memory for empty tables (``daily_fresh``, a catch-up from zero) are
the rows PostgreSQL makes from the same flows, staged (``daily_flows``): into empty tables
(``WRITE_DAILY_FRESH``) and by the merge (``WRITE_DAILY``), with the ward weeks.

A hypothesis property draws ward flows of several weeks (recorded on their day, one later
day, several days, or ahead of the day) and compares the three tables' rows; a commit whose
tables were empty when probed but hold rows in its transaction merges as before.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from eventsourcing.postgres import PostgresDatastore
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.reference.geography import geography
from domain.rules.functionality import CORE_DEPARTMENTS
from projections.nerve_centre.daily_flows import write_daily
from projections.nerve_centre.daily_fresh import copy_daily, fresh_daily
from projections.nerve_centre.snapshots import DaySnapshots
from projections.nerve_centre.tables import AREA_DAILY, AREA_DAILY_RECORDED, WARD_WEEKS
from projections.nerve_centre.view import Changes
from tests.integration.helpers import table_rows
from tests.integration.test_asof_occurred_rollups import nerve_view
from tests.integration.test_projection_properties import fresh_app, wards

pytestmark = pytest.mark.slow

FIRST = date(2026, 3, 4)  # a Wednesday: the flows span three weeks
TABLES = (AREA_DAILY, AREA_DAILY_RECORDED, WARD_WEEKS)
Flows = dict[tuple[str, str, str, str, date, date], int]

flow = st.tuples(
    st.sampled_from(wards()),
    st.sampled_from(["visits", "profiles", "meetings", f"attended:{sorted(CORE_DEPARTMENTS)[0]}"]),
    st.integers(0, 12),
    st.sampled_from([0, 0, 1, 1, 2, -1]),  # recorded that many days after (-1: a clock ahead)
    st.integers(1, 3),
)


def _flows(drawn: list[tuple[str, str, int, int, int]]) -> Flows:
    """The drawn flows as a commit stages them: a ward's, by occurred and recorded day."""
    staged: Counter[tuple[str, str, str, str, date, date]] = Counter()
    for ward, metric, day, later, value in drawn:
        municipality, district, _ = geography().ancestors(ward)
        occurred = FIRST + timedelta(day)
        staged[(ward, municipality, district, metric, occurred, occurred + timedelta(later))] += (
            value
        )
    return dict(staged)


def _rows(datastore: PostgresDatastore, prefix: str) -> list[list[tuple[Any, ...]]]:
    return [table_rows(datastore, prefix + table) for table in TABLES]


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(drawn=st.lists(flow, min_size=1, max_size=40))
def test_fresh_rows_are_those_postgresql_makes_from_the_staged_flows(
    database_url: str, drawn: list[tuple[str, str, int, int, int]]
) -> None:
    flows = _flows(drawn)
    staged = [(*key, value) for key, value in flows.items()]
    with fresh_app(database_url) as app:
        datastore: PostgresDatastore = app.factory.datastore  # type: ignore[attr-defined]
        memory, fresh_sql = nerve_view(datastore), nerve_view(datastore, "sql_")
        merged = nerve_view(datastore, "merged_")
        with datastore.transaction(commit=True) as curs:
            copy_daily(memory, curs, fresh_daily(flows))
            write_daily(fresh_sql, curs, staged, fresh_sql.empty(curs))
            write_daily(merged, curs, staged, set())  # as into stored rows: the merge
        rows = _rows(datastore, "")
        assert rows == _rows(datastore, "sql_") == _rows(datastore, "merged_")
        assert rows[0], "no area_daily row"


def test_rows_that_came_in_since_the_probe_are_merged_not_copied(database_url: str) -> None:
    first = _flows([(wards()[0], "meetings", 0, 1, 2), (wards()[1], "visits", 3, 0, 1)])
    second = _flows([(wards()[0], "meetings", 0, 1, 1), (wards()[2], "profiles", 8, -1, 4)])
    with fresh_app(database_url) as app:
        datastore: PostgresDatastore = app.factory.datastore  # type: ignore[attr-defined]
        view, once = nerve_view(datastore), nerve_view(datastore, "once_")
        # Given a commit's parts built for empty tables (probed before its transaction)...
        parts = view.parts(Changes({}, {}, {}, second, {}, {}, {}, DaySnapshots()))
        begin = next(parts)
        # ...when another commit's flows come in first
        with datastore.transaction(commit=True) as curs:  # another projector's, say
            other = nerve_view(datastore)
            other.write(curs, Changes({}, {}, {}, first, {}, {}, {}, DaySnapshots()))
        with datastore.transaction(commit=True) as curs:
            begin(curs)
            for part in parts:
                part(curs)
        # then both are counted once, as one commit of all the flows writes them
        both = Counter(first) + Counter(second)
        with datastore.transaction(commit=True) as curs:
            once.write(curs, Changes({}, {}, {}, dict(both), {}, {}, {}, DaySnapshots()))
        assert _rows(datastore, "") == _rows(datastore, "once_")
