"""The bulk fills' ``indexes_after``: a table's indexes and keys dropped for the inserts, then
made again from their own definitions (the schema ends as the migrations made it)."""

from __future__ import annotations

import psycopg
import pytest

from bench._bulk import indexes_after
from projections.nerve_centre.tables import HOUSEHOLDS

pytestmark = pytest.mark.integration

SCHEMA = """SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid),
    (SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c WHERE c.conindid = i.indexrelid
     AND c.conrelid = i.indrelid)
    FROM pg_index i WHERE indrelid = %s::regclass ORDER BY 1"""


def test_the_indexes_are_gone_during_the_block_and_the_same_after(fresh_db_url: str) -> None:
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        before = conn.execute(SCHEMA, (HOUSEHOLDS,)).fetchall()
        with indexes_after(conn, [HOUSEHOLDS]):
            during = conn.execute(SCHEMA, (HOUSEHOLDS,)).fetchall()
            conn.execute(
                f"INSERT INTO {HOUSEHOLDS} (household_id, ward_id, municipality, district, "
                "status, risk_level, risk_score, open_needs, open_categories, high_needs, "
                "registered_at, last_contact_at, position) SELECT md5(g::text)::uuid, 'W', "
                "'M', 'D', 'active', 'low', 0, '{}', '{}', 0, now(), now(), g "
                "FROM generate_series(1, 100) g"
            )
        after = conn.execute(SCHEMA, (HOUSEHOLDS,)).fetchall()
        rows = conn.execute(
            f"SELECT count(*) FROM {HOUSEHOLDS} WHERE household_id = md5('7')::uuid"
        ).fetchone()
    assert len(before) >= 2 and any(key for _, _, key in before)  # a primary key and more
    assert during == []
    assert after == before
    assert rows == (1,)
