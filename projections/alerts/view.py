"""The alerts read model: one row per alert, one per episode (for response times), its history.

Tables (prefixed ``alerts_``): ``alerts`` (the current episode of each (rule, subject) alert,
scoped by ward/municipality/district/department like the nerve-centre tables), ``episodes``
(raised, acknowledged and resolved times of every episode, for median response times) and
``events`` (each alert's history, for ``GET /v1/alerts/{id}``) and ``event_times`` (when
each event was recorded, for the stats as of a day).
"""

from __future__ import annotations

from collections.abc import Iterable
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


class AlertsView(BufferedView):
    tables: ClassVar[tuple[str, ...]] = (
        "alerts",
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

    def take(self) -> tuple[list[dict[str, Any]], list[tuple[Any, ...]]]:
        # Copies: the projection goes on changing its cached rows while a page commits.
        changes = ([dict(row) for row in self.alerts.values()], self.events)
        self.reset()
        return changes

    def write(
        self, curs: Cursor[DictRow], changes: tuple[list[dict[str, Any]], list[tuple[Any, ...]]]
    ) -> None:
        rows, events = changes
        self._upsert(curs, "alerts", ALERT_COLUMNS, ("alert_id",), rows)
        self._upsert(curs, "episodes", EPISODE_COLUMNS, ("alert_id", "episode"), rows)
        if events:
            stage = self.stage(curs, "events", EVENT_COLUMNS, [e[:-1] for e in events])
            curs.execute(self.sql("INSERT INTO {t_events} SELECT * FROM {stage}", stage=stage))
            times = [(e[0], e[1], e[-1]) for e in events]
            stage = self.stage(curs, "event_times", EVENT_TIME_COLUMNS, times)
            curs.execute(self.sql("INSERT INTO {t_event_times} SELECT * FROM {stage}", stage=stage))

    def _upsert(
        self,
        curs: Cursor[DictRow],
        table: str,
        columns: tuple[str, ...],
        key: tuple[str, ...],
        rows: list[dict[str, Any]],
    ) -> None:
        if not rows:
            return
        staged = [
            tuple(Jsonb(row[c]) if isinstance(row[c], dict) else row[c] for c in columns)
            for row in rows
        ]
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
