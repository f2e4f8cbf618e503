"""How the nerve centre keeps its totals as they were (``?as_of=``; see ``queries.asof``).

- By recorded time, snapshots: each group of a total that one read takes together (an area's
  counts, a department's league row in an area, a ward's needs) as it stood at the end of
  each recorded day it changed on, one row a day: its members and their counts as two arrays
  (unnested by a read without parsing). The rows are made in memory (``snapshots``), so a
  commit may span any number of days.
- By occurred time, the late changes apart (recorded on another day than they occurred):
  their deltas by occurred day, by the month's week (days 1-7, 8-14, 15-21, 22-28, 29-), by
  month and by year (``_history``), and their running totals (``_late``, snapshotted as the
  totals are). A change recorded the day it occurred writes neither.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from psycopg import Cursor
from psycopg.rows import DictRow

from projections.base import BufferedView

HISTORY_SUFFIX = "_history"
SNAPSHOT_SUFFIX = "_snapshots"
LATE_SUFFIX = "_late"
OCCURRED = "o"  # the history tables' basis code (by day)
MONTHLY = "m"  # suffix of a basis code whose rows are by month (day: the month's first)
WEEKLY = "w"  # ... by a month's week, seven days from its 1st, 8th, 15th, 22nd or 29th (day: that)
YEARLY = "y"  # ... by year (day: its 1 January)
Days = tuple[date, date]  # an event's recorded day and occurred day
# (recorded day, occurred day) -> roll-up table -> the deltas of totals changed on those days
Dated = dict[Days, dict[str, dict[Any, int]]]


@dataclass(frozen=True)
class Snapshot:
    """How a total's snapshots group it: the leading key columns one read takes together, and
    the column whose values make up the group's ``members`` array (their ``counts`` beside)."""

    group: tuple[str, ...]
    member: str


SNAPSHOTS: dict[str, Snapshot] = {
    "area_counts": Snapshot(("level", "code"), "metric"),
    "open_due": Snapshot(("level", "code"), "due"),
    "open_made": Snapshot(("level", "code"), "made"),
    "ward_needs": Snapshot(("ward_id",), "category"),
    "department_area": Snapshot(("department", "level", "code"), "metric"),
    "department_due": Snapshot(("department", "level", "code"), "due"),
}
# the totals whose changes are kept by day (every roll-up but the daily flows)
HISTORIES = tuple(SNAPSHOTS)
SNAPSHOTS.update({t + LATE_SUFFIX: SNAPSHOTS[t] for t in HISTORIES})


def histories(dated: Dated) -> dict[str, Counter[Any]]:
    """A page's late deltas (recorded on another day than they occurred) by the day (and
    month) they occurred, and their running totals; on-time ones need neither."""
    out: dict[str, Counter[Any]] = {}
    for table in HISTORIES:
        out[table + HISTORY_SUFFIX] = Counter()
        out[table + LATE_SUFFIX] = Counter()
    for (rday, oday), tables in dated.items():
        if rday == oday:
            continue
        for table, deltas in tables.items():
            history, late = out[table + HISTORY_SUFFIX], out[table + LATE_SUFFIX]
            year, month, week = (
                oday.replace(month=1, day=1),
                oday.replace(day=1),
                week_of_month(oday),
            )
            get = history.get  # not +=: Counter's __missing__ is Python, per new key
            for key, value in deltas.items():
                late[key] = late.get(key, 0) + value
                for day in (
                    (*key, OCCURRED, oday),
                    (*key, OCCURRED + WEEKLY, week),
                    (*key, OCCURRED + MONTHLY, month),
                    (*key, OCCURRED + YEARLY, year),
                ):
                    history[day] = get(day, 0) + value
    return out


def week_of_month(day: date) -> date:
    """The first day of ``day``'s week of its month (the 1st, 8th, 15th, 22nd or 29th)."""
    return day.replace(day=(day.day - 1) // 7 * 7 + 1)


def write_snapshots(
    view: BufferedView,
    curs: Cursor[DictRow],
    table: str,
    rows: list[tuple[Any, ...]],
    unchanged: list[tuple[Any, ...]],
) -> None:
    """Upsert a commit's snapshot rows (made in memory: ``snapshots.SnapshotBook``), and drop
    those of groups whose day, as far as it went, ended where it began."""
    shape = SNAPSHOTS[table]
    snapshots = table + SNAPSHOT_SUFFIX
    if rows:
        columns = (*shape.group, "day", "members", "counts")
        stage = view.stage(curs, snapshots, columns, rows, binary=True)
        cols, key = ", ".join(columns), ", ".join((*shape.group, "day"))
        curs.execute(
            view.sql(
                f"INSERT INTO {{t_{snapshots}}} ({cols}) SELECT {cols} FROM {{stage}} "
                f"ORDER BY {key} ON CONFLICT ({key}) DO UPDATE "
                "SET members = EXCLUDED.members, counts = EXCLUDED.counts",
                stage=stage,
            )
        )
    if unchanged:  # rare: a day's changes that cancel out, across a commit
        match = " AND ".join(f"{c} = %s" for c in (*shape.group, "day"))
        curs.executemany(view.sql(f"DELETE FROM {{t_{snapshots}}} WHERE {match}"), unchanged)
