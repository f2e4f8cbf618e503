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

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any, ClassVar
from uuid import UUID

from psycopg import Cursor
from psycopg.rows import DictRow

from projections.base import BufferedView
from projections.nerve_centre.copy_rows import ROW_VALUES
from projections.nerve_centre.daily_flows import write_daily
from projections.nerve_centre.daily_fresh import DAILY_TABLES, fresh_daily, send_daily
from projections.nerve_centre.history import (
    HISTORIES,
    HISTORY_SUFFIX,
    LATE_SUFFIX,
    RUNNING,
    SNAPSHOT_SUFFIX,
    SNAPSHOTS,
    TOTALS,
    Dated,
    Days,
    literal_rows,
    total_rows,
    write_snapshots,
)
from projections.nerve_centre.late_days import LATE_DAYS
from projections.nerve_centre.late_fresh import LATE_TABLES, FreshLate, fresh_late, tables
from projections.nerve_centre.late_months import LATE_MONTHS_SUFFIX
from projections.nerve_centre.occurred import (
    OCCURRED_SUFFIX,
    occurred_deltas,
    shaped,
    stored,
    write_occurred,
)
from projections.nerve_centre.snapshots import DaySnapshots, Group, Members
from projections.nerve_centre.tables import (
    RECORDED_ON,
    ROW_COLUMNS,
    TOTAL_KEYS,
    VERSIONED,
    VERSIONS_SUFFIX,
)
from projections.nerve_centre.timings import Laps
from projections.nerve_centre.writes import add_totals, copy_fresh, merge
from projections.pipeline import Part

WORK_MEM = "128MB"  # for a commit's statements (``write``)
# a flow's ward, municipality, district, metric, occurred day and recorded day
WardDay = tuple[str, str, str, str, date, date]


@dataclass
class Changes:
    """A window's buffers, detached from the view (``reset`` makes new ones); its rows are
    built from them part by part during the commit (``parts``), while the projector handles
    no event: the cached rows stay as they were when taken."""

    households: dict[UUID, dict[str, Any]]
    referrals: dict[UUID, dict[str, Any]]
    field_workers: dict[str, dict[str, Any]]
    ward_daily: dict[WardDay, int]
    dated: Dated
    fw_visits: dict[tuple[str, UUID], date]
    versions: dict[str, list[tuple[Any, ...]]]  # table -> replaced rows, their days, until
    snapshots: DaySnapshots  # the rows of the days the commit changed groups on


class NerveCentreView(BufferedView):
    pipelined = True
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
        taken = Changes(
            self.households,
            self.referrals,
            self.field_workers,
            self.ward_daily,
            self.dated,
            self.fw_visits,
            self.versions,
            self.snapshots,
        )
        self.reset()
        return taken

    def write(self, curs: Cursor[DictRow], changes: Changes) -> None:
        for part in self.parts(changes):  # one after the other (``commit`` overlaps them)
            part(curs)

    def parts(self, changes: Changes) -> Iterator[Part]:
        """The commit's parts, each built here (the projector's thread) and sent by the
        writer (``projections.pipeline``). The daily flows, staged and merged by PostgreSQL,
        go first, while the totals' rows are built; a catch-up from zero commits into empty
        tables (the demo log is one window): their rows go in by COPY or a plain INSERT,
        with no staging or conflicts to resolve (every batch holds a key once), the daily
        flows' made here after the late days' (``daily_fresh``)."""
        built, sent, empty = Laps("built"), Laps("sent"), set[str]()
        daily = [(*key, value) for key, value in changes.ward_daily.items()]
        built("daily")
        # The league's stored rows are read before the transaction opens: a connection of
        # their own then (the pool may hold no other while the writer holds the commit's).
        league = occurred_deltas(changes.dated)
        league_rows = stored(self, league)
        built("occurred:stored")
        # A catch-up from zero: the late histories' rows are made here (``late_fresh``), if
        # their tables hold none now (and still none in the commit's transaction: ``empty``).
        # So are the daily flows' (``daily_fresh``). No probe while nothing could go fresh.
        before = set[str]()
        late = any(recorded != occurred for recorded, occurred in changes.dated)
        if (late and self.may_be_empty(LATE_TABLES)) or (daily and self.may_be_empty(DAILY_TABLES)):
            with self.datastore.transaction(commit=False) as curs:
                before = self.empty(curs)
        fresh_flows = bool(daily) and before >= DAILY_TABLES

        def begin(curs: Cursor[DictRow]) -> None:
            # A window's sorts and groupings (hundreds of thousands of late deltas, flows)
            # spilled to disk at the default 4 MB: the late totals by month took twice as long.
            sent.resume()
            curs.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
            empty.update(self.empty(curs))
            if daily and not (fresh_flows and empty >= DAILY_TABLES):  # else made, later
                write_daily(self, curs, daily, empty)
            sent("daily")

        yield begin
        for table in (*TOTALS, *(t + HISTORY_SUFFIX for t in HISTORIES)):
            if table in LATE_DAYS and tables(table) <= before:
                fresh = fresh_late(table, changes.dated)
                built(table)
                yield partial(self._send_late, table, changes.dated, fresh, empty, sent)
                continue
            rows = total_rows(changes.dated, table)
            built(table)
            yield partial(self._send_totals, table, rows, empty, sent)
        if fresh_flows:  # built while the late days are sent
            flows = fresh_daily(changes.ward_daily)
            built("daily:fresh")
            yield partial(send_daily, self, flows, empty, sent)
        for table in ROW_COLUMNS:  # the window's latest state of each case
            rows = list(map(ROW_VALUES[table], getattr(changes, table).values()))
            built(table)
            yield partial(self._send_rows, table, rows, empty, sent)
        made = changes.snapshots
        for table in SNAPSHOTS:
            rows = literal_rows(made.rows.get(table, []))
            built(table + SNAPSHOT_SUFFIX)
            gone = made.unchanged.get(table, [])
            yield partial(self._send_snapshots, table, rows, gone, empty, sent)
        occurred = shaped(league, league_rows)
        built("occurred")

        def send_occurred(curs: Cursor[DictRow]) -> None:
            sent.resume()
            write_occurred(self, curs, occurred, empty)
            sent("occurred")

        yield send_occurred
        case_days = [
            (key, row[RECORDED_ON])
            for table in VERSIONED
            for key, row in getattr(changes, table).items()
        ]
        fw_visits = [(fw, hh, day) for (fw, hh), day in changes.fw_visits.items()]
        built("versions")

        def send_versions(curs: Cursor[DictRow]) -> None:
            sent.resume()
            merge(
                self,
                curs,
                "case_days",
                ("case_id", RECORDED_ON),
                case_days,
                empty,
                f"(case_id) DO UPDATE SET {RECORDED_ON} = EXCLUDED.{RECORDED_ON} "
                f"WHERE {{t_case_days}}.{RECORDED_ON} <> EXCLUDED.{RECORDED_ON}",
            )
            for table, versions in changes.versions.items():
                columns = (*ROW_COLUMNS[table], RECORDED_ON, "until")
                merge(self, curs, table + VERSIONS_SUFFIX, columns, versions, set(), "DO NOTHING")
            merge(
                self,
                curs,
                "fw_households",
                ("field_worker_id", "household_id", "last_visit_on"),
                fw_visits,
                empty,
                "(field_worker_id, household_id) DO UPDATE SET last_visit_on = "
                "greatest({t_fw_households}.last_visit_on, EXCLUDED.last_visit_on)",
            )
            sent("versions")
            built.report()
            sent.report()

        yield send_versions

    def _send_totals(
        self, table: str, rows: list[Any], empty: set[str], sent: Laps, curs: Cursor[DictRow]
    ) -> None:
        sent.resume()
        add_totals(self, curs, table, TOTAL_KEYS[table], rows, empty, sent)

    def _send_late(
        self,
        table: str,
        dated: Dated,
        fresh: FreshLate,
        empty: set[str],
        sent: Laps,
        curs: Cursor[DictRow],
    ) -> None:
        sent.resume()
        if tables(table) <= empty:
            copy_fresh(self, curs, table, fresh, sent)
        else:  # rows came in since the probe: staged and merged, as into stored rows
            rows = total_rows(dated, table)
            add_totals(self, curs, table, TOTAL_KEYS[table], rows, empty, sent)

    def _send_rows(
        self, table: str, rows: list[Any], empty: set[str], sent: Laps, curs: Cursor[DictRow]
    ) -> None:
        sent.resume()
        columns = ROW_COLUMNS[table]
        sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns[1:])
        merge(self, curs, table, columns, rows, empty, f"({columns[0]}) DO UPDATE SET {sets}")
        sent(table)

    def _send_snapshots(
        self,
        table: str,
        rows: list[Any],
        gone: list[Any],
        empty: set[str],
        sent: Laps,
        curs: Cursor[DictRow],
    ) -> None:
        sent.resume()
        write_snapshots(self, curs, table, rows, gone, empty)
        sent(table + SNAPSHOT_SUFFIX)
