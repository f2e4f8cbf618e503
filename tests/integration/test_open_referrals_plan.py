"""The work lists' open referrals, most overdue first, read by the index of their due dates
(migration 0028): the plan PostgreSQL runs for ``open_referrals`` (EXPLAIN ANALYZE) for a
province-wide reader reads a page's rows, not every open referral sorted (which it did: the
order was by days past, an expression no index held)."""

from __future__ import annotations

from datetime import date

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


async def test_a_province_board_reads_a_page_of_open_referrals_by_due_date(api: FastAPI) -> None:
    # Given 20,000 referrals over the province's wards, in every status, due over a year
    pool = api.state.read_pool
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
