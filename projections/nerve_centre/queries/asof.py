"""Area totals as they were: the live roll-up tables, or the same rows as known at a day.

An area query reads a roll-up table by name; given an ``AsOf`` it reads, in its place, a
subquery of the same columns:

- ``recorded``: each group of the area's rows (``view.SNAPSHOTS``: say an area's counts, or
  a department's row of the league) from its snapshot of the latest recorded day up to the
  day, one index probe per group, its members and counts unnested from the snapshot's two
  arrays (no parsing, no casts). The caller
  names the groups it reads (``groups``: a SELECT of the group's columns, e.g.
  ``SELECT $1::text AS level, $2::text AS code``), as its own WHERE names them.
- ``occurred``: the same snapshots, less the snapshots of the late changes' running totals
  (recorded on another day than they occurred), plus the late deltas that occurred by the
  day, read by year before the day's year, by month before its month, by week of the month
  before its week and by day within it (``late_deltas``): a change recorded the day it
  occurred counts the same on either basis.

Either way zeros are left out, as the live tables leave them out, and the caller's WHERE
still applies. The day is bound (``day_arg`` is the caller's ``$n``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from projections.nerve_centre.history import (
    HISTORY_SUFFIX,
    LATE_SUFFIX,
    MONTHLY,
    OCCURRED,
    SNAPSHOT_SUFFIX,
    SNAPSHOTS,
    WEEKLY,
    YEARLY,
)
from projections.nerve_centre.tables import AREA_DAILY, AREA_DAILY_RECORDED, NAME, TOTAL_KEYS

Basis = Literal["recorded", "occurred"]


@dataclass(frozen=True)
class AsOf:
    """The end of ``day`` (UTC): by when events were recorded in the log (``recorded``), or
    by when they happened in the field, as known now (``occurred``)."""

    day: date
    basis: Basis = "recorded"


def totals(table: str, as_of: AsOf | None, day_arg: str, groups: str) -> str:
    """A roll-up table (its full name), or its rows as known at ``as_of``."""
    if as_of is None:
        return table
    suffix = table.removeprefix(f"{NAME}_")
    if as_of.basis == "recorded":
        return f"({_snapshot(table, suffix, day_arg, groups, '')})"
    shape = SNAPSHOTS[suffix]
    columns = ", ".join((*shape.group, shape.member))
    late = f"{table}{LATE_SUFFIX}"
    return (
        f"(SELECT {columns}, sum(value)::bigint AS value FROM ("
        f"{_snapshot(table, suffix, day_arg, groups, '')} UNION ALL "
        f"{_snapshot(late, suffix, day_arg, groups, '-')} UNION ALL "
        f"{late_deltas(table, day_arg)}"
        f") u GROUP BY {columns} HAVING sum(value) <> 0)"
    )


def late_deltas(table: str, day_arg: str) -> str:
    """The late deltas of a roll-up table (its full name) that occurred by the day: its years
    before the day's year, that year's months before the day's month, the month's weeks before
    the day's, and that week's days up to the day (at most 11 months, 4 weeks and 7 days, and
    a row a year, per key). The history's key leads with the group, basis and day, the value
    included (migration 0024): each part is one index-only range scan a group."""
    shape = SNAPSHOTS[table.removeprefix(f"{NAME}_")]
    columns = ", ".join((*shape.group, shape.member))
    year = f"date_trunc('year', {day_arg}::date)::date"
    month = f"date_trunc('month', {day_arg}::date)::date"
    week = f"({month} + (extract(day FROM {day_arg}::date)::int - 1) / 7 * 7)"
    history = f"SELECT {columns}, value FROM {table}{HISTORY_SUFFIX} WHERE basis ="
    return (
        f"{history} '{OCCURRED}{YEARLY}' AND day < {year} UNION ALL "
        f"{history} '{OCCURRED}{MONTHLY}' AND day >= {year} AND day < {month} UNION ALL "
        f"{history} '{OCCURRED}{WEEKLY}' AND day >= {month} AND day < {week} UNION ALL "
        f"{history} '{OCCURRED}' AND day >= {week} AND day <= {day_arg}"
    )


def _snapshot(table: str, suffix: str, day_arg: str, groups: str, sign: str) -> str:
    """The members of each group's latest snapshot up to the day (``sign``: ``-`` to
    subtract them)."""
    shape = SNAPSHOTS[suffix]
    on = " AND ".join(f"s.{c} = g.{c}" for c in shape.group)
    columns = ", ".join(f"g.{c}" for c in shape.group)
    return (
        f"SELECT {columns}, e.member AS {shape.member}, {sign}e.value AS value "
        f"FROM ({groups}) g CROSS JOIN LATERAL (SELECT s.members, s.counts "
        f"FROM {table}{SNAPSHOT_SUFFIX} s WHERE {on} AND s.day <= {day_arg} "
        "ORDER BY s.day DESC LIMIT 1) s "
        "CROSS JOIN LATERAL unnest(s.members, s.counts) e(member, value)"
    )


def daily(as_of: AsOf | None, day_arg: str) -> str:
    """The daily flows (by occurred day), or those known at ``as_of``.

    ``occurred``: those of days up to it, as known now (the live table, cut at the day);
    ``recorded``: the same, less the late flows recorded after the day, plus any recorded
    by it for a later day (a clock ahead): on-time flows are recorded on their own day.
    """
    if as_of is None:
        return AREA_DAILY
    if as_of.basis == "occurred":
        return f"(SELECT * FROM {AREA_DAILY} WHERE day <= {day_arg})"
    keys = ", ".join(TOTAL_KEYS["area_daily"])
    return (
        f"(SELECT {keys}, sum(value)::bigint AS value FROM ("
        f"SELECT {keys}, value FROM {AREA_DAILY} WHERE day <= {day_arg} "
        f"UNION ALL SELECT {keys}, -value FROM {AREA_DAILY_RECORDED} "
        f"WHERE day <= {day_arg} AND recorded > {day_arg} "
        # recorded < day: implied, and what the partial index of these rare rows holds
        f"UNION ALL SELECT {keys}, value FROM {AREA_DAILY_RECORDED} "
        f"WHERE day > {day_arg} AND recorded <= {day_arg} AND recorded < day"
        f") f GROUP BY {keys} HAVING sum(value) <> 0)"
    )
