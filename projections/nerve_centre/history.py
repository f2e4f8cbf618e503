"""How the nerve centre keeps its totals as they were (``?as_of=``; see ``queries.asof``).

- By recorded time, snapshots: each group of a total that one read takes together (an area's
  counts, a department's league row in an area, a ward's needs) as it stood at the end of
  each recorded day it changed on, one row a day: its members and their counts as two arrays
  (unnested by a read without parsing). The rows are made in memory (``snapshots``), so a
  commit may span any number of days.
- By occurred time, the late changes apart (recorded on another day than they occurred):
  their deltas by occurred day and by the month's week (days 1-7, 8-14, 15-21, 22-28, 29-;
  ``_late_days``), their running totals by occurred month (``late_months``) and their running
  totals (``_late``, snapshotted as the totals are). A change recorded the day it occurred
  writes none of these. The league's two totals (``RUNNING``) keep none of them: they keep
  their totals by occurred day instead (``occurred``), which is all their read takes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import repeat
from operator import add
from typing import Any

from psycopg import Cursor
from psycopg.rows import DictRow

from projections.base import BufferedView

HISTORY_SUFFIX = "_late_days"  # a row a group and occurred day or week (0040: ``late_days``)
MEMBER_ROWS_SUFFIX = "_history"  # the same a member a row, before 0040 (old fills, upgrades)
SNAPSHOT_SUFFIX = "_snapshots"
LATE_SUFFIX = "_late"
OCCURRED = "o"  # the history tables' basis code (by day)
WEEKLY = "w"  # suffix of a basis code whose rows are by a month's week, seven days from its
# 1st, 8th, 15th, 22nd or 29th (day: that); the month ('m') and year ('y') rows are gone (0030)
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
TOTALS = tuple(SNAPSHOTS)  # the snapshotted totals (every roll-up but the daily flows)
RUNNING = ("department_area", "department_due")  # the league's: totals by occurred day
# the totals whose late changes are kept apart by day (the league's are read by occurred day
# from their own rows: migration 0037 dropped their late storage)
HISTORIES = tuple(t for t in TOTALS if t not in RUNNING)
SNAPSHOTS.update({t + LATE_SUFFIX: SNAPSHOTS[t] for t in HISTORIES})


def history(dated: Dated, table: str) -> Counter[Any]:
    """A history's late deltas (recorded on another day than they occurred) by the day they
    occurred; on-time ones need none. Their weeks and running totals (``_late``, and by month:
    ``late_months``) are summed from these by PostgreSQL (``derived_late``), not kept here;
    into empty tables all of them are made in memory (``late_fresh``)."""
    total = table.removesuffix(HISTORY_SUFFIX)
    out: Counter[Any] = Counter()
    seen: set[date] = set()  # occurred days added so far
    for (rday, oday), tables in dated.items():
        deltas = tables.get(total)
        if rday == oday or deltas is None:
            continue
        if oday not in seen:  # the day's first deltas (usually its only): in C
            seen.add(oday)
            dayed = map(add, deltas, repeat((oday,)))  # (*key, oday), tuple by tuple in C
            dict.update(out, zip(dayed, deltas.values(), strict=True))
            continue
        get = out.get  # not +=: Counter's __missing__ is Python, per new key
        for key, value in deltas.items():
            at = (*key, oday)
            out[at] = get(at, 0) + value
    return out


def derived_late(table: str, key: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """How a history table's staged rows (by occurred day: ``late_days.stage_late``) make
    the late running totals: (target table, its key columns, the select over the stage). The
    day and week rows are added by ``late_days``, the running totals by month by
    ``late_months``."""
    cols = ", ".join(key)
    return [
        (
            table + LATE_SUFFIX,
            cols,
            f"SELECT {cols}, sum(value) FROM {{stage}} GROUP BY {cols} HAVING sum(value) <> 0",
        ),
    ]


def week_of_month(day: date) -> date:
    """The first day of ``day``'s week of its month (the 1st, 8th, 15th, 22nd or 29th)."""
    return day.replace(day=(day.day - 1) // 7 * 7 + 1)


# ``week_of_month`` in SQL, over a ``day`` column
WEEK_OF_MONTH_SQL = "(day - (extract(day FROM day)::int - 1) % 7)"


def write_snapshots(
    view: BufferedView,
    curs: Cursor[DictRow],
    table: str,
    rows: list[tuple[Any, ...]],
    unchanged: list[tuple[Any, ...]],
    empty: set[str],
    suffix: str = SNAPSHOT_SUFFIX,
) -> None:
    """Upsert a commit's snapshot rows (made in memory: ``snapshots.SnapshotBook``; a group's
    day once), and drop those of groups whose day, as far as it went, ended where it began;
    into an empty table (``BufferedView.empty``), COPY them straight in. A row's arrays are
    lists, or their literals already (``array_literal``, ``counts_literal``: ``occurred``
    makes them before the commit's transaction). ``suffix``: of the rows' table (``occurred``
    writes the league's rows by occurred day, of the same shape)."""
    rows = literal_rows(rows)
    shape = SNAPSHOTS[table]
    snapshots = table + suffix
    if rows:
        # The arrays as literals, sent by text COPY: psycopg dumps a list element by element
        # in Python (~70% of a binary COPY's time here), a literal is a join in C.
        columns = (*shape.group, "day", "members", "counts")
        if snapshots in empty:
            view.copy(curs, snapshots, columns, rows)
            return  # nothing stored to drop either
        stage = view.stage(curs, snapshots, columns, rows)
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


# an element needs no quotes: not empty, no space, quote, brace, comma or backslash
_PLAIN = re.compile(r"[\w:.\-]+")
TEXTS_LIMIT = 100_000  # element texts kept (metrics, categories, days: a few thousand)


class _Texts(dict[Any, str]):
    """Each array element's text in a literal, quoted if need be, made once: a catch-up
    joins millions of them (the league's rows by occurred day repeat a group's members day
    after day), and ``str`` of a date and the quoting check were most of a literal's cost.
    Only texts and dates are kept (``1`` and ``True`` are one key but two texts)."""

    def __missing__(self, value: Any) -> str:
        text = str(value)
        if not _PLAIN.fullmatch(text) or "null" in text.lower():
            text = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if type(value) in (str, date) and len(self) < TEXTS_LIMIT:
            self[value] = text
        return text


_element = _Texts().__getitem__


def array_literal(values: Iterable[Any]) -> str:
    """A list of texts, dates or integers as PostgreSQL's array literal (``{a,"b c"}``):
    each element quoted only if it needs it (PostgreSQL reads either the same)."""
    return "{" + ",".join(map(_element, values)) + "}"


def counts_literal(counts: Iterable[int]) -> str:
    """``array_literal`` of integers: their digits need no quotes, so no check for them."""
    return "{" + ",".join(map(str, counts)) + "}"


def literal_rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Snapshot rows with their arrays as literals (as they are if they are so already)."""
    if rows and not isinstance(rows[0][-1], str):
        return [(*r[:-2], array_literal(r[-2]), counts_literal(r[-1])) for r in rows]
    return rows


def total_rows(dated: Dated, table: str) -> list[tuple[Any, ...]]:
    """A total's (``TOTALS``) or history's deltas as the rows COPY sends, (*key, delta); those
    summing to 0 left out. A table at a time, so a commit sends one while the next is built."""
    if table.endswith(HISTORY_SUFFIX):
        deltas = history(dated, table)
    else:  # a live total: its dated deltas summed over their days
        deltas = Counter()
        for tables in dated.values():
            deltas.update(tables.get(table, {}))  # the first day's: a dict copy, in C
    return [(*k, v) for k, v in deltas.items() if v]
