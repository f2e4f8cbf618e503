"""A history's late rows made in memory for a commit into its empty tables (a catch-up from
zero: the demo log is one window, every event in it late).

PostgreSQL then took most of the nerve centre's commit grouping the staged late deltas (a
member a row) into day and week rows, sorting them by member for the arrays (area counts'
486k day deltas over a 293k-event log: 3.7 s of an 18 s commit), and again into the
running totals by month (1.5 s). Here the same rows are made by the projector's thread while the
writer sends the commit's earlier parts, and are COPYed straight in: the rows
``late_days.write_late_days``' fresh statement, ``derived_late`` and
``late_months.write_late_months_fresh`` make from the same stage (members in code-point
order: PostgreSQL's under the ``C`` or ``C.UTF-8`` collation; a read sums them in any
order). Into tables holding rows, a commit still stages and merges (``late_days``).
"""

from __future__ import annotations

from collections import defaultdict
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
    Dated,
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


def fresh_late(history: str, dated: Dated) -> FreshLate:
    """The rows of a history's tables from a commit's dated deltas (as ``history.history``
    takes them: the late ones, by occurred day), as if its tables held none."""
    total = history.removesuffix(HISTORY_SUFFIX)
    size = len(SNAPSHOTS[total].group)
    days: dict[tuple[Any, ...], dict[date, Members]] = defaultdict(dict)
    extra: dict[tuple[Any, ...], int] = {}  # the late totals, if their key is more than
    wide = len(TOTAL_KEYS[total]) > size + 1  # the group and member (a ward's district...)
    for (rday, oday), changed in dated.items():
        deltas = changed.get(total)
        if rday == oday or not deltas:
            continue
        for key, value in deltas.items():
            members = days[key[:size]].setdefault(oday, {})
            member = key[size]
            members[member] = members.get(member, 0) + value
            if wide:
                extra[key] = extra.get(key, 0) + value
    for group, dated_members in list(days.items()):  # days whose deltas all cancel: none
        for day in [d for d, members in dated_members.items() if not any(members.values())]:
            del dated_members[day]
        if not dated_members:
            del days[group]
    day_rows: list[tuple[Any, ...]] = []
    month_rows: list[tuple[Any, ...]] = []
    totals: list[tuple[Any, ...]] = []
    for group in sorted(days):
        running = _group_rows(group, days[group], day_rows, month_rows)
        if not wide:
            totals.extend((*group, m, running[m]) for m in sorted(running) if running[m])
    if wide:
        totals = [(*key, value) for key, value in sorted(extra.items()) if value]
    return FreshLate(day_rows, totals, month_rows)


def _row(group: tuple[Any, ...], *at: Any, members: Members) -> tuple[Any, ...]:
    """A row of arrays: its members sorted, their counts beside (none 0)."""
    ordered = sorted(m for m, v in members.items() if v)
    return (*group, *at, array_literal(ordered), counts_literal(map(members.__getitem__, ordered)))


def _group_rows(
    group: tuple[Any, ...],
    dated: dict[date, Members],
    day_rows: list[tuple[Any, ...]],
    month_rows: list[tuple[Any, ...]],
) -> Members:
    """Add a group's day rows ('o') then its week rows ('ow': the week's sums, none 0; a week
    whose sums all cancel keeps no row), and its running sums up to the end of each month it
    has day rows in (empty arrays where every sum is back to 0); return its sums over all."""
    weeks: dict[date, Members] = {}
    for day in sorted(dated):
        members = dated[day]
        day_rows.append(_row(group, OCCURRED, day, members=members))
        week = weeks.get(start := week_of_month(day))
        if week is None:
            weeks[start] = dict(members)
        else:
            get = week.get
            for member, value in members.items():
                week[member] = get(member, 0) + value
    running: Members = {}
    month = None  # the month of the weeks so far (a week is within its month)
    for start, week in weeks.items():  # in order, as the days were
        if any(week.values()):
            day_rows.append(_row(group, OCCURRED + WEEKLY, start, members=week))
        first = start.replace(day=1)
        if month is not None and first != month:
            month_rows.append(_row(group, month, members=running))
        month = first
        get = running.get
        for member, value in week.items():
            running[member] = get(member, 0) + value
    if month is not None:
        month_rows.append(_row(group, month, members=running))
    return running
