"""The daily flows' writes: a commit's flows, staged once a ward, spread to every level.

Apart from the view (``NerveCentreView.write`` calls it) as the flows are apart from the
totals: keyed by occurred day already, they add and never fall to zero.
"""

from __future__ import annotations

from typing import Any

from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from projections.base import BufferedView
from projections.nerve_centre.contributions import PROVINCE
from projections.nerve_centre.ward_weeks import WRITE_WARD_WEEKS


def write_daily(view: BufferedView, curs: Cursor[DictRow], rows: list[tuple[Any, ...]]) -> None:
    """Add a commit's flows, staged once a ward, to ``area_daily`` at every level and,
    those recorded on another day than they occurred, to ``area_daily_recorded``.

    Spread and summed here rather than in Python: a ward's flow is one staged row, not
    four keys built and two tables' rows copied. Flows only ever add (a total never falls
    to zero, unlike the totals: ``NerveCentreView._add``).
    """
    stage = Identifier(f"stage_{view.prefix}_ward_daily")
    curs.execute(
        SQL(
            "CREATE TEMP TABLE IF NOT EXISTS {0} (ward_id text, municipality text, "
            "district text, metric text, day date, recorded date, value bigint) "
            "ON COMMIT DELETE ROWS"
        ).format(stage)
    )
    with curs.copy(SQL("COPY {0} FROM STDIN (FORMAT BINARY)").format(stage)) as copy:
        copy.set_types(["text", "text", "text", "text", "date", "date", "bigint"])
        for row in rows:
            copy.write_row(row)
    levels = (
        "FROM {stage} s CROSS JOIN LATERAL (VALUES ('ward', s.ward_id), "
        "('municipality', s.municipality), ('district', s.district), ('province', %s)) "
        "a(level, code)"
    )
    for table, key, where in (
        ("area_daily", "level, code, metric, day", ""),
        ("area_daily_recorded", "level, code, metric, day, recorded", "WHERE day <> recorded"),
    ):
        curs.execute(
            view.sql(
                f"INSERT INTO {{t_{table}}} ({key}, value) SELECT {key}, sum(value) "
                f"{levels} {where} GROUP BY {key} ORDER BY {key} ON CONFLICT ({key}) "
                f"DO UPDATE SET value = {{t_{table}}}.value + EXCLUDED.value",
                stage=stage,
            ),
            (PROVINCE,),
        )
    curs.execute(view.sql(WRITE_WARD_WEEKS, stage=stage))  # M9's figures, a row a week
