"""The quarantine list stays one indexed read of a convener's own entries on a full view: the
plan PostgreSQL runs for ``quarantine_page`` (EXPLAIN ANALYZE) reads the convener's rows, not
the table (a regression to a scan of every kept submission fails here)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI

from domain.access.policy import row_scope
from domain.access.principal import Principal, Role
from domain.reference.geography import geography
from projections.field_capture.queries import quarantine_page
from projections.field_capture.view import QUARANTINE, QUARANTINE_PLACES

pytestmark = pytest.mark.integration

WARDS = 40
PER_WARD = 500


class Explained:
    """The read pool, with each query's plan kept (EXPLAIN ANALYZE runs it for real)."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.plans: list[dict[str, Any]] = []

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        plan = await self.pool.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", *args)
        self.plans.append(json.loads(plan)[0]["Plan"])
        return list(await self.pool.fetch(sql, *args))


def nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(n for child in plan.get("Plans", []) for n in nodes(child))]


async def fill(pool: Any, wards: list[Any]) -> None:
    """PER_WARD open entries in each ward, interleaved in the log as a morning's would be."""
    async with pool.acquire() as conn:
        await conn.execute(
            f"INSERT INTO {QUARANTINE} (quarantine_id, position, version, instance_id, form_id, "
            "submitted_by, household_id, wards, field, reason, status, quarantined_at) "
            "SELECT md5(n::text)::uuid, n, 1, 'uuid:' || n, 'household_registration', 'x', "
            "NULL, ARRAY[w.ids[1 + n % $2]], 'ward_id', 'unknown ward', 'open', now() "
            "FROM generate_series(1, $1) n, (SELECT $3::text[] AS ids) w",
            WARDS * PER_WARD,
            WARDS,
            [w.id for w in wards],
        )
        await conn.executemany(
            f"INSERT INTO {QUARANTINE_PLACES} (quarantine_id, ward_id, municipality, district, "
            f"position, status) SELECT quarantine_id, $1, $2, $3, position, status "
            f"FROM {QUARANTINE} WHERE wards[1] = $1",
            [(w.id, w.municipality_code, w.district_code) for w in wards],
        )
        await conn.execute(f"ANALYZE {QUARANTINE}; ANALYZE {QUARANTINE_PLACES}")


async def test_a_conveners_quarantine_page_reads_its_ward_rows_not_the_table(api: FastAPI) -> None:
    # Given 20,000 kept submissions over 40 wards, 500 in the convener's ward
    wards = list(geography().wards)[:WARDS]
    await fill(api.state.read_pool, wards)
    convener = Principal("c", "c", frozenset({Role.CONVENER}), frozenset({f"ward:{wards[0].id}"}))
    db = Explained(api.state.read_pool)

    # When the convener reads a first page of 50 and a page from the middle of its entries
    first, after = await quarantine_page(db, row_scope(convener, "quarantine"), "open", 0, 50)
    middle, _ = await quarantine_page(db, row_scope(convener, "quarantine"), "open", 10_000, 50)

    # Then both pages are the ward's, and neither plan reads more than a few pages' rows
    # (the scan it must never become reads all 20,000) nor scans a table
    assert len(first) == len(middle) == 50 and after is not None
    assert {r["wards"][0] for r in first + middle} == {wards[0].id}
    for plan in db.plans:
        tables = (QUARANTINE, QUARANTINE_PLACES)
        scans = [n for n in nodes(plan) if n.get("Relation Name") in tables]
        read = sum(n["Actual Rows"] * n["Actual Loops"] for n in scans)
        assert read <= 6 * 50, (read, [(n["Node Type"], n.get("Index Name")) for n in scans])
        assert not [n for n in scans if n["Node Type"] == "Seq Scan"], plan
