"""The alerts read model: one row per alert, one per episode (for response times), its history.

Tables (prefixed ``alerts_``): ``alerts`` (the current episode of each (rule, subject) alert,
scoped by ward/municipality/district/department like the nerve-centre tables), ``groups``
(open alerts counted per rule, level, area and department: the alert queue's figures at
province scale, recounted for the groups each page of changes touches), ``episodes``
(raised, acknowledged and resolved times of every episode, for median response times) and
``events`` (each alert's history, for ``GET /v1/alerts/{id}``) and ``event_times`` (when
each event was recorded, for the stats as of a day).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar
from uuid import UUID

from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from projections.base import BufferedView

# The live tables' names, for every query outside this module (the view derives the same names
# from its projection's name and the suffixes of ``AlertsView.tables``).
NAME = "alerts"
TRACKING = f"{NAME}_tracking"
ALERTS = f"{NAME}_alerts"
GROUPS = f"{NAME}_groups"
EPISODES = f"{NAME}_episodes"
EVENTS = f"{NAME}_events"

ALERT_COLUMNS = (
    "alert_id",
    "rule",
    "rule_version",
    "subject",
    "level",
    "status",
    "episode",
    "ward_id",
    "municipality",
    "district",
    "department",
    "evidence",
    "raised_at",
    "level_since",
    "acknowledged_at",
    "acknowledged_by",
    "resolved_at",
    "resolved_by",
    "resolution",
    "resolved_automatically",
    "position",
)
EPISODE_COLUMNS = (
    "alert_id",
    "episode",
    "rule",
    "level",
    "ward_id",
    "municipality",
    "district",
    "department",
    "raised_at",
    "acknowledged_at",
    "resolved_at",
)
EVENT_COLUMNS = ("alert_id", "version", "type", "occurred_at", "actor", "detail")
EVENT_TIMES = f"{NAME}_event_times"
EVENT_TIME_COLUMNS = ("alert_id", "version", "recorded_at")

Group = tuple[str, int, str, str]  # rule, level, ward, department ('' for none)


@dataclass(frozen=True)
class AlertChanges:
    """A window's changes, shaped as written (see ``BufferedView.take``)."""

    ids: list[UUID]  # the alerts changed
    groups: set[Group]  # the groups they join
    alerts: list[tuple[Any, ...]]  # rows in ALERT_COLUMNS order
    episodes: list[tuple[Any, ...]]  # rows in EPISODE_COLUMNS order
    events: list[tuple[Any, ...]]  # rows in EVENT_COLUMNS order
    times: list[tuple[Any, ...]]  # rows in EVENT_TIME_COLUMNS order


class AlertsView(BufferedView):
    tables: ClassVar[tuple[str, ...]] = (
        "alerts",
        "groups",
        "episodes",
        "events",
        "event_times",
    )

    def reset(self) -> None:
        self.alerts: dict[UUID, dict[str, Any]] = {}
        self.events: list[tuple[Any, ...]] = []

    def load_alerts(self, ids: Iterable[UUID]) -> dict[UUID, dict[str, Any]]:
        wanted = list(ids)
        if not wanted:
            return {}
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.sql("SELECT * FROM {t_alerts} WHERE alert_id = ANY(%s)"), (wanted,))
            return {row["alert_id"]: dict(row) for row in curs.fetchall()}

    def take(self) -> AlertChanges:
        # Detached as the rows COPY sends: the projection goes on changing its cached rows.
        rows = self.alerts.values()
        changes = AlertChanges(
            ids=list(self.alerts),
            groups={
                (r["rule"], r["level"], r["ward_id"] or "", r["department"] or "") for r in rows
            },
            alerts=_shaped(rows, ALERT_COLUMNS),
            episodes=_shaped(rows, EPISODE_COLUMNS),
            events=[e[:-1] for e in self.events],
            times=[(e[0], e[1], e[-1]) for e in self.events],
        )
        self.reset()
        return changes

    def staged(self) -> int:
        return len(self.alerts) + len(self.events)

    def write(self, curs: Cursor[DictRow], changes: AlertChanges) -> None:
        touched = self._groups_of(curs, changes)
        self._upsert(curs, "alerts", ALERT_COLUMNS, ("alert_id",), changes.alerts)
        self._recount(curs, touched)
        self._upsert(curs, "episodes", EPISODE_COLUMNS, ("alert_id", "episode"), changes.episodes)
        if changes.events:
            stage = self.stage(curs, "events", EVENT_COLUMNS, changes.events)
            curs.execute(self.sql("INSERT INTO {t_events} SELECT * FROM {stage}", stage=stage))
            stage = self.stage(curs, "event_times", EVENT_TIME_COLUMNS, changes.times)
            curs.execute(self.sql("INSERT INTO {t_event_times} SELECT * FROM {stage}", stage=stage))

    def _groups_of(self, curs: Cursor[DictRow], changes: AlertChanges) -> set[Group]:
        """The groups the changed alerts leave (as stored) and join (as changed)."""
        if not changes.ids:
            return set()
        curs.execute(
            self.sql(
                "SELECT DISTINCT rule, level, coalesce(ward_id, '') AS w, "
                "coalesce(department, '') AS d FROM {t_alerts} WHERE alert_id = ANY(%s)"
            ),
            (changes.ids,),
        )
        before = {(r["rule"], r["level"], r["w"], r["d"]) for r in curs.fetchall()}
        return before | changes.groups

    def _recount(self, curs: Cursor[DictRow], groups: set[Group]) -> None:
        """Count the touched groups' open alerts again (through ``alerts_open_group``)."""
        if not groups:
            return
        keys = [list(column) for column in zip(*sorted(groups), strict=True)]
        touched = (
            "(SELECT * FROM unnest(%s::text[], %s::int[], %s::text[], %s::text[]) "
            "AS t(rule, level, ward, department))"
        )
        curs.execute(
            self.sql(
                f"DELETE FROM {{t_groups}} g USING {touched} t WHERE g.rule = t.rule "
                "AND g.level = t.level AND g.ward_id = t.ward AND g.department = t.department"
            ),
            keys,
        )
        curs.execute(
            self.sql(
                "INSERT INTO {t_groups} SELECT a.rule, a.level, coalesce(a.ward_id, ''), "
                "coalesce(a.municipality, ''), coalesce(a.district, ''), "
                "coalesce(a.department, ''), count(*), count(*) FILTER (WHERE a.status = 'open'), "
                f"min(a.raised_at), min(a.level_since) FROM {{t_alerts}} a JOIN {touched} t "
                "ON a.rule = t.rule AND a.level = t.level AND coalesce(a.ward_id, '') = t.ward "
                "AND coalesce(a.department, '') = t.department WHERE a.status <> 'resolved' "
                "GROUP BY 1, 2, 3, 4, 5, 6"
            ),
            keys,
        )

    def _upsert(
        self,
        curs: Cursor[DictRow],
        table: str,
        columns: tuple[str, ...],
        key: tuple[str, ...],
        staged: list[tuple[Any, ...]],
    ) -> None:
        if not staged:
            return
        stage = self.stage(curs, table, columns, staged)
        cols = ", ".join(columns)
        sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in key)
        curs.execute(
            self.sql(
                f"INSERT INTO {{t_{table}}} ({cols}) SELECT {cols} FROM {{stage}} "
                f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {sets}",
                stage=stage,
            )
        )


def _group(row: dict[str, Any]) -> Group:
    return row["rule"], row["level"], row["ward_id"] or "", row["department"] or ""


def _shaped(rows: Iterable[dict[str, Any]], columns: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """Alert rows as COPY takes them (a dict column as JSON)."""
    return [
        tuple(Jsonb(row[c]) if isinstance(row[c], dict) else row[c] for c in columns)
        for row in rows
    ]
