"""The work lists of a few areas read a page's worth of rows, not every row of the area sorted
(migration 0033): a convener's households and board (its ward), an officer's inbox (its
department in its municipality), by the plan PostgreSQL makes for the values and by the
generic one it caches after five calls; and a scope of several overlapping areas still lists
exactly its rows, each once, in the list's order, on the pages as in the queries."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI

from domain.access.policy import RowScope, row_scope
from domain.access.principal import Principal, Role
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from domain.vocabulary import TERMINAL_REFERRAL_STATUSES
from projections.nerve_centre.contributions import due_date
from projections.nerve_centre.queries.board import households_at_risk, open_referrals
from projections.nerve_centre.tables import HOUSEHOLDS, REFERRALS
from projections.scoping import Where, scoped
from tests.integration.test_open_referrals_plan import Generic
from tests.integration.test_quarantine_plan import Explained, nodes
from tests.integration.test_web_pages import browser, sign_in, user
from tests.integration.test_web_pages import web as web

pytestmark = pytest.mark.integration

TODAY = date(2026, 11, 23)
#: Rows of one ward, and of its municipality's other wards: several pages' worth of each.
PER_WARD = 1_500
WARD = geography().wards[0]
NEIGHBOURS = [w for w in geography().wards_in("municipality", WARD.municipality_code) if w != WARD][
    :3
]
ELSEWHERE = next(w for w in geography().wards if w.municipality_code != WARD.municipality_code)
DEPARTMENTS = ["SASSA", "DHA", "DSD"]
STATUSES = ["made", "acknowledged", "disputed", "service_delivered", "closed", "rejected"]


async def fill(pool: Any) -> None:
    """PER_WARD households (a fifth without open needs, a few merged, a few not assessed) and
    PER_WARD referrals (in every status, to three departments, due over a year) in the ward,
    in three more wards of its municipality and in a ward elsewhere, interleaved as a log
    leaves them."""
    wards = [WARD, *NEIGHBOURS, ELSEWHERE]
    args = (
        PER_WARD * len(wards),
        [w.id for w in wards],
        [w.municipality_code for w in wards],
        [w.district_code for w in wards],
        len(wards),
    )
    await pool.execute(
        f"INSERT INTO {HOUSEHOLDS} (household_id, ward_id, municipality, district, status, "
        "risk_level, risk_score, open_needs, open_categories, high_needs, registered_at, "
        "position, merged_into) SELECT md5('h' || n)::uuid, w.id, w.muni, w.dist, 'active', "
        "'high', CASE WHEN n % 17 = 0 THEN NULL ELSE (n * 37) % 100 END, $6::jsonb, "
        "CASE WHEN n % 7 = 3 THEN '{}'::text[] ELSE ARRAY['water'] END, 0, now(), n, "
        "CASE WHEN n % 23 = 0 THEN md5('survivor')::uuid END "
        "FROM generate_series(1, $1) n, LATERAL (SELECT ($2::text[])[1 + n % $5] AS id, "
        "($3::text[])[1 + n % $5] AS muni, ($4::text[])[1 + n % $5] AS dist) w",
        *args,
        '{"n1": ["water", "high", "2026-11-01"]}',
    )
    await pool.execute(
        f"INSERT INTO {REFERRALS} (referral_id, household_id, need_id, category, severity, "
        "ward_id, municipality, district, department, status, escalation_level, made_at, "
        "ack_by, deliver_by, standard_version, position) SELECT md5('r' || n)::uuid, "
        "md5('h' || n)::uuid, 'n', 'food', 'high', w.id, w.muni, w.dist, "
        "($7::text[])[1 + n / 7 % 3], ($8::text[])[1 + n % 6], 0, "
        "$6::date - n % 365, $6::date - n % 365 + 7, $6::date - n % 365 + 30, 'v1', n "
        "FROM generate_series(1, $1) n, LATERAL (SELECT ($2::text[])[1 + n % $5] AS id, "
        "($3::text[])[1 + n % $5] AS muni, ($4::text[])[1 + n % $5] AS dist) w",
        *args,
        TODAY,
        DEPARTMENTS,
        STATUSES,
    )
    await pool.execute(f"ANALYZE {HOUSEHOLDS}, {REFERRALS}")


def principal(roles: set[Role], *scopes: str) -> Principal:
    return Principal("p", "p", frozenset(roles), frozenset(scopes))


CONVENER = principal({Role.CONVENER}, f"ward:{WARD.id}")
OFFICER = principal(
    {Role.DEPARTMENT_OFFICER}, f"municipality:{WARD.municipality_code}", "department:SASSA"
)


def read_of(plan: dict[str, Any], table: str) -> int:
    """Rows the plan read from ``table`` (every scan of it, every loop)."""
    scans = [n for n in nodes(plan) if n.get("Relation Name") == table]
    assert scans, plan
    return sum(n["Actual Rows"] * n["Actual Loops"] for n in scans)


async def reference(pool: Any, scope: RowScope, kind: str, limit: int) -> list[Any]:
    """The list's first ``limit`` ids as the scope's one WHERE clause (``scoped``) and the
    lists' rules define them: every row in scope read, filtered and sorted here."""
    q = Where()
    scoped(q, scope)
    table = REFERRALS if kind == "referral" else HOUSEHOLDS
    rows = [dict(r) for r in await pool.fetch(f"SELECT * FROM {table}{q.clause()}", *q.args)]
    if kind == "referral":
        listed = [r for r in rows if r["status"] not in TERMINAL_REFERRAL_STATUSES]
        # most overdue first: earliest due first, none (delivered) last
        listed.sort(key=lambda r: (due_date(r) or date.max, r["made_at"], r["referral_id"]))
        return [r["referral_id"] for r in listed[:limit]]
    listed = [r for r in rows if r["open_categories"] and r["merged_into"] is None]
    listed.sort(key=lambda r: (r["risk_score"] is None, -(r["risk_score"] or 0), r["household_id"]))
    return [r["household_id"] for r in listed[:limit]]


async def listed(db: Any, scope: RowScope, kind: str, limit: int) -> list[Any]:
    """The ids of a work list's first ``limit`` rows of ``kind``."""
    if kind == "referral":
        return [r["referral_id"] for r in await open_referrals(db, scope, TODAY, limit=limit)]
    return [r["household_id"] for r in await households_at_risk(db, scope, limit=limit)]


LISTS = {
    "a convener's households": (CONVENER, "household", 100),
    "a convener's board": (CONVENER, "referral", 200),
    "an officer's inbox": (OFFICER, "referral", 200),
}


@pytest.mark.parametrize(("reader", "kind", "page"), LISTS.values(), ids=list(LISTS))
async def test_a_work_list_of_an_area_reads_a_page_of_rows_by_any_plan(
    api: FastAPI, reader: Principal, kind: str, page: int
) -> None:
    # Given a ward with over a thousand households with open needs and open referrals, and
    # a municipality with over a thousand open referrals to each of three departments
    pool = api.state.read_pool
    await fill(pool)
    scope = row_scope(reader, kind)
    async with pool.acquire() as conn:
        for db in (Explained(pool), Generic(conn)):
            # When the reader's list reads its first page (by each plan)
            rows = await listed(db, scope, kind, page)

            # Then it is the scope's first page in the list's order
            assert rows == await reference(pool, scope, kind, page)
            # And the plan read that page of the table, by an index in the list's order (it
            # read every row of the area, over a thousand, and sorted them)
            [plan] = db.plans
            assert read_of(plan, REFERRALS if kind == "referral" else HOUSEHOLDS) == page, plan


async def test_a_scope_of_overlapping_areas_lists_its_rows_once_in_order(api: FastAPI) -> None:
    # Given the rows above, and a reader whose scopes overlap: a convener of the ward and
    # of a ward elsewhere who is also an officer of two departments in the ward's
    # municipality (which holds the ward)
    pool = api.state.read_pool
    await fill(pool)
    both = principal(
        {Role.CONVENER, Role.DEPARTMENT_OFFICER},
        f"ward:{WARD.id}",
        f"ward:{ELSEWHERE.id}",
        f"municipality:{WARD.municipality_code}",
        "department:SASSA",
        "department:DHA",
    )
    for kind, limit in (("referral", 50), ("referral", 10_000), ("household", 70)):
        scope = row_scope(both, kind)

        # When its lists read a page (and a page larger than everything in scope)
        rows = await listed(pool, scope, kind, limit)

        # Then they are the scope's rows in the list's order, each once
        assert rows == await reference(pool, scope, kind, limit)
        assert len(set(rows)) == len(rows) > 0


async def test_the_households_page_lists_the_wards_highest_risk_households(
    web: FastAPI, application: Sukuma
) -> None:
    # Given a ward's households and its convener
    await fill(web.state.read_pool)
    async with browser(web) as http:
        signed_in = await sign_in(
            http, user(application, "convener", Role.CONVENER, f"ward:{WARD.id}")
        )
        assert signed_in.status_code == 303

        # When the convener opens the households page
        page = await http.get("/households")

        # Then it lists the ward's 100 highest-risk households with open needs, in order
        assert page.status_code == 200
        shown = re.findall(r'href="/households/([0-9a-f-]{36})"', page.text)
        expected = await reference(
            web.state.read_pool, row_scope(CONVENER, "household"), "household", 100
        )
        assert shown == [str(h) for h in expected]
