"""How a commit's daily flows go into ``area_daily`` and, the late ones, ``area_daily_recorded``.

``area_daily`` holds each (level, code, metric, occurred day)'s flows; reads as of a day by
recorded time (``queries.asof.daily``) also need those recorded after the day. A key whose
flows were all recorded on one later day than they occurred (every flow of a log recorded
after the fact, as the demo's) says that day in its own row (``late_on``); the late flows of
every other key (also recorded on their own day, or on several days, or ahead of it) are kept
by recorded day in ``area_daily_recorded``, as they were before ``late_on`` (migration
``0035``): one row where there were two.

A key stays compact while every flow added to it was recorded on its ``late_on``; the first
other one moves its total so far to ``area_daily_recorded`` and clears ``late_on``. The rows
depend only on the flows, not on how commits split them (a rebuild writes the same rows).
"""

from __future__ import annotations

from typing import Any, Final

from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from projections.base import BufferedView
from projections.nerve_centre.contributions import PROVINCE
from projections.nerve_centre.ward_weeks import WRITE_WARD_WEEKS

KEY: Final = "level, code, metric, day"
_ON = " AND ".join(f"{{alias}}.{c} = u.{c}" for c in KEY.split(", "))
# a ward's flows spread to its levels
_SPREAD: Final = (
    "SELECT a.level, a.code, metric, day, recorded, value "
    "FROM {stage} s CROSS JOIN LATERAL (VALUES ('ward', s.ward_id), "
    "('municipality', s.municipality), ('district', s.district), ('province', %s)) "
    "a(level, code)"
)

# For ``BufferedView.sql``: ``{stage}`` holds the commit's flows a ward (ward_id,
# municipality, district, metric, day, recorded, value); ``%s`` is the province. One statement:
# its parts all see the tables as they were before it, so ``d`` is each key's row before the
# upsert (``u``) changed it.
WRITE_DAILY: Final = (
    f"WITH s AS (SELECT {KEY}, recorded, sum(value) AS value FROM ({_SPREAD}) f "
    f"GROUP BY {KEY}, recorded), "
    # each key's flows of the commit, and the one later day they were all recorded on if so
    f"k AS (SELECT {KEY}, sum(value) AS value, CASE WHEN count(*) = 1 "
    f"AND min(recorded) > day THEN min(recorded) END AS late_on FROM s GROUP BY {KEY}), "
    f"u AS (INSERT INTO {{t_area_daily}} AS t ({KEY}, value, late_on) "
    f"SELECT {KEY}, value, late_on FROM k ORDER BY {KEY} ON CONFLICT ({KEY}) DO UPDATE "
    "SET value = t.value + EXCLUDED.value, "
    "late_on = CASE WHEN t.late_on = EXCLUDED.late_on THEN t.late_on END "
    f"RETURNING {KEY}, late_on) "
    f"INSERT INTO {{t_area_daily_recorded}} AS t ({KEY}, recorded, value) "
    f"SELECT {KEY}, recorded, sum(value) FROM ("
    # the commit's late flows of keys not (or no longer) compact...
    f"SELECT s.level, s.code, s.metric, s.day, s.recorded, s.value FROM u "
    f"JOIN s ON {_ON.format(alias='s')} WHERE u.late_on IS NULL AND s.recorded <> s.day "
    # ...and the total so far of those compact until this commit
    f"UNION ALL SELECT d.level, d.code, d.metric, d.day, d.late_on, d.value FROM u "
    f"JOIN {{t_area_daily}} d ON {_ON.format(alias='d')} "
    "WHERE u.late_on IS NULL AND d.late_on IS NOT NULL"
    f") x GROUP BY {KEY}, recorded ORDER BY {KEY}, recorded "
    f"ON CONFLICT ({KEY}, recorded) DO UPDATE SET value = t.value + EXCLUDED.value"
)
# The same into empty tables (a catch-up from zero): no stored row to add to or to move.
# Each key's flows by recorded day (``s``) and, over them, its total and whether they were all
# recorded on one later day (``late_on``): one grouping and one sort of the keys, where a
# join of the spread flows back to their keys sorted every flow (most of the statement's time).
WRITE_DAILY_FRESH: Final = (
    f"WITH s AS (SELECT {KEY}, recorded, sum(value) AS value FROM ({_SPREAD}) f "
    f"GROUP BY {KEY}, recorded), "
    f"w AS (SELECT {KEY}, recorded, value, sum(value) OVER k AS total, "
    "CASE WHEN count(*) OVER k = 1 AND recorded > day THEN recorded END AS late_on, "
    f"row_number() OVER k AS n FROM s WINDOW k AS (PARTITION BY {KEY})), "
    f"u AS (INSERT INTO {{t_area_daily}} ({KEY}, value, late_on) "
    f"SELECT {KEY}, total, late_on FROM w WHERE n = 1 ORDER BY {KEY}) "
    f"INSERT INTO {{t_area_daily_recorded}} ({KEY}, recorded, value) "
    f"SELECT {KEY}, recorded, value FROM w WHERE late_on IS NULL AND recorded <> day "
    f"ORDER BY {KEY}, recorded"
)


def write_daily(
    view: BufferedView, curs: Cursor[DictRow], rows: list[tuple[Any, ...]], empty: set[str]
) -> None:
    """Add a commit's flows, staged once a ward, to ``area_daily`` at every level and, those
    recorded on another day than they occurred, to its ``late_on`` or ``area_daily_recorded``
    (``NerveCentreView.write`` calls it; ``empty``: the view's tables holding no row).

    Spread and summed here rather than in Python: a ward's flow is one staged row, not four
    keys built and two tables' rows copied. Flows only ever add (a total never falls to
    zero, unlike the totals: ``NerveCentreView._add``).
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
    fresh = {"area_daily", "area_daily_recorded"} <= empty
    curs.execute(view.sql(WRITE_DAILY_FRESH if fresh else WRITE_DAILY, stage=stage), (PROVINCE,))
    curs.execute(view.sql(WRITE_WARD_WEEKS, stage=stage))  # M9's figures, a row a week
