"""The department league's totals as known now by occurred day, for the league as of a day by
occurred time (``queries.asof``).

``<total>_occurred`` holds, for each group of the league's two totals (``RUNNING``: a
department's row in an area, and its open referrals by due date), the group's totals summed
over every change that occurred by each day it changed on, on time or late: one row a day,
its members and counts as two arrays, as a snapshot holds them. A read as of D takes the
group's latest row up to D: one index probe a group, where the snapshot, the late snapshot,
the late months, weeks and days took five (2.7x today's league at 3M households).

A change recorded the day it occurred (the common case, at the head of the log) touches the
group's latest row only. A late one rewrites the group's rows from the day it occurred on:
each commit loads its groups' rows from their earliest changed day (and the row before it),
adds the commit's deltas as running sums in Python and writes the rows back by COPY. The
loading happens before the commit's transaction opens (``stored``: the projector is these
tables' only writer, and its commits run one after another), the adding (``shaped``) while
the commit's earlier parts are sent (``NerveCentreView.parts``). A day
that leaves a group as the day before did keeps no row (and loses one it had), so the rows
are those a rebuild makes whatever the commits were.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from psycopg import Cursor
from psycopg.rows import DictRow

from projections.base import BufferedView
from projections.nerve_centre.history import (
    RUNNING,
    SNAPSHOTS,
    Dated,
    array_literal,
    counts_literal,
    write_snapshots,
)
from projections.nerve_centre.snapshots import Group, Members

OCCURRED_SUFFIX = "_occurred"
# table -> group -> occurred day -> member -> the commit's delta
ByDay = dict[str, dict[Group, dict[date, Members]]]
# table -> (the rows to upsert: (*group, day, members, counts), their arrays as literals;
# the rows to drop: (*group, day))
Shaped = dict[str, tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]
# table -> group -> (its row before its first changed day, its rows from that day on)
Stored = dict[str, dict[Group, tuple[Members, dict[date, Members]]]]


def occurred_deltas(dated: Dated) -> ByDay:
    """A commit's deltas of the league's totals by group and occurred day, zeros (and days
    and groups left with none) left out."""
    out: ByDay = {table: {} for table in RUNNING}
    for (_, occurred), tables in dated.items():
        for table in RUNNING:
            width = len(SNAPSHOTS[table].group)
            groups = out[table]
            for key, value in tables.get(table, {}).items():
                if value:
                    day = groups.setdefault(key[:width], {}).setdefault(occurred, {})
                    member = key[width]
                    day[member] = day.get(member, 0) + value
    return {table: _changed(groups) for table, groups in out.items()}


def stored(view: BufferedView, deltas: ByDay) -> Stored:
    """Each changed group's stored rows from the first day the commit changed it on (and the
    row before), read before the commit's transaction opens, in a transaction of its own (the
    commit's parts are built while it holds a connection: a pool may have no other)."""
    out: Stored = {}
    with view.datastore.transaction(commit=False) as curs:
        for table, changed in deltas.items():
            firsts = {group: min(days) for group, days in changed.items()}
            out[table] = _load(view, curs, table, firsts) if firsts else {}
    return out


def shaped(deltas: ByDay, stored: Stored) -> Shaped:
    """Each table's rows rewritten from the first day the commit changed each group on."""
    return {table: _rewrite(stored[table], changed) for table, changed in deltas.items()}


def write_occurred(
    view: BufferedView, curs: Cursor[DictRow], shaped: Shaped, empty: set[str]
) -> None:
    """Send the rows ``shaped`` made (inside the commit's transaction; ``empty``: the view's
    tables holding no row, see ``write_snapshots``)."""
    for table, (rows, gone) in shaped.items():
        write_snapshots(view, curs, table, rows, gone, empty, suffix=OCCURRED_SUFFIX)


def _changed(changed: dict[Group, dict[date, Members]]) -> dict[Group, dict[date, Members]]:
    """The groups and days with a delta not 0."""
    changed = {g: {d: m for d, m in days.items() if any(m.values())} for g, days in changed.items()}
    return {group: days for group, days in changed.items() if days}


def _rewrite(
    stored: dict[Group, tuple[Members, dict[date, Members]]],
    changed: dict[Group, dict[date, Members]],
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    rows: list[tuple[Any, ...]] = []
    gone: list[tuple[Any, ...]] = []
    for group, days in changed.items():
        before, old = stored.get(group, ({}, {}))
        last: Members = {}
        ordered: list[Any] = []
        literal = array_literal(ordered)
        for day, members in _rewritten(before, old, days):
            if members is None:
                gone.append((*group, day))
                continue
            # The arrays' literals, made here, not by the commit's writer; a group's
            # members are mostly the day before's (only their counts moved): their literal too.
            if members.keys() != last.keys():
                ordered = sorted(members)
                literal = array_literal(ordered)
            last = members
            rows.append((*group, day, literal, counts_literal(map(members.__getitem__, ordered))))
    return rows, gone


def _rewritten(
    before: Members, old: dict[date, Members], deltas: dict[date, Members]
) -> Iterable[tuple[date, Members | None]]:
    """A group's rows from its first changed day on (``None``: the row goes), given its row
    before that day (``before``), its stored rows from it (``old``) and the deltas by day."""
    last: Members = before
    added: Members = {}  # the deltas up to the day
    for day in sorted(old.keys() | deltas.keys()):
        today = deltas.get(day, {})
        for member, value in today.items():
            added[member] = added.get(member, 0) + value
        # A day's row is its stored row (the last before it, if none) plus the deltas up to
        # it: the day before's row plus the day's deltas, unless a row was stored on the day.
        running, adding = (dict(old[day]), added) if day in old else (dict(last), today)
        for member, value in adding.items():
            count = running.get(member, 0) + value
            if count:
                running[member] = count
            else:
                running.pop(member, None)
        if running == last:
            if day in old:
                yield day, None
        elif old.get(day) != running:
            yield day, running
        last = running


def _load(
    view: BufferedView, curs: Cursor[DictRow], table: str, firsts: dict[Group, date]
) -> dict[Group, tuple[Members, dict[date, Members]]]:
    """Each group's row before its first day (``{}``: none) and its rows from that day on."""
    shape = SNAPSHOTS[table]
    columns = ", ".join(shape.group)
    width = len(shape.group)
    given = ", ".join("%s::text[]" for _ in shape.group)
    arrays: list[Any] = [list(c) for c in zip(*firsts, strict=True)]
    arrays.append(list(firsts.values()))
    on = " AND ".join(f"t.{c} = g.{c}" for c in shape.group)
    of = ", ".join(f"g.{c}" for c in shape.group)
    rows = f"SELECT day, members, counts FROM {{t_{table}{OCCURRED_SUFFIX}}} t WHERE {on} AND"
    curs.execute(
        view.sql(
            f"SELECT {of}, t.day, t.day >= g.first AS changed, t.members, t.counts "
            f"FROM unnest({given}, %s::date[]) AS g({columns}, first) CROSS JOIN LATERAL ("
            f"({rows} t.day >= g.first) UNION ALL "
            f"({rows} t.day < g.first ORDER BY t.day DESC LIMIT 1)) t"
        ),
        arrays,
    )
    out: dict[Group, tuple[Members, dict[date, Members]]] = {}
    for row in curs.fetchall():
        values = tuple(row.values())
        before, old = out.setdefault(values[:width], ({}, {}))
        members = dict(zip(row["members"], row["counts"], strict=True))
        if row["changed"]:
            old[row["day"]] = members
        else:
            before.update(members)
    return out
