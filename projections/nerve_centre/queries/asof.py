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
  day: their running totals up to the month before the day's (``late_months``: one probe a
  group), the month's weeks before the day's week and that week's days up to the day
  (``late_deltas``). A change recorded the day it occurred counts the same on either basis.
  The league's totals (``history.RUNNING``) keep their totals by occurred day instead: each
  group's latest row up to the day, one probe a group, as a snapshot is read (they keep no
  late snapshots, months or day rows: ``late_deltas`` is for the other totals only).

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
    OCCURRED,
    RUNNING,
    SNAPSHOT_SUFFIX,
    SNAPSHOTS,
    WEEKLY,
)
from projections.nerve_centre.late_months import LATE_MONTHS_SUFFIX
from projections.nerve_centre.occurred import OCCURRED_SUFFIX
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
    if as_of.basis == "recorded":
        return f"({_snapshot(table, day_arg, groups)})"
    if table.removeprefix(f"{NAME}_") in RUNNING:
        return f"({_snapshot(table, day_arg, groups, source=OCCURRED_SUFFIX)})"
    shape = SNAPSHOTS[table.removeprefix(f"{NAME}_")]
    columns = ", ".join((*shape.group, shape.member))
    return (
        f"(SELECT {columns}, sum(value)::bigint AS value FROM ("
        f"{_snapshot(table, day_arg, groups)} UNION ALL "
        f"{_snapshot(f'{table}{LATE_SUFFIX}', day_arg, groups, sign='-')} UNION ALL "
        f"{late_deltas(table, day_arg, groups)}"
        f") u GROUP BY {columns} HAVING sum(value) <> 0)"
    )


def late_deltas(table: str, day_arg: str, groups: str) -> str:
    """The late deltas of a roll-up table (its full name) that occurred by the day, for the
    ``groups``: each group's running totals up to the month before the day's (its latest row
    of ``_late_months`` before that month: one index probe), that month's weeks before the
    day's week, and that week's days up to the day (at most 4 weeks and 7 days a group, each
    part one index range scan a group: the history's key is the group, basis and day; a row
    holds the group's members of that day or week as arrays)."""
    shape = SNAPSHOTS[table.removeprefix(f"{NAME}_")]
    # date arithmetic, folded to a constant when planned: date_trunc casts to timestamptz
    # (not immutable), evaluated again in each group's probe (0.34 ms each, measured)
    day_of_month = f"extract(day FROM {day_arg}::date)::int"
    month = f"({day_arg}::date - {day_of_month} + 1)"
    week = f"({month} + ({day_of_month} - 1) / 7 * 7)"
    # a group's day or week row: its members and deltas unnested (``late_days``)
    history = (
        f"SELECT {', '.join(f'h.{c}' for c in shape.group)}, e.member AS {shape.member}, "
        f"e.value FROM {table}{HISTORY_SUFFIX} h "
        "CROSS JOIN LATERAL unnest(h.members, h.counts) e(member, value) WHERE h.basis ="
    )
    months = _snapshot(table, month, groups, source=LATE_MONTHS_SUFFIX, latest=("month", "<"))
    return (
        f"{months} UNION ALL "
        f"{history} '{OCCURRED}{WEEKLY}' AND h.day >= {month} AND h.day < {week} UNION ALL "
        f"{history} '{OCCURRED}' AND h.day >= {week} AND h.day <= {day_arg}"
    )


def latest_rows(
    table: str,
    day_arg: str,
    groups: str,
    *,
    source: str = SNAPSHOT_SUFFIX,
    latest: tuple[str, str] = ("day", "<="),
) -> str:
    """Each group's latest row of ``table`` + ``source`` (its snapshots, its late running
    totals by month, or its totals by occurred day) up to the day (``latest``: the row's day
    column and its comparison with the day): its group's columns and the row's ``members``
    and ``counts`` arrays, as stored (one row a group that has one). A caller that takes the
    arrays as they are (the heat map's wards) reads them so: no row a member to send."""
    shape = SNAPSHOTS[table.removeprefix(f"{NAME}_")]
    on = " AND ".join(f"s.{c} = g.{c}" for c in shape.group)
    columns = ", ".join(f"g.{c}" for c in shape.group)
    column, compare = latest
    return (
        f"SELECT {columns}, s.members, s.counts "
        f"FROM ({groups}) g CROSS JOIN LATERAL (SELECT s.members, s.counts "
        f"FROM {table}{source} s WHERE {on} AND s.{column} {compare} {day_arg} "
        f"ORDER BY s.{column} DESC LIMIT 1) s"
    )


def _snapshot(
    table: str,
    day_arg: str,
    groups: str,
    *,
    sign: str = "",
    source: str = SNAPSHOT_SUFFIX,
    latest: tuple[str, str] = ("day", "<="),
) -> str:
    """The members of each group's latest row (``latest_rows``), a row a member; ``sign``: ``-``
    to subtract them."""
    shape = SNAPSHOTS[table.removeprefix(f"{NAME}_")]
    columns = ", ".join(f"l.{c}" for c in shape.group)
    rows = latest_rows(table, day_arg, groups, source=source, latest=latest)
    return (
        f"SELECT {columns}, e.member AS {shape.member}, {sign}e.value AS value "
        f"FROM ({rows}) l CROSS JOIN LATERAL unnest(l.members, l.counts) e(member, value)"
    )


def daily(as_of: AsOf | None, day_arg: str) -> str:
    """The daily flows (by occurred day), or those known at ``as_of``.

    ``occurred``: those of days up to it, as known now (the live table, cut at the day);
    ``recorded``: the same, less the late flows recorded after the day (a key's whole total
    if all its flows were recorded on one such day, ``late_on``: see ``daily_flows``), plus
    any recorded by it for a later day (a clock ahead): on-time flows are recorded on their
    own day.
    """
    if as_of is None:
        return AREA_DAILY
    if as_of.basis == "occurred":
        return f"(SELECT * FROM {AREA_DAILY} WHERE day <= {day_arg})"
    keys = ", ".join(TOTAL_KEYS["area_daily"])
    return (
        f"(SELECT {keys}, sum(value)::bigint AS value FROM ("
        f"SELECT {keys}, value FROM {AREA_DAILY} WHERE day <= {day_arg} "
        f"AND (late_on IS NULL OR late_on <= {day_arg}) "
        f"UNION ALL SELECT {keys}, -value FROM {AREA_DAILY_RECORDED} "
        f"WHERE day <= {day_arg} AND recorded > {day_arg} "
        # recorded < day: implied, and what the partial index of these rare rows holds
        f"UNION ALL SELECT {keys}, value FROM {AREA_DAILY_RECORDED} "
        f"WHERE day > {day_arg} AND recorded <= {day_arg} AND recorded < day"
        f") f GROUP BY {keys} HAVING sum(value) <> 0)"
    )
