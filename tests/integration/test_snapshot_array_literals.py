"""The snapshot arrays go by text COPY as literals made in Python: PostgreSQL reads back the
very lists, whatever their members (quoted where a bare literal would mean otherwise)."""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg
import pytest

from projections.nerve_centre.history import array_literal

CASES: list[tuple[str, list[Any]]] = [
    ("text[]", []),
    ("text[]", ["households", "ack_days:3", "profile_month:2026-03", "attended:DSD"]),
    ("text[]", [""]),
    ("text[]", ["a b", 'say "x"', "back\\slash", "NULL", "null", "{x}", "a,b", "tab\there"]),
    ("text[]", ["umgwaqo_é", "x\ny"]),
    ("date[]", [date(2026, 3, 2), date(2025, 12, 31)]),
    ("bigint[]", [1, -2, 30, 0]),
]


@pytest.mark.parametrize(("kind", "values"), CASES)
def test_an_array_literal_copies_back_as_its_list(
    blank_db_url: str, kind: str, values: list[Any]
) -> None:
    with psycopg.connect(blank_db_url, autocommit=True) as conn:
        conn.execute(f"CREATE TEMP TABLE t (v {kind})")
        with conn.cursor().copy("COPY t (v) FROM STDIN") as copy:
            copy.write_row((array_literal(values),))
        row = conn.execute("SELECT v FROM t").fetchone()
    assert row is not None and row[0] == values
