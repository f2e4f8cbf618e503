"""M9's figures per ward and week, so an area's functionality classes read a few rows a ward.

An area's M9 (``queries.indicators``) counts each of its wards' classes from the last 8 weeks'
meetings and core departments' attendance and the last 14 days' profiles. Read from
``area_daily`` that is a row a ward, day and metric (11,620 rows for a district of 166 wards
at the benchmark's fill, 50-80 ms under load). ``ward_weeks`` holds the same flows a row a
ward and week (Monday to Sunday, by occurred day), each figure an array of the week's seven
days, so the windows, which end on any weekday, are still summed exactly: 9 rows a ward.

Written from the ward flows ``daily_flows.write_daily`` stages for ``area_daily``, in the
same transaction; migration 0031 filled it from ``area_daily``'s ward rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

from domain.rules.functionality import CORE_DEPARTMENTS

# Each array column and the flows (``area_daily`` metrics) it sums.
FIGURES: Final[dict[str, tuple[str, ...]]] = {
    "meetings": ("meetings",),
    "core_present": tuple(f"attended:{d}" for d in CORE_DEPARTMENTS),
    "profiles": ("profiles",),
}
_WEEK = "(day - (extract(isodow FROM day)::int - 1))"  # a day's Monday


def _metrics(metrics: Iterable[str]) -> str:
    return ", ".join(f"'{m}'" for m in metrics)


def _days(column: str) -> str:
    """A column's seven sums of a week (Monday first) from the grouped flows."""
    of = f"metric IN ({_metrics(FIGURES[column])})"
    sums = (
        f"sum(value) FILTER (WHERE {of} AND extract(isodow FROM day) = {d})" for d in range(1, 8)
    )
    return "ARRAY[" + ", ".join(f"coalesce({s}, 0)::bigint" for s in sums) + "]"


def _added(column: str) -> str:
    return (
        f"{column} = ARRAY["
        + ", ".join(f"w.{column}[{d}] + EXCLUDED.{column}[{d}]" for d in range(1, 8))
        + "]"
    )


# For ``BufferedView.sql``: ``{stage}`` holds a commit's flows a ward (ward_id, metric, day,
# value...), already added to ``area_daily``. Flows only add, so no sum falls back to zero.
WRITE_WARD_WEEKS: Final = (
    f"INSERT INTO {{t_ward_weeks}} AS w (ward_id, week, {', '.join(FIGURES)}) "
    f"SELECT ward_id, {_WEEK}, {', '.join(map(_days, FIGURES))} FROM {{stage}} "
    f"WHERE metric IN ({_metrics(m for ms in FIGURES.values() for m in ms)}) "
    "GROUP BY 1, 2 ORDER BY 1, 2 ON CONFLICT (ward_id, week) DO UPDATE SET "
    + ", ".join(map(_added, FIGURES))
)


@dataclass(frozen=True)
class WardActivity:
    """What M9 takes from a ward's flows: weeks met of the last 4 (this one and the 3 before),
    meetings and core departments present over the last 8 weeks, profiles over 14 days."""

    weeks_met: int = 0
    meetings: int = 0
    core_present: int = 0
    profiles: int = 0


def first_week(today: date) -> date:
    """The Monday of the oldest week an M9 window reaches back into (8 weeks: 55 days)."""
    first = today - timedelta(days=55)
    return first - timedelta(days=first.weekday())


def activity(rows: Iterable[Mapping[str, Any]], today: date) -> dict[str, WardActivity]:
    """Each ward's activity from its rows of weeks from ``first_week`` on, as the same windows
    over ``area_daily`` sum it: meetings and attendance on days after 8 weeks back, profiles
    after 14 days back, weeks met counted from the Monday three weeks before this one."""
    recent, fortnight = today - timedelta(weeks=8), today - timedelta(days=14)
    since = today - timedelta(days=today.weekday(), weeks=3)
    sums: dict[str, list[int]] = {}
    for row in rows:
        week = row["week"]
        total = sums.setdefault(row["ward_id"], [0, 0, 0, 0])
        total[0] += week >= since and any(row["meetings"])
        # a window's first day in the week (0: the whole week; 7 or more: none of it), so
        # each figure is a slice summed in C, not a date compared a day
        first = max(0, (recent - week).days + 1)
        if first < 7:
            total[1] += sum(row["meetings"][first:])
            total[2] += sum(row["core_present"][first:])
        first = max(0, (fortnight - week).days + 1)
        if first < 7:
            total[3] += sum(row["profiles"][first:])
    return {ward: WardActivity(*total) for ward, total in sums.items()}
