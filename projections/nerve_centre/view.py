"""The nerve-centre read models in PostgreSQL, written a page at a time with their position.

Tables (prefixed ``nerve_centre_``):

- ``households`` / ``referrals``: one row per case, with its area codes for scoped filtering.
- ``area_counts``: running totals per (level, code, metric) for ward, municipality, district
  and province, so a dashboard reads a handful of rows whatever the number of households.
- ``area_daily``: events per (level, code, day, metric), for "last 30 days" and weekly trends.
- ``open_due``: open referrals per (level, code, due date): overdue = due before today;
  ``open_made``: open referrals per (level, code, day made): the backlog's ageing.
- ``ward_needs``: open needs per (ward, category): the heat map.
- ``department_area``: per (department, level, code) referral counts and days-to-act histograms;
  ``department_due``: its open referrals by due date.
- ``field_workers``: last submission and ward per field worker; ``fw_households``: the last
  visit day per (field worker, household).
- ``<total>_snapshots``: each group of a total at the end of each recorded day it changed on
  (``history``; made in memory by ``snapshots.SnapshotBook``, read by ``queries.asof``).
- ``<total>_late_days``: the late changes to the totals by occurred day and week, a row a group
  and day (``late_days``), for ``basis=occurred``;
  ``<total>_late_months``: their running totals by occurred month (``late_months``); the
  league's totals keep neither, but ``<total>_occurred``: its totals as known now by
  occurred day (``occurred``);
  ``area_daily_recorded``: the daily flows recorded on another day than they occurred
  (but those of a key all recorded on one later day: ``area_daily.late_on``; ``daily_flows``).
- ``ward_weeks``: M9's flows a ward and week, a figure a weekday (``ward_weeks``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import Composed

from projections.base import BufferedView
from projections.nerve_centre.copy_rows import ROW_VALUES
from projections.nerve_centre.daily_flows import write_daily
from projections.nerve_centre.history import (
    HISTORIES,
    HISTORY_SUFFIX,
    LATE_SUFFIX,
    RUNNING,
    SNAPSHOT_SUFFIX,
    SNAPSHOTS,
    Days,
    histories,
    live_totals,
    total_rows,
    write_snapshots,
)
from projections.nerve_centre.late_days import LATE_DAYS, LATE_TOTALS, stage_late
from projections.nerve_centre.late_months import LATE_MONTHS, LATE_MONTHS_FRESH, LATE_MONTHS_SUFFIX
from projections.nerve_centre.occurred import (
    OCCURRED_SUFFIX,
    Shaped,
    occurred_deltas,
    shaped,
    write_occurred,
)
from projections.nerve_centre.snapshots import DaySnapshots, Group, Members
from projections.nerve_centre.tables import (
    RECORDED_ON,
    ROW_COLUMNS,
    TOTAL_CONFLICTS,
    TOTAL_KEYS,
    VERSIONED,
    VERSIONS_SUFFIX,
)
from projections.nerve_centre.timings import Laps

WORK_MEM = "128MB"  # for a commit's statements (``write``)
# a flow's ward, municipality, district, metric, occurred day and recorded day
WardDay = tuple[str, str, str, str, date, date]


@dataclass
class Changes:
    """A page's changes, detached from the projection's cached rows (see ``BufferedView.take``)."""

    rows: dict[str, list[tuple[Any, ...]]]  # table -> whole rows, in its ROW_COLUMNS order
    totals: dict[str, list[tuple[Any, ...]]]  # roll-up table -> (*key, delta), none 0
    daily: list[tuple[Any, ...]]  # (*WardDay, events): the flows, by ward
    fw_visits: list[tuple[str, UUID, date]]  # (field worker, household, last visit)
    snapshots: DaySnapshots  # the rows of the days the commit changed groups on
    occurred: Shaped  # the league's rows by occurred day, rewritten from each changed day
    versions: dict[str, list[tuple[Any, ...]]]  # table -> replaced rows, their days, until
    case_days: list[tuple[UUID, date]]  # case rows changed, with their latest recorded day


class NerveCentreView(BufferedView):
    tables: ClassVar[tuple[str, ...]] = (
        "households",
        "referrals",
        "area_counts",
        "area_daily",
        "open_due",
        "open_made",
        "ward_needs",
        "department_area",
        "department_due",
        "field_workers",
        "fw_households",
        *(t + HISTORY_SUFFIX for t in HISTORIES),
        *(t + late for late in (LATE_SUFFIX, LATE_MONTHS_SUFFIX) for t in HISTORIES),
        *(t + SNAPSHOT_SUFFIX for t in SNAPSHOTS),
        *(t + OCCURRED_SUFFIX for t in RUNNING),
        "area_daily_recorded",
        "case_days",
        "ward_weeks",
        *(t + VERSIONS_SUFFIX for t in VERSIONED),
    )

    def reset(self) -> None:
        self.households: dict[UUID, dict[str, Any]] = {}
        self.referrals: dict[UUID, dict[str, Any]] = {}
        self.field_workers: dict[str, dict[str, Any]] = {}
        # (ward, municipality, district, metric, day, recorded day) -> events: written once a
        # ward, and spread to every level (and to the late flows) by PostgreSQL (``daily_flows``)
        self.ward_daily: dict[WardDay, int] = {}
        # (recorded day, occurred day) -> table -> the deltas of totals changed on those days;
        # the live totals' deltas are their sum (``take``), not kept twice on every change
        self.dated: dict[Days, dict[str, dict[Any, int]]] = {}
        self.fw_visits: dict[tuple[str, UUID], date] = {}
        # table -> earlier versions of rows changed on a later recorded day (see ``version``)
        self.versions: dict[str, list[tuple[Any, ...]]] = {t: [] for t in VERSIONED}
        self.snapshots = DaySnapshots()  # made by the projection's ``SnapshotBook``

    # ---- reads used by the projection to resume from stored rows -----------------------------

    def load_households(self, ids: Iterable[UUID]) -> dict[UUID, dict[str, Any]]:
        return self._load("households", "household_id", list(ids))

    def load_referrals(self, ids: Iterable[UUID]) -> dict[UUID, dict[str, Any]]:
        return self._load("referrals", "referral_id", list(ids))

    def referral_ids(self, where: str, *params: Any) -> list[UUID]:
        """The stored referrals matching ``where`` (a predicate on the referral rows), as the
        merges look for a household's (``projections.nerve_centre.merges``)."""
        query = self.sql("SELECT referral_id FROM {t_referrals} WHERE " + where)
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(query, params)
            return [row["referral_id"] for row in curs.fetchall()]

    def load_field_workers(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        return self._load("field_workers", "field_worker_id", list(ids))

    def _load(self, table: str, key: str, ids: list[Any]) -> dict[Any, dict[str, Any]]:
        if not ids:
            return {}
        query = self.sql(f"SELECT * FROM {{t_{table}}} WHERE {key} = ANY(%s)")
        if table in VERSIONED:
            query = self.sql(
                f"SELECT t.*, d.{RECORDED_ON} FROM {{t_{table}}} t LEFT JOIN {{t_case_days}} d "
                f"ON d.case_id = t.{key} WHERE t.{key} = ANY(%s)"
            )
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(query, (ids,))
            return {row[key]: dict(row) for row in curs.fetchall()}

    def version(self, table: str, row: dict[str, Any], until: date) -> None:
        """Keep a case row as it stood before a change recorded on a later day (``until``)."""
        self.versions[table].append((*ROW_VALUES[table](row), row[RECORDED_ON], until))

    def load_groups(
        self, table: str, groups: list[Group], day: date
    ) -> dict[Group, tuple[Members, Members]]:
        """Snapshotted groups of a total: their live members (as committed), and their members
        at the end of the last day before ``day`` they changed on (their latest snapshot)."""
        shape = SNAPSHOTS[table]
        columns = ", ".join(shape.group)
        unnest = ", ".join("%s::text[]" for _ in shape.group)
        given = f"unnest({unnest}) AS g({columns})"
        arrays = [list(column) for column in zip(*groups, strict=True)]
        width = len(shape.group)
        out: dict[Group, tuple[Members, Members]] = {group: ({}, {}) for group in groups}
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                self.sql(
                    f"SELECT {columns}, t.{shape.member} AS member, t.value FROM {given} "
                    f"JOIN {{t_{table}}} t USING ({columns})"
                ),
                arrays,
            )
            for row in curs.fetchall():
                values = tuple(row.values())
                out[values[:width]][0][row["member"]] = row["value"]
            on = " AND ".join(f"s.{c} = g.{c}" for c in shape.group)
            curs.execute(
                self.sql(
                    f"SELECT {columns}, s.members, s.counts FROM {given} CROSS JOIN LATERAL "
                    f"(SELECT members, counts FROM {{t_{table}{SNAPSHOT_SUFFIX}}} s "
                    f"WHERE {on} AND s.day < %s ORDER BY s.day DESC LIMIT 1) s"
                ),
                [*arrays, day],
            )
            for row in curs.fetchall():
                values = tuple(row.values())
                out[values[:width]][1].update(zip(row["members"], row["counts"], strict=True))
        return out

    def latest_snapshot_day(self) -> date:
        """The latest recorded day a snapshot was taken on (``date.min``: none yet)."""
        query = self.sql("SELECT max(day) AS day FROM {t_area_counts_snapshots}")
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(query)
            row = curs.fetchone()
        return row["day"] if row and row["day"] else date.min

    # ---- the page's writes ---------------------------------------------------------------------

    def staged(self) -> int:
        """About the rows a commit writes (deltas by day, flows, versions, snapshots, cases)."""
        dated = sum(len(deltas) for tables in self.dated.values() for deltas in tables.values())
        more = (*self.versions.values(), *self.snapshots.rows.values(), self.households)
        return dated + len(self.ward_daily) + sum(map(len, more)) + len(self.referrals)

    def take(self) -> Changes:
        # Tuples of the rows' values: handlers replace a row's lists and dicts, never change
        # them in place, so the values stay as taken while later events change the rows.
        changes = Changes(
            rows={table: list(map(ROW_VALUES[table], self._rows(table))) for table in ROW_COLUMNS},
            totals=total_rows({**live_totals(self.dated), **histories(self.dated)}),
            daily=[(*key, value) for key, value in self.ward_daily.items()],
            fw_visits=[(fw, hh, day) for (fw, hh), day in self.fw_visits.items()],
            snapshots=self.snapshots,
            occurred=shaped(self, occurred_deltas(self.dated)),
            versions=self.versions,
            case_days=[
                (key, row[RECORDED_ON])
                for table in VERSIONED
                for key, row in getattr(self, table).items()
            ],
        )
        self.reset()
        return changes

    def _rows(self, table: str) -> Iterable[dict[str, Any]]:
        rows: dict[Any, dict[str, Any]] = getattr(self, table)
        return rows.values()

    def write(self, curs: Cursor[DictRow], changes: Changes) -> None:
        # A catch-up from zero commits into empty tables (the demo log is one window): their
        # rows go in by COPY or a plain INSERT, with no staging or conflicts to resolve
        # where nothing can conflict (every batch holds a key once: see ``take``).
        lap = Laps()
        # A window's sorts and groupings (hundreds of thousands of late deltas, flows) spilled
        # to disk at the default 4 MB: the running totals by month took twice as long.
        curs.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        empty = self.empty(curs)
        for table, rows in changes.rows.items():  # the page's latest state of each case
            columns = ROW_COLUMNS[table]
            sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns[1:])
            self._merge(curs, table, columns, rows, empty, f"({columns[0]}) DO UPDATE SET {sets}")
        lap("cases")
        for table, totals in changes.totals.items():
            self._add(curs, table, TOTAL_KEYS[table], totals, empty, lap)
        if changes.daily:
            write_daily(self, curs, changes.daily, empty)
        lap("daily")
        made = changes.snapshots
        for table in SNAPSHOTS:
            write_snapshots(
                self, curs, table, made.rows.get(table, []), made.unchanged.get(table, []), empty
            )
        lap("snapshots")
        write_occurred(self, curs, changes.occurred, empty)
        lap("occurred")
        self._merge(
            curs,
            "case_days",
            ("case_id", RECORDED_ON),
            changes.case_days,
            empty,
            f"(case_id) DO UPDATE SET {RECORDED_ON} = EXCLUDED.{RECORDED_ON} "
            f"WHERE {{t_case_days}}.{RECORDED_ON} <> EXCLUDED.{RECORDED_ON}",
        )
        for table, versions in changes.versions.items():
            columns = (*ROW_COLUMNS[table], RECORDED_ON, "until")
            self._merge(curs, table + VERSIONS_SUFFIX, columns, versions, set(), "DO NOTHING")
        self._merge(
            curs,
            "fw_households",
            ("field_worker_id", "household_id", "last_visit_on"),
            changes.fw_visits,
            empty,
            "(field_worker_id, household_id) DO UPDATE SET last_visit_on = "
            "greatest({t_fw_households}.last_visit_on, EXCLUDED.last_visit_on)",
        )
        lap("versions")
        lap.report()

    def _merge(
        self,
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
            self.copy(curs, table, columns, rows)
            return
        stage = self.stage(curs, table, columns, rows)
        cols = ", ".join(columns)
        curs.execute(
            self.sql(
                f"INSERT INTO {{t_{table}}} ({cols}) SELECT {cols} FROM {{stage}} "
                f"ON CONFLICT {conflict}",
                stage=stage,
            )
        )

    def _add(
        self,
        curs: Cursor[DictRow],
        table: str,
        key: tuple[str, ...],
        rows: list[tuple[Any, ...]],
        empty: set[str],
        lap: Laps,
    ) -> None:
        """Add deltas to totals (one falling to zero is deleted, as if never written); a
        history's late deltas (a row a group and day: ``late_days``) also make its late
        running totals, and by month."""
        if not rows:
            return
        if table in LATE_DAYS:
            stage = stage_late(self, curs, table, rows)
            lap(table + ":stage")
            into_stored, into_empty = LATE_DAYS[table]
            curs.execute(self.sql(into_empty if table in empty else into_stored, stage=stage))
        elif table in empty:  # straight in: a key once, none 0 (``total_rows``); no stage read
            self.copy(curs, table, (*key, "value"), rows, binary=True)
        else:
            stage = self.stage(curs, table, (*key, "value"), rows, binary=True)
            lap(table + ":stage")
            cols = ", ".join(key)
            select = f"SELECT {cols}, value FROM {{stage}}"
            self._upsert(curs, table, cols, select, stage, TOTAL_CONFLICTS.get(table), empty)
        lap(table + ":own")
        for target, target_cols, derived in LATE_TOTALS.get(table, ()):
            on = TOTAL_CONFLICTS.get(target)
            self._upsert(curs, target, target_cols, derived, stage, on, empty)
            lap(f"{table}:{target}")
        if table in LATE_MONTHS:
            months = table.removesuffix(HISTORY_SUFFIX) + LATE_MONTHS_SUFFIX
            fresh = {table, months} <= empty  # no stored day or month row to carry
            statement = (LATE_MONTHS_FRESH if fresh else LATE_MONTHS)[table]
            curs.execute(self.sql(statement, stage=stage))
            lap(table + ":months")

    def _upsert(
        self,
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
            curs.execute(self.sql(insert, stage=stage))
            return
        # Only the number of totals now zero comes back (usually none: no second statement).
        curs.execute(
            self.sql(
                f"WITH added AS ({insert} ON CONFLICT ({', '.join(on)}) "
                f"DO UPDATE SET value = {{t_{table}}}.value + EXCLUDED.value RETURNING value) "
                "SELECT count(*) AS zeros FROM added WHERE value = 0",
                stage=stage,
            )
        )
        counted = curs.fetchone()
        if counted and counted["zeros"]:
            # A statement cannot see its own upsert's rows: delete them in a second one.
            match = " AND ".join(f"t.{c} = s.{c}" for c in on)
            curs.execute(
                self.sql(
                    f"DELETE FROM {{t_{table}}} t USING ({select}) s ({cols}, value) "
                    f"WHERE {match} AND t.value = 0",
                    stage=stage,
                )
            )
