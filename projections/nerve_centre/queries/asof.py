"""Area totals as they were: the live roll-up tables, or their histories summed up to a day.

An area query reads a roll-up table by name; given an ``AsOf`` it reads, in its place, a
subquery of the same columns over the table's history (``view.HISTORY_SUFFIX``): the deltas
of one basis up to the day, summed per key, zeros left out as the live tables leave them out.
The deltas are read by month before the day's month and by day within it: at most ~31 rows
plus one a month per key, whatever the number of households.
The area's key columns are grouping columns, so PostgreSQL pushes the caller's ``level = ...
AND code = ...`` into the subquery, and the history's primary key serves it as the live one
does. The day is bound (``day_arg`` is the caller's ``$n``); the basis is one of two codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from projections.nerve_centre.view import (
    AREA_DAILY,
    AREA_DAILY_RECORDED,
    HISTORY_SUFFIX,
    MONTHLY,
    OCCURRED,
    RECORDED,
    TOTAL_KEYS,
)

Basis = Literal["recorded", "occurred"]
_CODES: dict[str, str] = {"recorded": RECORDED, "occurred": OCCURRED}


@dataclass(frozen=True)
class AsOf:
    """The end of ``day`` (UTC): by when events were recorded in the log (``recorded``), or
    by when they happened in the field, as known now (``occurred``)."""

    day: date
    basis: Basis = "recorded"


def totals(table: str, as_of: AsOf | None, day_arg: str) -> str:
    """A roll-up table (its full name), or its rows as known at ``as_of``."""
    if as_of is None:
        return table
    suffix = table.removeprefix("nerve_centre_")
    keys = ", ".join(TOTAL_KEYS[suffix])
    basis, month = _CODES[as_of.basis], f"date_trunc('month', {day_arg}::date)::date"
    return (
        f"(SELECT {keys}, sum(value)::bigint AS value FROM {table}{HISTORY_SUFFIX} "
        f"WHERE (basis = '{basis}{MONTHLY}' AND day < {month}) "
        f"OR (basis = '{basis}' AND day >= {month} AND day <= {day_arg}) "
        f"GROUP BY {keys} HAVING sum(value) <> 0)"
    )


def daily(as_of: AsOf | None, day_arg: str) -> str:
    """The daily flows (by occurred day), or those known at ``as_of``.

    ``recorded``: the flows recorded by the end of the day; ``occurred``: those of days up to
    it, as known now (the live table, cut at the day).
    """
    if as_of is None:
        return AREA_DAILY
    if as_of.basis == "occurred":
        return f"(SELECT * FROM {AREA_DAILY} WHERE day <= {day_arg})"
    keys = ", ".join(TOTAL_KEYS["area_daily"])
    return (
        f"(SELECT {keys}, sum(value)::bigint AS value FROM {AREA_DAILY_RECORDED} "
        f"WHERE recorded <= {day_arg} GROUP BY {keys} HAVING sum(value) <> 0)"
    )
