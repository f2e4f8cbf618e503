"""A history's late rows made in memory for a commit into its empty tables (a catch-up from
zero: the demo log is one window, every event in it late).

PostgreSQL then took most of the nerve centre's commit grouping the staged late deltas (a
member a row) into day and week rows, sorting them by member for the arrays (area counts'
486k day deltas over a 293k-event log: 10 s of a 41 s commit), and again into the running
totals by month (4 s). Here the same rows are made by the projector's thread while the
writer sends the commit's earlier parts, and are COPYed straight in: the rows
``late_days.write_late_days``' fresh statement, ``derived_late`` and
``late_months.write_late_months_fresh`` make from the same stage (members in code-point
order: PostgreSQL's under the ``C`` or ``C.UTF-8`` collation; a read sums them in any
order). Into tables holding rows, a commit still stages and merges (``late_days``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from projections.nerve_centre.history import (
    HISTORIES,
    HISTORY_SUFFIX,
    LATE_SUFFIX,
    OCCURRED,
    SNAPSHOTS,
    WEEKLY,
    array_literal,
    counts_literal,
    week_of_month,
)
from projections.nerve_centre.late_months import LATE_MONTHS_SUFFIX
from projections.nerve_centre.tables import TOTAL_KEYS

Members = dict[Any, int]  # a group's members and their deltas (or sums)


@dataclass(frozen=True)
class FreshLate:
    """A history's rows for its three empty tables, in their keys' order: day and week rows
    and running totals by month (group, basis or month, members and counts as literals),
    and the late running totals (key, value)."""

    days: list[tuple[Any, ...]]
    totals: list[tuple[Any, ...]]
    months: list[tuple[Any, ...]]


def tables(history: str) -> frozenset[str]:
    """A history table's three tables that must all hold no row for ``fresh_late``'s rows."""
    total = history.removesuffix(HISTORY_SUFFIX)
    return frozenset((history, total + LATE_SUFFIX, total + LATE_MONTHS_SUFFIX))


LATE_TABLES = frozenset().union(*(tables(t + HISTORY_SUFFIX) for t in HISTORIES))


def fresh_late(history: str, rows: Iterable[tuple[Any, ...]]) -> FreshLate:
    """The rows of a history's tables from a commit's late deltas (``total_rows``: (*key,
    occurred day, delta), a key and day once, none 0), as if its tables held none."""
    total = history.removesuffix(HISTORY_SUFFIX)
    size = len(SNAPSHOTS[total].group)
    width = len(TOTAL_KEYS[total])
    days: dict[tuple[Any, ...], dict[date, Members]] = defaultdict(dict)
    totals: dict[tuple[Any, ...], int] = {}
    get = totals.get
    for row in rows:
        key, day, value = row[:width], row[width], row[width + 1]
        totals[key] = get(key, 0) + value
        members = days[key[:size]].setdefault(day, {})
        member = key[size]
        members[member] = members.get(member, 0) + value
    return FreshLate(
        _day_rows(days),
        [(*key, value) for key, value in sorted(totals.items()) if value],
        _month_rows(days),
    )


def _row(group: tuple[Any, ...], *at: Any, members: Members) -> tuple[Any, ...]:
    """A row of arrays: its members sorted, their counts beside (none 0)."""
    ordered = sorted(m for m, v in members.items() if v)
    return (*group, *at, array_literal(ordered), counts_literal(map(members.__getitem__, ordered)))


def _day_rows(days: dict[tuple[Any, ...], dict[date, Members]]) -> list[tuple[Any, ...]]:
    """Each group's day rows ('o') then its week rows ('ow': the week's sums, none 0; a week
    whose sums all cancel keeps no row), by group, basis and day."""
    out = []
    for group in sorted(days):
        dated = days[group]
        weeks: dict[date, Members] = {}
        for day in sorted(dated):
            members = dated[day]
            if any(members.values()):  # a key and day once: always, but for a sum of 0
                out.append(_row(group, OCCURRED, day, members=members))
            week = weeks.setdefault(week_of_month(day), {})
            for member, value in members.items():
                week[member] = week.get(member, 0) + value
        out.extend(
            _row(group, OCCURRED + WEEKLY, week, members=members)
            for week, members in weeks.items()
            if any(members.values())
        )
    return out


def _month_rows(days: dict[tuple[Any, ...], dict[date, Members]]) -> list[tuple[Any, ...]]:
    """Each group's running sums up to the end of each month it has day rows in (empty
    arrays where every sum is back to 0), by group and month."""
    out = []
    for group in sorted(days):
        months: dict[date, list[Members]] = defaultdict(list)
        for day, members in days[group].items():
            months[day.replace(day=1)].append(members)
        running: Members = {}
        for month in sorted(months):
            for members in months[month]:
                for member, value in members.items():
                    running[member] = running.get(member, 0) + value
            out.append(_row(group, month, members=running))
    return out
