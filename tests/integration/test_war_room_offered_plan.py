"""The households a war room's meeting form offers (its ward's with open needs, highest risk
first), read by the index of that order (migration 0033): the plan PostgreSQL runs for
``households_at_risk`` with a ward, and for the ids alone the page reads of them
(``household_ids_at_risk``), reads the 50 rows the form shows, where it read every
household of the ward, one heap page each, and sorted them (5.6 ms at 3 million households);
by the generic plan too, which PostgreSQL caches after a prepared statement's fifth call."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from domain.access.policy import row_scope
from domain.access.principal import Principal, Role
from domain.reference.geography import geography
from projections.nerve_centre.queries.board import household_ids_at_risk, households_at_risk
from projections.nerve_centre.tables import HOUSEHOLDS
from tests.integration.test_open_referrals_plan import Generic
from tests.integration.test_quarantine_plan import Explained, nodes

pytestmark = pytest.mark.integration

WARDS = 10
PER_WARD = 1_500
OFFERED = 50
INDEX = "nerve_centre_h_ward_risk"


async def fill(pool: Any, wards: list[Any]) -> None:
    """PER_WARD households in each ward: three in four with open needs, some unassessed (no
    score), one in fifty merged into another (its needs are on its survivor's row)."""
    await pool.execute(
        f"INSERT INTO {HOUSEHOLDS} (household_id, ward_id, municipality, district, status, "
        "risk_level, risk_score, open_needs, open_categories, high_needs, registered_at, "
        "position, merged_into) "
        "SELECT md5(n::text)::uuid, w.id, w.muni, w.dist, 'active', "
        "CASE WHEN n % 7 = 0 THEN NULL ELSE 'high' END, "
        "CASE WHEN n % 7 = 0 THEN NULL ELSE (n * 7919) % 100 END, "
        "CASE WHEN n % 4 = 0 THEN '{}'::jsonb "
        """ELSE '{"n1": ["food", "high", "2026-11-01"]}' END, """
        "CASE WHEN n % 4 = 0 THEN '{}'::text[] ELSE ARRAY['food'] END, 0, now(), n, "
        "CASE WHEN n % 50 = 1 THEN md5('s' || n)::uuid END "
        "FROM generate_series(1, $1) n, LATERAL (SELECT ($2::text[])[1 + n % $3] AS id, "
        "($4::text[])[1 + n % $3] AS muni, ($5::text[])[1 + n % $3] AS dist) w",
        PER_WARD * len(wards),
        [w.id for w in wards],
        len(wards),
        [w.municipality_code for w in wards],
        [w.district_code for w in wards],
    )
    await pool.execute(f"ANALYZE {HOUSEHOLDS}")


def _read_by_index(plan: dict[str, Any]) -> None:
    """The plan reads the households by the index of the form's order: its rows, no sort."""
    scans = [n for n in nodes(plan) if n.get("Relation Name") == HOUSEHOLDS]
    assert [n.get("Index Name") for n in scans] == [INDEX], plan
    assert sum(n["Actual Rows"] * n["Actual Loops"] for n in scans) <= OFFERED, plan
    assert not [n for n in nodes(plan) if n["Node Type"] == "Sort"], plan


def _highest_risk_first(rows: list[dict[str, Any]], ward: str, highest: int) -> None:
    assert len(rows) == OFFERED and {r["ward_id"] for r in rows} == {ward}
    assert all(r["open_needs"] for r in rows)
    scores = [r["risk_score"] for r in rows]
    assert scores == sorted(scores, reverse=True) and scores[0] == highest


async def test_a_war_rooms_meeting_form_reads_its_wards_households_at_risk_by_index(
    api: FastAPI,
) -> None:
    # Given 1,500 households in each of ten wards, and a convener of one of them
    pool = api.state.read_pool
    wards = list(geography().wards[:WARDS])
    await fill(pool, wards)
    ward = wards[3].id
    convener = Principal("c", "c", frozenset({Role.CONVENER}), frozenset({f"ward:{ward}"}))
    scope = row_scope(convener, "household")
    highest = await pool.fetchval(
        f"SELECT max(risk_score) FROM {HOUSEHOLDS} WHERE ward_id = $1 "
        "AND open_categories <> '{}' AND merged_into IS NULL",
        ward,
    )

    # When the room's page reads the households its meeting form offers
    db = Explained(pool)
    rows = await households_at_risk(db, scope, ward=ward, limit=OFFERED)

    # Then they are the ward's with open needs, highest risk first
    _highest_risk_first(rows, ward, highest)
    # And the plan read those 50 by the index, not the ward's 1,500 sorted
    [plan] = db.plans
    _read_by_index(plan)

    # And so does the generic plan (the page's sixth read of it on a connection, and after)
    async with pool.acquire() as conn:
        generic = Generic(conn)
        again = await households_at_risk(generic, scope, ward=ward, limit=OFFERED)
    assert [r["household_id"] for r in again] == [r["household_id"] for r in rows]
    [plan] = generic.plans
    _read_by_index(plan)

    # And the page reads only their ids (all the form shows but their names): the same
    # households in the same order, by the same index, by either plan
    db = Explained(pool)
    ids = await household_ids_at_risk(db, scope, ward, OFFERED)
    assert ids == [r["household_id"] for r in rows]
    [plan] = db.plans
    _read_by_index(plan)
    async with pool.acquire() as conn:
        # asyncpg would take the EXECUTE (the same text as the full rows' above, on the same
        # connection maybe) for the statement it prepared for those: its cache dropped first
        await conn.reload_schema_state()
        generic = Generic(conn)
        assert await household_ids_at_risk(generic, scope, ward, OFFERED) == ids
    [plan] = generic.plans
    _read_by_index(plan)
