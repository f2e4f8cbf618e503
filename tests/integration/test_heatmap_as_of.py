"""The heat map as of a day by recorded time takes each ward's snapshot arrays whole
(``asof.latest_rows``), through the snapshot key that carries them (migration 0041): it must
answer exactly what the read a row a member (``asof.totals``, the dashboards' read) answers,
for any snapshots and any day, and the upgrade must leave every row as it was."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import asyncpg
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.database import asyncpg_connect_kwargs
from adapters.migrations import migrations
from domain.reference.geography import geography
from domain.vocabulary import NeedCategory
from projections.nerve_centre.queries import areas
from projections.nerve_centre.queries.asof import AsOf, totals
from projections.nerve_centre.tables import WARD_NEEDS

pytestmark = pytest.mark.slow

AREA = ("municipality", "KZN225")
WARDS = [w.id for w in geography().wards_in(*AREA)]
CATEGORIES = sorted(str(c) for c in NeedCategory)  # code-point order, as the projector's
SNAPSHOTS = f"{WARD_NEEDS}_snapshots"
FIRST = date(2025, 3, 30)  # a month's and a week's end fall in the days drawn

# a ward's snapshot: its members (never zero) as the projector writes them
members = st.dictionaries(
    st.sampled_from(CATEGORIES), st.integers(-3, 40).filter(bool), min_size=0, max_size=4
)
# a few wards of the area, each with snapshots on some of 20 days
snapshots = st.dictionaries(
    st.sampled_from(WARDS[:6]),
    st.dictionaries(st.integers(0, 19), members, min_size=1, max_size=5),
    min_size=1,
    max_size=4,
)


def write(url: str, drawn: dict[str, dict[int, dict[str, int]]]) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {SNAPSHOTS}")
        for ward, days in drawn.items():
            for offset, counts in days.items():
                ordered = sorted(counts)
                conn.execute(
                    f"INSERT INTO {SNAPSHOTS} (ward_id, day, members, counts) "
                    "VALUES (%s, %s, %s, %s)",
                    (ward, FIRST + timedelta(offset), ordered, [counts[m] for m in ordered]),
                )


async def by_member(db: Any, day: date) -> dict[str, dict[str, int]]:
    """The heat map's cells as the rows-a-member read answers them (the read before 0041)."""
    cells = {w: dict.fromkeys(CATEGORIES, 0) for w in WARDS}
    as_of = totals(WARD_NEEDS, AsOf(day), "$2", "SELECT unnest($1::text[]) AS ward_id")
    query = f"SELECT ward_id, category, value FROM {as_of} n WHERE ward_id = ANY($1::text[])"
    for r in await db.fetch(query, WARDS, day):
        cells[r["ward_id"]][r["category"]] = int(r["value"])
    return cells


async def both_reads(url: str, days: list[date]) -> list[tuple[Any, Any]]:
    db = await asyncpg.connect(**asyncpg_connect_kwargs(url))
    try:
        out = []
        for day in days:
            heatmap = await areas.needs_heatmap(db, *AREA, AsOf(day))
            cells = {w["ward_id"]: w["counts"] for w in heatmap["wards"]}
            assert all(w["total"] == sum(w["counts"].values()) for w in heatmap["wards"])
            out.append((cells, await by_member(db, day)))
        return out
    finally:
        await db.close()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(drawn=snapshots)
def test_the_heat_map_as_of_any_day_is_what_the_rows_a_member_add_up_to(
    fresh_db_url: str, drawn: dict[str, dict[int, dict[str, int]]]
) -> None:
    write(fresh_db_url, drawn)
    days = [FIRST + timedelta(n) for n in range(-1, 21)]
    for cells, expected in asyncio.run(both_reads(fresh_db_url, days)):
        assert cells == expected


def test_upgrade_puts_the_arrays_in_the_key_and_reads_the_same(fresh_db_url: str) -> None:
    [upgrade] = [m for m in migrations() if m.name == "asof19_ward_needs_snapshots_covering"]
    key = f"{SNAPSHOTS}_pkey"
    drawn = {
        WARDS[0]: {0: {CATEGORIES[0]: 2, CATEGORIES[1]: 1}, 5: {CATEGORIES[1]: 3}},
        WARDS[1]: {3: {CATEGORIES[2]: -1}},
    }
    days = [FIRST + timedelta(n) for n in range(-1, 7)]
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        # Given the key as it was before 0041, and snapshots written under it
        conn.execute(
            f"ALTER TABLE {SNAPSHOTS} DROP CONSTRAINT {key}, "
            f"ADD CONSTRAINT {key} PRIMARY KEY (ward_id, day)"
        )
    write(fresh_db_url, drawn)
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        rows = f"SELECT * FROM {SNAPSHOTS} ORDER BY ward_id, day"
        before_rows = conn.execute(rows).fetchall()
    before = asyncio.run(both_reads(fresh_db_url, days))

    # When upgraded
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        conn.execute(upgrade.sql.encode())
        conn.execute(f"VACUUM ANALYZE {SNAPSHOTS}")
        # Then the key, under its name, carries the arrays; the rows are as they were
        definition = conn.execute("SELECT pg_get_indexdef(%s::regclass)", (key,)).fetchone()
        assert definition is not None
        assert "(ward_id, day) INCLUDE (members, counts)" in definition[0]
        assert conn.execute(rows).fetchall() == before_rows
        # and the projector's upsert on the key still finds it
        conn.execute(
            f"INSERT INTO {SNAPSHOTS} (ward_id, day, members, counts) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (ward_id, day) DO UPDATE "
            "SET members = EXCLUDED.members, counts = EXCLUDED.counts",
            (WARDS[1], FIRST + timedelta(3), [CATEGORIES[2]], [-1]),
        )
        # and a ward's probe takes no heap page
        conn.execute("SET enable_seqscan = off")
        plan = conn.execute(
            f"EXPLAIN SELECT members, counts FROM {SNAPSHOTS} WHERE ward_id = %s "
            "AND day <= %s ORDER BY day DESC LIMIT 1",
            (WARDS[0], FIRST),
        ).fetchall()
        assert any("Index Only Scan" in line for (line,) in plan), plan
    after = asyncio.run(both_reads(fresh_db_url, days))
    assert after == before
    assert any(any(any(c.values()) for c in cells.values()) for cells, _ in after)
    for cells, expected in after:
        assert cells == expected
