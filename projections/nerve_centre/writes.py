"""How a nerve-centre commit writes case rows and totals (``NerveCentreView``'s parts)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import Composed

from projections.base import BufferedView
from projections.nerve_centre.history import HISTORY_SUFFIX, LATE_SUFFIX, SNAPSHOTS
from projections.nerve_centre.late_days import LATE_DAYS, LATE_TOTALS, stage_late
from projections.nerve_centre.late_fresh import FreshLate
from projections.nerve_centre.late_months import LATE_MONTHS, LATE_MONTHS_FRESH, LATE_MONTHS_SUFFIX
from projections.nerve_centre.tables import TOTAL_CONFLICTS, TOTAL_KEYS
from projections.nerve_centre.timings import Laps


def merge(
    view: BufferedView,
    curs: Cursor[DictRow],
    table: str,
    columns: tuple[str, ...],
    rows: Sequence[tuple[Any, ...]],
    empty: set[str],
    conflict: str,
) -> None:
    """COPY rows into an empty table, or stage them and insert them ``ON CONFLICT``."""
    if not rows:
        return
    if table in empty:
        view.copy(curs, table, columns, rows)
        return
    stage = view.stage(curs, table, columns, rows)
    cols = ", ".join(columns)
    curs.execute(
        view.sql(
            f"INSERT INTO {{t_{table}}} ({cols}) SELECT {cols} FROM {{stage}} "
            f"ON CONFLICT {conflict}",
            stage=stage,
        )
    )


def add_totals(
    view: BufferedView,
    curs: Cursor[DictRow],
    table: str,
    key: tuple[str, ...],
    rows: list[tuple[Any, ...]],
    empty: set[str],
    lap: Laps,
) -> None:
    """Add deltas to totals (one falling to zero is deleted, as if never written); a
    history's late deltas (a row a group and day: ``late_days``) also make its late
    running totals, and by month (into empty tables, a catch-up's: ``copy_fresh``)."""
    if not rows:
        return
    if table in LATE_DAYS:
        stage = stage_late(view, curs, table, rows)
        lap(table + ":stage")
        into_stored, into_empty = LATE_DAYS[table]
        curs.execute(view.sql(into_empty if table in empty else into_stored, stage=stage))
    elif table in empty:  # straight in: a key once, none 0 (``total_rows``); no stage read
        view.copy(curs, table, (*key, "value"), rows, binary=True)
    else:
        stage = view.stage(curs, table, (*key, "value"), rows, binary=True)
        lap(table + ":stage")
        cols = ", ".join(key)
        select = f"SELECT {cols}, value FROM {{stage}}"
        upsert(view, curs, table, cols, select, stage, TOTAL_CONFLICTS.get(table), empty)
    lap(table + ":own")
    for target, target_cols, derived in LATE_TOTALS.get(table, ()):
        on = TOTAL_CONFLICTS.get(target)
        upsert(view, curs, target, target_cols, derived, stage, on, empty)
        lap(f"{table}:{target}")
    if table in LATE_MONTHS:
        months = table.removesuffix(HISTORY_SUFFIX) + LATE_MONTHS_SUFFIX
        carried = not {table, months} <= empty  # stored day or month rows to carry
        statement = (LATE_MONTHS if carried else LATE_MONTHS_FRESH)[table]
        curs.execute(view.sql(statement, stage=stage))
        lap(table + ":months")


def copy_fresh(
    view: BufferedView, curs: Cursor[DictRow], table: str, fresh: FreshLate, lap: Laps
) -> None:
    """COPY a history's rows made in memory (``late_fresh``) into its three empty tables."""
    if not fresh.days:  # no late delta (then no total or month either)
        return
    total = table.removesuffix(HISTORY_SUFFIX)
    group = SNAPSHOTS[total].group
    view.copy(curs, table, (*group, "basis", "day", "members", "counts"), fresh.days)
    lap(table + ":own")
    late = total + LATE_SUFFIX
    view.copy(curs, late, (*TOTAL_KEYS[late], "value"), fresh.totals, binary=True)
    lap(f"{table}:{late}")
    months = total + LATE_MONTHS_SUFFIX
    view.copy(curs, months, (*group, "month", "members", "counts"), fresh.months)
    lap(table + ":months")


def upsert(
    view: BufferedView,
    curs: Cursor[DictRow],
    table: str,
    cols: str,
    select: str,
    stage: Composed,
    conflict: tuple[str, ...] | None,
    empty: set[str],
) -> None:
    """Add the rows of ``select`` (``cols`` then the value) to a total's rows, in its key's
    order: the index is then written page after page, not at random (a window's daily
    totals touch most of the table: this halves their upsert's time). Into an empty table,
    a plain INSERT: its rows are unique and none 0 (``derived_late``'s HAVING)."""
    names = [c.strip() for c in cols.split(",")]
    on, order = conflict or tuple(names), ", ".join(map(str, range(1, len(names) + 1)))
    insert = f"INSERT INTO {{t_{table}}} ({cols}, value) {select} ORDER BY {order}"
    if table in empty:
        curs.execute(view.sql(insert, stage=stage))
        return
    view.add_deltas(curs, table, insert, on, f"({select}) s ({cols}, value)", stage)
