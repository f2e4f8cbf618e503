"""How the nerve centre keeps its totals as they were (``?as_of=``; see ``queries.asof``).

- By recorded time, snapshots: each group of a total that one read takes together (an area's
  counts, a department's league row in an area, a ward's needs) as it stood at the end of
  each recorded day it changed on, one jsonb object a row. The projection commits at the end
  of each recorded day, so a commit's snapshots are its live totals, re-aggregated.
- By occurred time, the late changes apart (recorded on another day than they occurred):
  their deltas by occurred day and month (``_history``) and their running totals (``_late``,
  snapshotted as the totals are). A change recorded the day it occurred writes neither.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
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
Days = tuple[date, date]  # an event's recorded day and occurred day
# (recorded day, occurred day) -> roll-up table -> the deltas of totals changed on those days
Dated = dict[Days, dict[str, dict[Any, int]]]


@dataclass(frozen=True)
class Snapshot:
    """How a total's snapshots group it: the leading key columns one read takes together, and
    the column whose values make up the group's jsonb object (its keys; their SQL type)."""

    group: tuple[str, ...]
    member: str
    member_type: str


SNAPSHOTS: dict[str, Snapshot] = {
    "area_counts": Snapshot(("level", "code"), "metric", "text"),
    "open_due": Snapshot(("level", "code"), "due", "date"),
    "open_made": Snapshot(("level", "code"), "made", "date"),
    "ward_needs": Snapshot(("ward_id",), "category", "text"),
    "department_area": Snapshot(("department", "level", "code"), "metric", "text"),
    "department_due": Snapshot(("department", "level", "code"), "due", "date"),
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
            month = oday.replace(day=1)
            get = history.get  # not +=: Counter's __missing__ is Python, per new key
            for key, value in deltas.items():
                late[key] = late.get(key, 0) + value
                for day in ((*key, OCCURRED, oday), (*key, OCCURRED + MONTHLY, month)):
                    history[day] = get(day, 0) + value
    return out


def snapshots(dated: Dated) -> dict[str, set[tuple[Any, ...]]]:
    """Each table's groups changed by a commit, with the recorded day (and the same of the
    late running totals). A commit holds one recorded day (``CaseRows.commit_before``), so
    a snapshot is the live total after the commit."""
    out: dict[str, set[tuple[Any, ...]]] = {}
    days = {rday for rday, _ in dated}
    if len(days) > 1:
        raise RuntimeError(f"one commit of changes recorded on {len(days)} days")
    for (rday, oday), tables in dated.items():
        for table, deltas in tables.items():
            width = len(SNAPSHOTS[table].group)
            groups = {(*key[:width], rday) for key, value in deltas.items() if value}
            for name in (table, table + LATE_SUFFIX) if rday != oday else (table,):
                out.setdefault(name, set()).update(groups)
    return out


def write_snapshots(
    view: BufferedView, curs: Cursor[DictRow], table: str, touched: set[tuple[Any, ...]]
) -> None:
    """Write the snapshots of the groups a commit changed: their live rows, now committed
    with the commit's deltas."""
    shape = SNAPSHOTS[table]
    group, member = ", ".join(shape.group), shape.member
    snapshots = table + SNAPSHOT_SUFFIX
    stage = view.stage(curs, snapshots, (*shape.group, "day", "value"), _empty(touched))
    curs.execute(
        view.sql(
            f"INSERT INTO {{t_{snapshots}}} ({group}, day, value) "
            f"SELECT {group}, t.day, coalesce(jsonb_object_agg(l.{member}, l.value) "
            "FILTER (WHERE l.value IS NOT NULL), '{{}}'::jsonb) "
            f"FROM {{stage}} t LEFT JOIN {{t_{table}}} l USING ({group}) "
            f"GROUP BY {group}, t.day ORDER BY {group}, t.day "
            f"ON CONFLICT ({group}, day) DO UPDATE SET value = EXCLUDED.value",
            stage=stage,
        )
    )
    # A day whose changes came back to where the day before left the group keeps no row
    # (as a total back to zero keeps none): the same rows whatever the commits were.
    on = " AND ".join(f"p.{c} = s.{c}" for c in shape.group)
    curs.execute(
        view.sql(
            f"DELETE FROM {{t_{snapshots}}} s USING {{stage}} t WHERE "
            + " AND ".join(f"s.{c} = t.{c}" for c in (*shape.group, "day"))
            + f" AND s.value = coalesce((SELECT p.value FROM {{t_{snapshots}}} p "
            f"WHERE {on} AND p.day < s.day ORDER BY p.day DESC LIMIT 1), '{{{{}}}}'::jsonb)",
            stage=stage,
        )
    )


def _empty(touched: set[tuple[Any, ...]]) -> Iterable[tuple[Any, ...]]:
    # the staged groups' value column is NOT NULL as the snapshots' is: an empty object
    return ((*group_day, "{}") for group_day in touched)
