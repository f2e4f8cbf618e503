"""The work lists' open referrals, most overdue first, read by the index of their due dates
(migration 0028): the plan PostgreSQL runs for ``open_referrals`` (EXPLAIN ANALYZE) for a
province-wide reader reads a page's rows, not every open referral sorted (which it did: the
order was by days past, an expression no index held); for a municipality's reader, its area's
rows, by the generic plan too (which walked that index past the province's open referrals)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI

from domain.access.policy import row_scope
from domain.access.principal import Principal, Role
from domain.reference.geography import geography
from projections.nerve_centre.queries.board import open_referrals
from projections.nerve_centre.tables import REFERRALS
from tests.integration.test_quarantine_plan import Explained, nodes

pytestmark = pytest.mark.integration

OPEN_AND_CLOSED = 20_000
TODAY = date(2026, 11, 23)


async def fill(pool: Any) -> None:
    """OPEN_AND_CLOSED referrals to SASSA over the province's wards, in every status, due
    over a year."""
    wards = list(geography().wards)
    await pool.execute(
        f"INSERT INTO {REFERRALS} SELECT md5(n::text)::uuid, md5('h' || n)::uuid, 'n', "
        "'food', 'high', w.id, w.muni, w.dist, 'SASSA', "
        "(ARRAY['made','acknowledged','disputed','service_delivered','verified','closed',"
        "'rejected','cancelled'])[1 + n % 8], 0, $2::date - n % 365, NULL, NULL, NULL, NULL, "
        "$2::date - n % 365 + 7, $2::date - n % 365 + 30, 'v1', n "
        "FROM generate_series(1, $1) n, LATERAL (SELECT ($3::text[])[1 + n % $4] AS id, "
        "($5::text[])[1 + n % $4] AS muni, ($6::text[])[1 + n % $4] AS dist) w",
        OPEN_AND_CLOSED,
        TODAY,
        [w.id for w in wards],
        len(wards),
        [w.municipality_code for w in wards],
        [w.district_code for w in wards],
    )
    await pool.execute(f"ANALYZE {REFERRALS}")


async def test_a_province_board_reads_a_page_of_open_referrals_by_due_date(api: FastAPI) -> None:
    # Given 20,000 referrals over the province's wards, in every status, due over a year
    pool = api.state.read_pool
    await fill(pool)
    analyst = Principal(
        "a", "a", frozenset({Role.ANALYST}), frozenset({f"province:{geography().province.code}"})
    )
    db = Explained(pool)

    # When the analyst's board reads its 200 most overdue
    rows = await open_referrals(db, row_scope(analyst, "referral"), TODAY)

    # Then they are the most days past (earliest due first; delivered ones, with none, last)
    assert len(rows) == 200
    days = [r["days_past"] for r in rows]
    assert days == sorted(days, reverse=True) and days[0] == 357
    # And the plan reads about a page of the table through the index, with no sort
    [plan] = db.plans
    scans = [n for n in nodes(plan) if n.get("Relation Name") == REFERRALS]
    assert [n.get("Index Name") for n in scans] == ["nerve_centre_r_open_due"], plan
    assert sum(n["Actual Rows"] * n["Actual Loops"] for n in scans) <= 200, plan
    assert not [n for n in nodes(plan) if n["Node Type"] == "Sort"], plan


def _literal(value: Any) -> str:
    if isinstance(value, list):
        return "'{" + ",".join(value) + "}'"
    return f"'{value}'"


class Generic:
    """One connection that runs each statement by its generic plan, the one PostgreSQL caches
    for a prepared statement after its fifth call (asyncpg prepares every query), and keeps
    each plan (EXPLAIN ANALYZE runs it for real)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.plans: list[dict[str, Any]] = []

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        await self.conn.execute("SET plan_cache_mode = force_generic_plan")
        await self.conn.execute(f"PREPARE listed AS {sql}")
        # EXECUTE takes values, not parameters: this test's (dates, codes) written in.
        values = ", ".join(_literal(a) for a in args)
        plan = await self.conn.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE listed({values})")
        self.plans.append(json.loads(plan)[0]["Plan"])
        rows = list(await self.conn.fetch(f"EXECUTE listed({values})"))
        await self.conn.execute("DEALLOCATE listed; RESET plan_cache_mode")
        return rows


async def test_an_officers_inbox_reads_its_municipalitys_referrals_by_any_plan(
    api: FastAPI,
) -> None:
    # Given 20,000 referrals over the province's wards, and an officer of one municipality
    pool = api.state.read_pool
    await fill(pool)
    municipality = geography().wards[0].municipality_code
    officer = Principal(
        "o",
        "o",
        frozenset({Role.DEPARTMENT_OFFICER}),
        frozenset({f"municipality:{municipality}", "department:SASSA"}),
    )
    theirs = await pool.fetchval(
        f"SELECT count(*) FROM {REFERRALS} WHERE municipality = $1", municipality
    )

    # When its inbox reads its most overdue by the generic plan (as from the sixth call on)
    async with pool.acquire() as conn:
        db = Generic(conn)
        rows = await open_referrals(db, row_scope(officer, "referral"), TODAY)

    # Then they are its municipality's open ones, most days past first
    assert rows and {r["ward_id"] for r in rows} <= {
        w.id for w in geography().wards_in("municipality", municipality)
    }
    days = [r["days_past"] for r in rows]
    assert days == sorted(days, reverse=True)
    # And the plan read its municipality's rows, not the province's open ones by due date
    # (the generic plan walked that index, past every open referral of the province)
    [plan] = db.plans
    scans = [n for n in nodes(plan) if n.get("Relation Name") == REFERRALS]
    assert "nerve_centre_r_open_due" not in [n.get("Index Name") for n in scans], plan
    assert sum(n["Actual Rows"] * n["Actual Loops"] for n in scans) <= theirs, plan
