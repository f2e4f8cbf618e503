"""The migration that stores the nerve centre's snapshots as arrays converts every row in place."""

from __future__ import annotations

from datetime import date

import psycopg

from adapters.migrations import migrations
from projections.nerve_centre.history import SNAPSHOT_SUFFIX, SNAPSHOTS

DAY = date(2026, 3, 2)


def test_jsonb_snapshots_become_arrays_in_member_order_with_their_counts(
    fresh_db_url: str,
) -> None:
    [conversion] = [m for m in migrations() if m.name == "nerve_centre_snapshot_arrays"]
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        # Given snapshots as the migration before it kept them: one jsonb object a row
        for table in SNAPSHOTS:
            conn.execute(
                f"ALTER TABLE nerve_centre_{table}{SNAPSHOT_SUFFIX} DROP COLUMN members, "
                "DROP COLUMN counts, ADD COLUMN value jsonb NOT NULL"
            )
        conn.execute(
            "INSERT INTO nerve_centre_department_area_snapshots VALUES "
            """('DSD', 'district', 'DC21', %s, '{"received": 4, "ack_days:2": 1, """
            """"acknowledged": 3, "ack_days:10": 2}')""",
            (DAY,),
        )
        conn.execute(
            "INSERT INTO nerve_centre_open_due_late_snapshots VALUES "
            """('ward', 'W1', %s, '{"2026-03-10": 2, "2026-03-09": -1}'), """
            "('ward', 'W2', %s, '{}')",
            (DAY, DAY),
        )
        # When the migration runs
        conn.execute(conversion.sql.encode())
        # Then each row holds its members in the order the projector writes them (Python's
        # sort), their counts beside them, and an empty object became empty arrays
        league = conn.execute(
            "SELECT members, counts FROM nerve_centre_department_area_snapshots"
        ).fetchall()
        due = conn.execute(
            "SELECT code, members, counts FROM nerve_centre_open_due_late_snapshots ORDER BY code"
        ).fetchall()
        columns = conn.execute(
            "SELECT count(*) FROM information_schema.columns WHERE column_name = 'value' "
            "AND table_name LIKE 'nerve_centre_%_snapshots'"
        ).fetchone()
    members = sorted(["received", "ack_days:2", "acknowledged", "ack_days:10"])
    counts = {"received": 4, "ack_days:2": 1, "acknowledged": 3, "ack_days:10": 2}
    assert league == [(members, [counts[m] for m in members])]
    assert due == [
        ("W1", [date(2026, 3, 9), date(2026, 3, 10)], [-1, 2]),
        ("W2", [], []),
    ]
    assert columns == (0,)
