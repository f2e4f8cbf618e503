"""Migration 0040 keeps the late deltas by day and week a row a group and day, no rebuild."""

from __future__ import annotations

from datetime import date

import psycopg

from adapters.migrations import migrations
from projections.nerve_centre.history import HISTORIES

DAY, WEEK = date(2026, 3, 2), date(2026, 3, 1)


def migration(name: str) -> str:
    (found,) = [m for m in migrations() if m.name == name]
    return found.sql


def test_member_rows_become_a_row_a_group_and_day_with_the_same_deltas(
    fresh_db_url: str,
) -> None:
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        # Given the late deltas a member a row, as before the migration (0011 made them)
        conn.execute(migration("asof_area_history").encode())  # CREATE ... IF NOT EXISTS
        conn.execute(
            "INSERT INTO nerve_centre_area_counts_history VALUES "
            "('ward', 'W1', 'risk_high', 'o', %(day)s, 2), "
            "('ward', 'W1', 'households', 'o', %(day)s, -1), "
            "('ward', 'W1', 'households', 'ow', %(week)s, -1), "
            "('ward', 'W1', 'risk_high', 'ow', %(week)s, 2), "
            "('ward', 'W2', 'households', 'o', %(day)s, 3), "
            "('district', 'DC21', 'households', 'o', %(week)s, 1)",
            {"day": DAY, "week": WEEK},
        )
        conn.execute(
            "INSERT INTO nerve_centre_open_due_history VALUES "
            "('ward', 'W1', '2026-03-10', 'o', %(day)s, 1), "
            "('ward', 'W1', '2026-03-09', 'o', %(day)s, -2)",
            {"day": DAY},
        )
        conn.execute(
            "INSERT INTO nerve_centre_ward_needs_history VALUES "
            "('W1', 'water', 'DC21', 'M1', 'o', %(day)s, 1), "
            "('W1', 'housing', 'DC21', 'M1', 'o', %(day)s, 4)",
            {"day": DAY},
        )
        # When the migration runs
        conn.execute(migration("nca15_late_days").encode())
        # Then each group's day (or week) is one row, its members sorted, their deltas beside,
        # and the old tables are gone
        counts = conn.execute(
            "SELECT level, code, basis, day, members, counts "
            "FROM nerve_centre_area_counts_late_days ORDER BY level DESC, code, basis, day"
        ).fetchall()
        due = conn.execute("SELECT * FROM nerve_centre_open_due_late_days").fetchall()
        needs = conn.execute("SELECT * FROM nerve_centre_ward_needs_late_days").fetchall()
        made = conn.execute("SELECT count(*) FROM nerve_centre_open_made_late_days").fetchone()
        keys = conn.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = 'nerve_centre_ward_needs_late_days'::regclass"
        ).fetchall()
        old = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE tablename = ANY(%s)",
            ([f"nerve_centre_{total}_history" for total in HISTORIES],),
        ).fetchone()
    assert counts == [
        ("ward", "W1", "o", DAY, ["households", "risk_high"], [-1, 2]),
        ("ward", "W1", "ow", WEEK, ["households", "risk_high"], [-1, 2]),
        ("ward", "W2", "o", DAY, ["households"], [3]),
        ("district", "DC21", "o", WEEK, ["households"], [1]),
    ]
    assert due == [("ward", "W1", "o", DAY, [date(2026, 3, 9), date(2026, 3, 10)], [-2, 1])]
    assert needs == [("W1", "o", DAY, ["housing", "water"], [4, 1])]
    assert made == (0,)
    ((name, definition),) = keys
    assert name == "nerve_centre_ward_needs_late_days_pkey"
    assert "(ward_id, basis, day)" in definition
    assert old == (0,)
