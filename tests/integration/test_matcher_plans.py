"""The matcher's statements reach rows through their indexes on a table with no statistics
yet (an import's growing index): the planner took each household or key for 1/200th of the
table, and a batch read every key row (its delete) or hashed every card (its block)."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from psycopg.sql import SQL, Composable

from domain.sukuma import Sukuma

pytestmark = pytest.mark.integration


def plan(application: Sukuma, statement: Composable, params: tuple[object, ...]) -> str:
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=False) as curs:
        curs.execute(SQL("EXPLAIN ") + statement, params)
        return "\n".join(row["QUERY PLAN"] for row in curs.fetchall())


def filled(application: Sukuma, rows: int = 20000) -> None:
    """An index of ``rows`` households of one key each, never analyzed."""
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=True) as curs:
        curs.execute(
            "WITH h AS (SELECT n, gen_random_uuid() AS id FROM generate_series(1, %s) AS n),"
            " c AS (INSERT INTO matcher_cards (household_id, ward_id, card)"
            " SELECT id, 'KZN225-W001', '\\x00' FROM h)"
            " INSERT INTO matcher_keys (key, household_id) SELECT n, id FROM h",
            (rows,),
        )


def test_a_batchs_old_keys_are_deleted_through_the_household_index(
    application: Sukuma,
) -> None:
    index: Any = application.duplicate_index
    filled(application)
    found = plan(application, index.sql_forget_keys, ([uuid4() for _ in range(80)],))
    assert "matcher_keys_household" in found and "Seq Scan on matcher_keys" not in found, found


def test_a_blocks_cards_are_read_by_their_key_not_hashed_whole(application: Sukuma) -> None:
    index: Any = application.duplicate_index
    filled(application)
    found = plan(application, index.sql_block, (list(range(1, 641)),))
    assert "matcher_cards_pkey" in found and "Seq Scan on matcher_cards" not in found, found
