"""The dashboards and the trends run on PostgreSQL's generic plan (``scoping.fetch_generic``):
planned once a connection, not for each call's values; a read left to PostgreSQL's choice (a
list, whose best plan depends on its area's size; the heat map) still gets its five custom
plans first, and the setting never outlives the read."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg
import pytest

from adapters.database import asyncpg_connect_kwargs
from domain.access.policy import Area, RowScope
from domain.reference.geography import geography
from projections.nerve_centre.queries import areas, cases
from projections.nerve_centre.queries.asof import AsOf
from projections.nerve_centre.queries.cases import HouseholdFilters
from projections.scoping import fetch_generic

pytestmark = pytest.mark.integration

TODAY = date(2026, 11, 23)
PROVINCE = RowScope(area=Area(province=True), department_area=Area(), departments=frozenset())
WARD = geography().wards_in("district", "DC22")[0].id
CALLS = 7  # past PostgreSQL's five custom plans before it may choose a generic one itself


async def plans(conn: Any) -> dict[str, tuple[int, int]]:
    """Each statement prepared on the connection: (generic plans, custom plans)."""
    rows = await conn.fetch(
        "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
    )
    return {r["statement"]: (r["generic_plans"], r["custom_plans"]) for r in rows}


async def test_area_reads_are_planned_generic_and_lists_stay_custom(fresh_db_url: str) -> None:
    # One connection, so every call prepares and plans on it.
    pool = await asyncpg.create_pool(min_size=1, max_size=1, **asyncpg_connect_kwargs(fresh_db_url))
    try:
        for _ in range(CALLS):
            await areas.dashboard(pool, "district", "DC22", TODAY)
            await areas.dashboard(pool, "province", "KZN", TODAY, AsOf(date(2025, 11, 23)))
            await areas.trends(pool, "province", "KZN", 12, TODAY, AsOf(date(2025, 11, 23)))
            await areas.trends(pool, "ward", WARD, 12, TODAY)
            await areas.needs_heatmap(pool, "district", "DC22")
            await cases.households_page(pool, HouseholdFilters(ward=WARD), PROVINCE, None, 25)
        async with pool.acquire() as conn:
            # the pool's release reset the setting
            assert await conn.fetchval("SHOW plan_cache_mode") == "auto"
            prepared = await plans(conn)
    finally:
        await pool.close()

    dashboards = [s for s in prepared if "'overdue'" in s]
    trends = [s for s in prepared if "isodow" in s]
    lists = [s for s in prepared if "household_id" in s and "$1" in s]
    heat_map = [s for s in prepared if "category" in s]
    assert len(dashboards) == 2 and len(trends) == 2 and lists and heat_map
    for statement in [*dashboards, *trends]:
        assert prepared[statement] == (CALLS, 0)
    for statement in [*lists, *heat_map]:
        generic, custom = prepared[statement]
        assert custom >= 5 and generic <= CALLS - 5


async def test_a_connection_passed_in_is_reset_after_the_read(fresh_db_url: str) -> None:
    conn = await asyncpg.connect(**asyncpg_connect_kwargs(fresh_db_url))
    try:
        rows = await fetch_generic(conn, "SELECT current_setting('plan_cache_mode')")
        assert [tuple(r) for r in rows] == [("force_generic_plan",)]
        assert await conn.fetchval("SHOW plan_cache_mode") == "auto"
        with pytest.raises(asyncpg.PostgresError):
            await fetch_generic(conn, "SELECT 1 / $1::int", 0)
        assert await conn.fetchval("SHOW plan_cache_mode") == "auto"
    finally:
        await conn.close()
