"""The late deltas by occurred day and by the month's week, a row a group and day (migration
0040): the group's members and their deltas as two arrays sorted by member, as a snapshot
holds them. A row a member and day was 737k rows (and index entries) over a 293k-event demo
log, 40% of a catch-up's commit; a group's day holds about seven members.

A commit stages its late deltas a member a row (``stage_late``): the week rows, the late
running totals (``_late``) and by month (``late_months``) are summed from that stage, and
the day and week rows it touches are merged with those stored (``write_late_days``); a row
whose deltas all cancel out goes, so the rows are those a rebuild makes. Into empty
tables (a catch-up from zero) the same rows are made in memory instead (``late_fresh``).
"""

from __future__ import annotations

from typing import Any

from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from projections.base import BufferedView
from projections.nerve_centre.history import (
    HISTORIES,
    HISTORY_SUFFIX,
    LATE_SUFFIX,
    OCCURRED,
    SNAPSHOTS,
    WEEK_OF_MONTH_SQL,
    WEEKLY,
    derived_late,
)
from projections.nerve_centre.tables import TOTAL_KEYS


def stage_late(view: BufferedView, curs: Cursor[DictRow], table: str, rows: Any) -> Composed:
    """COPY a commit's late deltas to a history ``table``'s total, (*key, occurred day,
    delta), into a session-local table (binary: the values as they are) and return its name.
    Shaped as the total's late running totals (``_late``: its key and value) with the day."""
    total = table.removesuffix(HISTORY_SUFFIX)
    late, key = total + LATE_SUFFIX, TOTAL_KEYS[total]
    stage = Identifier(f"stage_{view.names[table]}")
    curs.execute(
        SQL(
            "CREATE TEMP TABLE IF NOT EXISTS {0} (LIKE {1}, day date) ON COMMIT DELETE ROWS"
        ).format(stage, view.table(late))
    )
    columns = (*key, "day", "value")
    types = [*view.column_types(curs, late, key), "date", "bigint"]
    names = SQL(", ").join(map(Identifier, columns))
    statement = SQL("COPY {0} ({1}) FROM STDIN (FORMAT BINARY)").format(stage, names)
    with curs.copy(statement) as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)
    return SQL("{0}").format(stage)


def write_late_days(total: str) -> tuple[str, str]:
    """The statements (for ``BufferedView.sql``, with the ``{stage}`` of ``stage_late``) that
    add a commit's staged late deltas to ``total``'s day and week rows: into rows already
    stored (each touched row's members merged with the deltas: sums of 0 left out, a row left
    with none deleted), and into an empty table (a catch-up from zero: the staged deltas are
    then every one, a member's once a day and none 0, so they are grouped as they are)."""
    shape = SNAPSHOTS[total]
    group = shape.group
    cols = ", ".join(group)
    keys = f"{cols}, basis, day"
    history = f"{{t_{total}{HISTORY_SUFFIX}}}"
    deltas = (
        f"SELECT {cols}, '{OCCURRED}' AS basis, day, {shape.member} AS member, value "
        f"FROM {{stage}} UNION ALL "
        f"SELECT {cols}, '{OCCURRED}{WEEKLY}', {WEEK_OF_MONTH_SQL}, {shape.member}, "
        f"sum(value)::bigint FROM {{stage}} "
        f"GROUP BY {cols}, {WEEK_OF_MONTH_SQL}, {shape.member} HAVING sum(value) <> 0"
    )
    arrays = f"SELECT {keys}, array_agg(member ORDER BY member), array_agg(value ORDER BY member)"
    insert = f"INSERT INTO {history} ({keys}, members, counts)"
    fresh = f"{insert} {arrays} FROM ({deltas}) d GROUP BY {keys} ORDER BY {keys}"

    def on(left: str, right: str) -> str:
        return " AND ".join(f"{left}.{c} = {right}.{c}" for c in (*group, "basis", "day"))

    touched = ", ".join(f"t.{c}" for c in (*group, "basis", "day"))
    merged = (
        f"WITH d AS ({deltas}), touched AS (SELECT DISTINCT {keys} FROM d), "
        f"merged AS (SELECT {keys}, member, sum(value)::bigint AS value FROM ("
        f"SELECT {touched}, u.member, u.value FROM touched t JOIN {history} h ON {on('h', 't')} "
        "CROSS JOIN LATERAL unnest(h.members, h.counts) u(member, value) "
        f"UNION ALL SELECT {keys}, member, value FROM d) x "
        f"GROUP BY {keys}, member HAVING sum(value) <> 0), "
        # the touched rows left with no member, as a set difference: a NOT EXISTS was planned
        # as a nested loop over ``merged`` for each touched row (its join's estimate: 1 row),
        # minutes a window once the table held a few windows' rows
        f"gone AS (DELETE FROM {history} h USING (SELECT {keys} FROM touched "
        f"EXCEPT SELECT {keys} FROM merged) t WHERE {on('h', 't')}) "
        f"{insert} {arrays} FROM merged GROUP BY {keys} ORDER BY {keys} "
        f"ON CONFLICT ({keys}) DO UPDATE SET members = EXCLUDED.members, counts = EXCLUDED.counts"
    )
    return merged, fresh


# each history table -> its statements adding staged late deltas (into stored rows, fresh)
LATE_DAYS = {table + HISTORY_SUFFIX: write_late_days(table) for table in HISTORIES}
# each history table -> how its staged late deltas make its late running totals (``_late``)
LATE_TOTALS = {
    table + HISTORY_SUFFIX: derived_late(table, TOTAL_KEYS[table]) for table in HISTORIES
}
