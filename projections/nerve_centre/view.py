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
- ``<total>_snapshots``: each group of a total that one read takes together (an area's
  counts, a department's row of the league in an area, a ward's needs) as it stood at the end
  of each recorded day it changed on, one jsonb object a row: a total as known at the end of
  day D is one index probe per group (``queries.asof``). The log is appended in recorded
  order, so a commit rewrites only the snapshots of its own days, never older ones.
- ``<total>_history``: every change to the totals as a delta keyed by the day its event
  occurred (``o``) and by that day's month (``om``: day is the month's first), for
  ``basis=occurred``; ``area_daily_recorded``: the daily flows recorded on another day than
  they occurred (late ones), from which the flows known at the end of a day are derived.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

import orjson
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from projections.base import BufferedView
from projections.nerve_centre.contributions import PROVINCE

# The live tables' names, for every query outside this module (the view derives the same names
# from its projection's name and the suffixes of ``NerveCentreView.tables``).
NAME = "nerve_centre"
TRACKING = f"{NAME}_tracking"
HOUSEHOLDS = f"{NAME}_households"
REFERRALS = f"{NAME}_referrals"
HOUSEHOLDS_VERSIONS = f"{NAME}_households_versions"
CASE_DAYS = f"{NAME}_case_days"
REFERRALS_VERSIONS = f"{NAME}_referrals_versions"
AREA_COUNTS = f"{NAME}_area_counts"
AREA_DAILY = f"{NAME}_area_daily"
OPEN_DUE = f"{NAME}_open_due"
OPEN_MADE = f"{NAME}_open_made"
WARD_NEEDS = f"{NAME}_ward_needs"
DEPARTMENT_AREA = f"{NAME}_department_area"
DEPARTMENT_DUE = f"{NAME}_department_due"
FIELD_WORKERS = f"{NAME}_field_workers"
FW_HOUSEHOLDS = f"{NAME}_fw_households"
AREA_DAILY_RECORDED = f"{NAME}_area_daily_recorded"
HISTORY_SUFFIX = "_history"
SNAPSHOT_SUFFIX = "_snapshots"
AREA_COUNTS_HISTORY = AREA_COUNTS + HISTORY_SUFFIX
OPEN_DUE_HISTORY = OPEN_DUE + HISTORY_SUFFIX
OPEN_MADE_HISTORY = OPEN_MADE + HISTORY_SUFFIX
WARD_NEEDS_HISTORY = WARD_NEEDS + HISTORY_SUFFIX
DEPARTMENT_AREA_HISTORY = DEPARTMENT_AREA + HISTORY_SUFFIX
DEPARTMENT_DUE_HISTORY = DEPARTMENT_DUE + HISTORY_SUFFIX

HOUSEHOLD_COLUMNS = (
    "household_id",
    "ward_id",
    "municipality",
    "district",
    "status",
    "risk_level",
    "risk_score",
    "open_needs",
    "open_categories",
    "high_needs",
    "registered_at",
    "profiled_at",
    "last_contact_at",
    "field_worker_id",
    "graduated_at",
    "position",
)
REFERRAL_COLUMNS = (
    "referral_id",
    "household_id",
    "need_id",
    "category",
    "severity",
    "ward_id",
    "municipality",
    "district",
    "department",
    "status",
    "escalation_level",
    "made_at",
    "acknowledged_at",
    "delivered_at",
    "verified_at",
    "closed_at",
    "ack_by",
    "deliver_by",
    "standard_version",
    "position",
)

FIELD_WORKER_COLUMNS = ("field_worker_id", "ward_ids", "active", "last_submission_at", "position")
ROW_COLUMNS = {
    "households": HOUSEHOLD_COLUMNS,
    "referrals": REFERRAL_COLUMNS,
    "field_workers": FIELD_WORKER_COLUMNS,
}
RECORDED_ON = "recorded_on"  # the recorded day of a case row's latest change (``case_days``)
VERSIONED = ("households", "referrals")  # the case rows whose earlier versions are kept
VERSIONS_SUFFIX = "_versions"
# each roll-up table's key columns (in its buffer's key order), and its conflict target if other
TOTAL_KEYS: dict[str, tuple[str, ...]] = {
    "area_counts": ("level", "code", "metric"),
    "area_daily": ("level", "code", "metric", "day"),
    "open_due": ("level", "code", "due"),
    "open_made": ("level", "code", "made"),
    "ward_needs": ("ward_id", "category", "district", "municipality"),
    "department_area": ("department", "level", "code", "metric"),
    "department_due": ("department", "level", "code", "due"),
}
TOTAL_CONFLICTS: dict[str, tuple[str, ...]] = {"ward_needs": ("ward_id", "category")}
# the totals whose changes are kept by day (every roll-up but the daily flows: see below)
HISTORIES = tuple(t for t in TOTAL_KEYS if t != "area_daily")
for _table in HISTORIES:
    TOTAL_KEYS[_table + HISTORY_SUFFIX] = (*TOTAL_KEYS[_table], "basis", "day")
    if _table in TOTAL_CONFLICTS:
        TOTAL_CONFLICTS[_table + HISTORY_SUFFIX] = (*TOTAL_CONFLICTS[_table], "basis", "day")
TOTAL_KEYS["area_daily_recorded"] = ("level", "code", "metric", "day", "recorded")
OCCURRED = "o"  # the history tables' basis code (by day)
MONTHLY = "m"  # suffix of a basis code whose rows are by month (day: the month's first)
Days = tuple[date, date]  # an event's recorded day and occurred day


@dataclass(frozen=True)
class Snapshot:
    """How a total's snapshots group it: the leading key columns one read takes together, and
    the column whose values make up the group's jsonb object (its keys; their SQL type)."""

    group: tuple[str, ...]
    member: str
    member_type: str


SNAPSHOTS: dict[str, Snapshot] = {
    "area_counts": Snapshot(("level", "code"), "metric", "text"),
    "open_due": Snapshot(("level", "code"), "due", "date"),
    "open_made": Snapshot(("level", "code"), "made", "date"),
    "ward_needs": Snapshot(("ward_id",), "category", "text"),
    "department_area": Snapshot(("department", "level", "code"), "metric", "text"),
    "department_due": Snapshot(("department", "level", "code"), "due", "date"),
}
# The late changes' running totals (recorded on another day than they occurred), kept and
# snapshotted by recorded day as the totals are: by occurred time, a total as of D is its
# snapshot less its late one, plus the late deltas that occurred by D (``queries.asof``).
LATE_SUFFIX = "_late"
for _table in HISTORIES:
    TOTAL_KEYS[_table + LATE_SUFFIX] = TOTAL_KEYS[_table]
    if _table in TOTAL_CONFLICTS:
        TOTAL_CONFLICTS[_table + LATE_SUFFIX] = TOTAL_CONFLICTS[_table]
    SNAPSHOTS[_table + LATE_SUFFIX] = SNAPSHOTS[_table]


@dataclass
class Changes:
    """A page's changes, detached from the projection's cached rows (see ``BufferedView.take``)."""

    rows: dict[str, list[tuple[Any, ...]]]  # table -> whole rows, in its ROW_COLUMNS order
    totals: dict[str, Counter[Any]]  # roll-up table -> deltas by key
    fw_visits: dict[tuple[str, UUID], date]
    # roll-up table -> (its groups changed, with the recorded day; for a group changed on
    # several days, each key's deltas of later days than each earlier one, by that day)
    snapshots: dict[str, tuple[set[tuple[Any, ...]], dict[tuple[Any, ...], int]]]
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
        *(t + LATE_SUFFIX for t in HISTORIES),
        *(t + SNAPSHOT_SUFFIX for t in SNAPSHOTS),
        "area_daily_recorded",
        "case_days",
        *(t + VERSIONS_SUFFIX for t in VERSIONED),
    )

    def reset(self) -> None:
        self.households: dict[UUID, dict[str, Any]] = {}
        self.referrals: dict[UUID, dict[str, Any]] = {}
        self.field_workers: dict[str, dict[str, Any]] = {}
        self.counts: Counter[tuple[str, str, str]] = Counter()
        # (level, code, metric, day, recorded day) -> events
        self.daily: Counter[tuple[str, str, str, date, date]] = Counter()
        # (ward, municipality, district, metric, day, recorded day) -> events: spread to the
        # levels by take()
        self.ward_daily: dict[tuple[str, str, str, str, date, date], int] = {}
        # (recorded day, occurred day) -> table -> the deltas of totals changed on those days
        self.dated: dict[Days, dict[str, dict[Any, int]]] = {}
        self.due: Counter[tuple[str, str, date]] = Counter()
        self.made: Counter[tuple[str, str, date]] = Counter()
        self.ward_needs: Counter[tuple[str, str, str, str]] = Counter()
        self.departments: Counter[tuple[str, str, str, str]] = Counter()
        self.department_due: Counter[tuple[str, str, str, date]] = Counter()
        self.fw_visits: dict[tuple[str, UUID], date] = {}
        # table -> earlier versions of rows changed on a later recorded day (see ``version``)
        self.versions: dict[str, list[tuple[Any, ...]]] = {t: [] for t in VERSIONED}

    # ---- reads used by the projection to resume from stored rows -----------------------------

    def load_households(self, ids: Iterable[UUID]) -> dict[UUID, dict[str, Any]]:
        return self._load("households", "household_id", list(ids))

    def load_referrals(self, ids: Iterable[UUID]) -> dict[UUID, dict[str, Any]]:
        return self._load("referrals", "referral_id", list(ids))

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
        values = (_adapt(row[c]) for c in ROW_COLUMNS[table])
        self.versions[table].append((*values, row[RECORDED_ON], until))

    def latest_snapshot_day(self) -> date:
        """The latest recorded day a snapshot was taken on (``date.min``: none yet)."""
        query = self.sql("SELECT max(day) AS day FROM {t_area_counts_snapshots}")
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(query)
            row = curs.fetchone()
        return row["day"] if row and row["day"] else date.min

    # ---- the page's writes ---------------------------------------------------------------------

    def take(self) -> Changes:
        recorded = self.daily
        for (ward, municipality, district, metric, day, rday), value in self.ward_daily.items():
            for key in (
                ("ward", ward, metric, day, rday),
                ("municipality", municipality, metric, day, rday),
                ("district", district, metric, day, rday),
                ("province", PROVINCE, metric, day, rday),
            ):
                recorded[key] += value
        daily: Counter[tuple[str, str, str, date]] = Counter()
        late: Counter[tuple[str, str, str, date, date]] = Counter()
        for key, value in recorded.items():
            level, code, metric, day, rday = key
            at = level, code, metric, day
            daily[at] = daily.get(at, 0) + value
            if day != rday:  # the flows recorded on their own day need no second row
                late[key] = value
        # Tuples of the rows' values: handlers replace a row's lists and dicts, never change
        # them in place, so the values stay as taken while later events change the rows.
        changes = Changes(
            rows={
                table: [tuple(_adapt(row[c]) for c in columns) for row in self._rows(table)]
                for table, columns in ROW_COLUMNS.items()
            },
            totals={
                "area_counts": self.counts,
                "area_daily": daily,
                "open_due": self.due,
                "open_made": self.made,
                "ward_needs": self.ward_needs,
                "department_area": self.departments,
                "department_due": self.department_due,
                "area_daily_recorded": late,
                **self._histories(),
            },
            fw_visits=self.fw_visits,
            snapshots=self._snapshots(),
            versions=self.versions,
            case_days=[
                (key, row[RECORDED_ON])
                for table in VERSIONED
                for key, row in getattr(self, table).items()
            ],
        )
        self.reset()
        return changes

    def _histories(self) -> dict[str, Counter[Any]]:
        """The page's late deltas (recorded on another day than they occurred) by the day
        (and month) they occurred, and their running totals; on-time ones need neither."""
        out: dict[str, Counter[Any]] = {}
        for table in HISTORIES:
            out[table + HISTORY_SUFFIX] = Counter()
            out[table + LATE_SUFFIX] = Counter()
        for (rday, oday), tables in self.dated.items():
            if rday == oday:
                continue
            for table, deltas in tables.items():
                history, late = out[table + HISTORY_SUFFIX], out[table + LATE_SUFFIX]
                month = oday.replace(day=1)
                get = history.get  # not +=: Counter's __missing__ is Python, per new key
                for key, value in deltas.items():
                    late[key] = late.get(key, 0) + value
                    for dated in ((*key, OCCURRED, oday), (*key, OCCURRED + MONTHLY, month)):
                        history[dated] = get(dated, 0) + value
        return out

    def _snapshots(self) -> dict[str, tuple[set[tuple[Any, ...]], dict[tuple[Any, ...], int]]]:
        """Each table's groups changed by the page, by recorded day (and the same of the
        late running totals). A snapshot is taken from the live total after the commit, so a
        group changed on several days of one commit (a catch-up, or a commit across
        midnight) also needs, for each earlier day, the deltas of the days after it, to take
        them back out."""
        changed: dict[str, dict[tuple[Any, ...], dict[date, dict[Any, int]]]] = {}
        for (rday, oday), tables in self.dated.items():
            for table, deltas in tables.items():
                width = len(SNAPSHOTS[table].group)
                for name in (table, table + LATE_SUFFIX) if rday != oday else (table,):
                    groups = changed.setdefault(name, {})
                    for key, value in deltas.items():
                        if value:
                            on_day = groups.setdefault(key[:width], {}).setdefault(rday, {})
                            on_day[key] = on_day.get(key, 0) + value
        out: dict[str, tuple[set[tuple[Any, ...]], dict[tuple[Any, ...], int]]] = {}
        for table, groups in changed.items():
            touched: set[tuple[Any, ...]] = set()
            later: dict[tuple[Any, ...], int] = {}
            for group, by_day in groups.items():
                touched.update((*group, day) for day in by_day)
                after: dict[Any, int] = {}  # the deltas of the days after the one at hand
                for day in sorted(by_day, reverse=True):
                    for key, value in after.items():
                        if value:
                            later[*key, day] = value
                    for key, value in by_day[day].items():
                        after[key] = after.get(key, 0) + value
            out[table] = touched, later
        return out

    def _rows(self, table: str) -> Iterable[dict[str, Any]]:
        rows: dict[Any, dict[str, Any]] = getattr(self, table)
        return rows.values()

    def write(self, curs: Cursor[DictRow], changes: Changes) -> None:
        for table, rows in changes.rows.items():
            self._write_rows(curs, table, ROW_COLUMNS[table], rows)
        for table, deltas in changes.totals.items():
            self._add(curs, table, TOTAL_KEYS[table], deltas, conflict=TOTAL_CONFLICTS.get(table))
        for table, (touched, later) in changes.snapshots.items():
            self._snapshot(curs, table, touched, later)
        if changes.case_days:
            stage = self.stage(curs, "case_days", ("case_id", RECORDED_ON), changes.case_days)
            curs.execute(
                self.sql(
                    "INSERT INTO {t_case_days} SELECT * FROM {stage} ON CONFLICT (case_id) "
                    f"DO UPDATE SET {RECORDED_ON} = EXCLUDED.{RECORDED_ON} "
                    f"WHERE {{t_case_days}}.{RECORDED_ON} <> EXCLUDED.{RECORDED_ON}",
                    stage=stage,
                )
            )
        for table, versions in changes.versions.items():
            if versions:
                columns = (*ROW_COLUMNS[table], RECORDED_ON, "until")
                stage = self.stage(curs, table + VERSIONS_SUFFIX, columns, versions)
                cols = ", ".join(columns)
                curs.execute(
                    self.sql(
                        f"INSERT INTO {{t_{table}{VERSIONS_SUFFIX}}} ({cols}) "
                        f"SELECT {cols} FROM {{stage}} ON CONFLICT DO NOTHING",
                        stage=stage,
                    )
                )
        if changes.fw_visits:
            stage = self.stage(
                curs,
                "fw_households",
                ("field_worker_id", "household_id", "last_visit_on"),
                ((fw, hh, day) for (fw, hh), day in changes.fw_visits.items()),
            )
            curs.execute(
                self.sql(
                    "INSERT INTO {t_fw_households} SELECT * FROM {stage} "
                    "ON CONFLICT (field_worker_id, household_id) DO UPDATE SET last_visit_on = "
                    "greatest({t_fw_households}.last_visit_on, EXCLUDED.last_visit_on)",
                    stage=stage,
                )
            )

    def _write_rows(
        self,
        curs: Cursor[DictRow],
        table: str,
        columns: tuple[str, ...],
        staged: list[tuple[Any, ...]],
    ) -> None:
        """Upsert whole rows (the page's latest state of each case touched)."""
        if not staged:
            return
        stage = self.stage(curs, table, columns, staged)
        cols = ", ".join(columns)
        sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns[1:])
        curs.execute(
            self.sql(
                f"INSERT INTO {{t_{table}}} ({cols}) SELECT {cols} FROM {{stage}} "
                f"ON CONFLICT ({columns[0]}) DO UPDATE SET {sets}",
                stage=stage,
            )
        )

    def _add(
        self,
        curs: Cursor[DictRow],
        table: str,
        key: tuple[str, ...],
        deltas: Counter[Any],
        conflict: tuple[str, ...] | None = None,
    ) -> None:
        """Add deltas to totals; a total that falls to zero is deleted (as if never written).

        In key order: the index is then written page after page, not at random (a window's
        daily totals touch most of the table: this halves their upsert's time).
        """
        rows = [(*k, v) for k, v in deltas.items() if v]
        if not rows:
            return
        stage = self.stage(curs, table, (*key, "value"), rows, binary=True)
        cols = ", ".join((*key, "value"))
        on = conflict or key
        # Only the number of totals now zero comes back (usually none: no second statement).
        curs.execute(
            self.sql(
                f"WITH added AS (INSERT INTO {{t_{table}}} ({cols}) SELECT {cols} FROM {{stage}} "
                f"ORDER BY {', '.join(key)} ON CONFLICT ({', '.join(on)}) "
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
                    f"DELETE FROM {{t_{table}}} t USING {{stage}} s WHERE {match} AND t.value = 0",
                    stage=stage,
                )
            )

    def _snapshot(
        self,
        curs: Cursor[DictRow],
        table: str,
        touched: set[tuple[Any, ...]],
        later: dict[tuple[Any, ...], int],
    ) -> None:
        """Write the snapshots of the groups changed on each recorded day: the live rows of
        the group (now committed with the page's deltas) less the deltas of later days."""
        shape = SNAPSHOTS[table]
        group, member = ", ".join(shape.group), shape.member
        snapshots = table + SNAPSHOT_SUFFIX
        stage = self.stage(curs, snapshots, (*shape.group, "day", "value"), _empty(touched))
        values = (
            f"SELECT {group}, t.day, l.{member} AS member, l.value "
            f"FROM {{stage}} t JOIN {{t_{table}}} l USING ({group})"
        )
        if later:
            # a staging twin of the live table, with the day the deltas are taken back from
            name = Identifier(f"stage_{self.names[table]}_later")
            curs.execute(
                SQL(
                    "CREATE TEMP TABLE IF NOT EXISTS {0} (LIKE {1}, day date) ON COMMIT DELETE ROWS"
                ).format(name, self.table(table))
            )
            columns = SQL(", ").join(map(Identifier, (*TOTAL_KEYS[table], "day", "value")))
            with curs.copy(SQL("COPY {0} ({1}) FROM STDIN").format(name, columns)) as copy:
                for (*key, day), value in later.items():
                    copy.write_row((*key, day, -value))
            values += f" UNION ALL SELECT {group}, day, {member}, value FROM {name.as_string(curs)}"
        curs.execute(
            self.sql(
                f"INSERT INTO {{t_{snapshots}}} ({group}, day, value) "
                f"SELECT {group}, day, coalesce(jsonb_object_agg(member, value) "
                "FILTER (WHERE member IS NOT NULL AND value <> 0), '{{}}'::jsonb) "
                f"FROM (SELECT {group}, t.day, v.member, v.value FROM {{stage}} t LEFT JOIN "
                f"(SELECT {group}, day, member, sum(value) AS value FROM ({values}) u "
                f"GROUP BY {group}, day, member) v USING ({group}, day)) s "
                f"GROUP BY {group}, day ORDER BY {group}, day "
                f"ON CONFLICT ({group}, day) DO UPDATE SET value = EXCLUDED.value",
                stage=stage,
            )
        )
        # A day whose changes came back to where the day before left the group keeps no row
        # (as a total back to zero keeps none): the same rows whatever the commits were.
        on = " AND ".join(f"p.{c} = s.{c}" for c in shape.group)
        curs.execute(
            self.sql(
                f"DELETE FROM {{t_{snapshots}}} s USING {{stage}} t WHERE "
                + " AND ".join(f"s.{c} = t.{c}" for c in (*shape.group, "day"))
                + f" AND s.value = coalesce((SELECT p.value FROM {{t_{snapshots}}} p "
                f"WHERE {on} AND p.day < s.day ORDER BY p.day DESC LIMIT 1), '{{{{}}}}'::jsonb)",
                stage=stage,
            )
        )


def _empty(touched: set[tuple[Any, ...]]) -> Iterable[tuple[Any, ...]]:
    # the staged groups' value column is NOT NULL as the snapshots' is: an empty object
    return ((*group_day, "{}") for group_day in touched)


def _adapt(value: Any) -> Any:
    # JSON text for a jsonb column (COPY parses it): orjson, in C, not the stdlib per row.
    return orjson.dumps(value).decode() if isinstance(value, dict) else value
