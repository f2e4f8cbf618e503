"""Each snapshotted total's groups kept in memory, so a day's snapshots cost no SQL to make.

A snapshot is a group's members and counts at the end of a recorded day it changed on (see
``history``). The projector used to commit at the end of every recorded day and have
PostgreSQL re-aggregate each group it changed into a jsonb object: on a log recorded as the
work happened that was a commit (~40 statements) and a group-by over the live rows per day.
Here the groups a projector has touched stay in memory as they stand; at the end of each
recorded day (and at each commit, for the day still open) the day's deltas are added to
them, and each group that ended the day otherwise than it began it becomes one row of two
arrays, written with the window's other rows by binary COPY. A window then spans any number
of days.

A group is loaded once, the first time a day changes it: its live rows (as committed) and,
as the day before left it, its latest snapshot before the day (a restart or a commit in the
middle of a day must not mistake the day's own earlier changes for where it began).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from projections.nerve_centre.history import LATE_SUFFIX, SNAPSHOTS, Dated

Group = tuple[Any, ...]
Members = dict[Any, int]  # member (a metric, a category, a due day...) -> its count, never 0
# (table, groups, day) -> each group's live members and its members at the end of the last
# day before ``day`` that it changed on (empty: none)
Loader = Callable[[str, list[Group], date], dict[Group, tuple[Members, Members]]]
SnapshotRow = tuple[Any, ...]  # (*group, day, members, counts): a row of <table>_snapshots
GROUP_CACHE_LIMIT = 200_000  # groups kept between pages; beyond it the cache starts afresh


@dataclass
class _Groups:
    """One snapshotted total's groups."""

    live: dict[Group, Members] = field(default_factory=dict)  # as they stand
    base: dict[Group, Members] = field(default_factory=dict)  # open day's: as it began
    dirty: set[Group] = field(default_factory=set)  # changed since their row was last made


@dataclass
class DaySnapshots:
    """A day's snapshot rows to upsert, and groups whose day ended as it began (no row)."""

    rows: dict[str, list[SnapshotRow]] = field(default_factory=dict)
    unchanged: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)  # (*group, day)


class SnapshotBook:
    """The groups of every snapshotted total (and of their late running totals)."""

    def __init__(self, load: Loader) -> None:
        self.load = load
        self.totals = {table: _Groups() for table in SNAPSHOTS}

    def groups(self) -> int:
        return sum(len(groups.live) for groups in self.totals.values())

    def clear(self) -> None:
        self.totals = {table: _Groups() for table in SNAPSHOTS}

    def add_day(self, day: date, dated: Dated, out: DaySnapshots, *, ends: bool) -> None:
        """Add the deltas recorded on ``day`` not added yet (the caller hands each delta
        over once) and make the rows of the groups they changed; ``ends``: the day is over
        (the next ones begin from its rows)."""
        summed: dict[str, dict[Any, int]] = {}  # the day's deltas summed over occurred days
        on_time: dict[str, dict[Any, int]] = {}  # those that occurred on the day
        late_days = on_days = 0
        for (recorded, occurred), tables in dated.items():
            if recorded != day:
                continue
            for table, deltas in tables.items():
                _sum_into(summed.setdefault(table, {}), deltas)
                if table + LATE_SUFFIX not in self.totals:
                    continue
                if occurred == recorded:
                    _sum_into(on_time.setdefault(table, {}), deltas)
                    on_days += 1
                else:
                    late_days += 1
        # a late total's deltas: all the day's but those that occurred on it (one sum either
        # way: of the late ones, or of the day's on-time ones, whichever is shorter)
        late: dict[str, dict[Any, int]] = {}
        if late_days and late_days <= on_days:
            for (recorded, occurred), tables in dated.items():
                if recorded == day and occurred != recorded:
                    for table, deltas in tables.items():
                        if table + LATE_SUFFIX in self.totals:
                            _sum_into(late.setdefault(table + LATE_SUFFIX, {}), deltas)
        elif late_days:
            for table, deltas in summed.items():
                if table + LATE_SUFFIX in self.totals:
                    kept = on_time.get(table, {})
                    late[table + LATE_SUFFIX] = {k: v - kept.get(k, 0) for k, v in deltas.items()}
        for table, deltas in (*summed.items(), *late.items()):
            self._add(table, day, deltas)
        for table, groups in self.totals.items():
            if groups.dirty:
                self._rows(table, groups, day, out)
            if ends:
                groups.base.clear()

    def _add(self, table: str, day: date, deltas: dict[Any, int]) -> None:
        width = len(SNAPSHOTS[table].group)
        groups = self.totals[table]
        live, base = groups.live, groups.base
        changed = {key[:width] for key, value in deltas.items() if value}
        missing = [group for group in changed if group not in live]
        if missing:
            for group, (members, before) in self.load(table, missing, day).items():
                live[group], base[group] = members, before
        for group in changed:
            if group not in base:  # first changed today: the day begins where it stands
                base[group] = dict(live[group])
        for key, value in deltas.items():
            if value:
                members = live[key[:width]]
                member = key[width]
                count = members.get(member, 0) + value
                if count:
                    members[member] = count
                else:
                    del members[member]  # zeros are left out, as the live tables do
        groups.dirty |= changed

    @staticmethod
    def _rows(table: str, groups: _Groups, day: date, out: DaySnapshots) -> None:
        rows = out.rows.setdefault(table, [])
        unchanged = out.unchanged.setdefault(table, [])
        for group in groups.dirty:
            members = groups.live[group]
            if members == groups.base[group]:
                # A day that ends where it began keeps no row (as a total back to zero keeps
                # none): the same rows whatever the commits were.
                unchanged.append((*group, day))
            else:
                ordered = sorted(members)
                rows.append((*group, day, ordered, [members[m] for m in ordered]))
        groups.dirty.clear()


def _sum_into(total: dict[Any, int], deltas: dict[Any, int]) -> None:
    """Add ``deltas`` to ``total`` (into an empty one, a copy in C)."""
    if not total:
        total.update(deltas)
        return
    get = total.get
    for key, value in deltas.items():
        total[key] = get(key, 0) + value
