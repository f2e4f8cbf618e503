"""The delivery read model: task teams, their priorities and targets, one row each.

Tables (prefixed ``delivery_``): ``teams`` (members, meetings and action items as JSON lists,
as the war rooms' view keeps them), ``stocktakes`` (reviews and actions), ``solutions`` (a war
room's scoped by its ward, a team's by its area: visible up the ladder), ``priorities`` (with
their monthly notes) and ``targets`` (with their delivery chains), scoped by the team's area
like the other views' rows. A target's row holds its current trajectory (``points``),
every revision (``revisions``, the first one the trajectory agreed) and every rating, as JSON
lists in the order they were recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar
from uuid import UUID

import orjson
from psycopg import Cursor
from psycopg.rows import DictRow

from projections.base import BufferedView

# The live tables' names, for every query outside this module.
NAME = "delivery"
TRACKING = f"{NAME}_tracking"
PRIORITIES = f"{NAME}_priorities"
TARGETS = f"{NAME}_targets"
TEAMS = f"{NAME}_teams"
STOCKTAKES = f"{NAME}_stocktakes"
SOLUTIONS = f"{NAME}_solutions"

_SCOPE = ("ward_id", "municipality", "district", "department")
PRIORITY_COLUMNS = (
    "priority_id",
    "title",
    "description",
    "team",
    "team_code",
    *_SCOPE,
    "defined_on",
    "notes",
    "version",
    "position",
)
TARGET_COLUMNS = (
    "target_id",
    "priority_id",
    "team",
    "team_code",
    *_SCOPE,
    "indicator",
    "level",
    "code",
    "baseline_value",
    "baseline_on",
    "target_value",
    "due_on",
    "shape",
    "points",
    "revisions",
    "ratings",
    "chain",
    "agreed_on",
    "version",
    "position",
)
TEAM_COLUMNS = (
    "team_id",
    "kind",
    "code",
    "name",
    *_SCOPE,
    "established_on",
    "last_meeting_on",
    "meetings_held",
    "members",
    "meetings",
    "action_items",
    "version",
    "position",
)
STOCKTAKE_COLUMNS = (
    "stocktake_id",
    "team_id",
    "team",
    "team_code",
    *_SCOPE,
    "held_on",
    "attendee_member_ids",
    "reviews",
    "actions",
    "version",
    "position",
)
SOLUTION_COLUMNS = (
    "solution_id",
    "body",
    "body_id",
    "team",
    "team_code",
    *_SCOPE,
    "problem",
    "solution",
    "plan",
    "target_id",
    "status",
    "rag",
    "progress",
    "agreed_on",
    "version",
    "position",
)
JSON_COLUMNS = frozenset(
    {"points", "revisions", "ratings", "members", "meetings", "action_items", "notes"}
    | {"attendee_member_ids", "reviews", "actions", "chain", "plan", "progress"}
)
#: Each table's key and columns.
_TABLES = {
    "priorities": ("priority_id", PRIORITY_COLUMNS),
    "targets": ("target_id", TARGET_COLUMNS),
    "teams": ("team_id", TEAM_COLUMNS),
    "stocktakes": ("stocktake_id", STOCKTAKE_COLUMNS),
    "solutions": ("solution_id", SOLUTION_COLUMNS),
}


class DeliveryView(BufferedView):
    tables: ClassVar[tuple[str, ...]] = tuple(_TABLES)

    def reset(self) -> None:
        self.changed: dict[str, dict[UUID, dict[str, Any]]] = {t: {} for t in _TABLES}

    def load(self, table: str, ids: Iterable[UUID]) -> dict[UUID, dict[str, Any]]:
        wanted = list(ids)
        if not wanted:
            return {}
        key, _ = _TABLES[table]
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.sql(f"SELECT * FROM {{t_{table}}} WHERE {key} = ANY(%s)"), (wanted,))
            return {row[key]: dict(row) for row in curs.fetchall()}

    def take(self) -> dict[str, list[tuple[Any, ...]]]:
        # Detached as JSON text: the projection goes on changing its cached rows.
        taken = {
            table: [
                tuple(
                    orjson.dumps(row[c]).decode() if c in JSON_COLUMNS else row[c]
                    for c in _TABLES[table][1]
                )
                for row in rows.values()
            ]
            for table, rows in self.changed.items()
        }
        self.reset()
        return taken

    def staged(self) -> int:
        return sum(map(len, self.changed.values()))

    def write(self, curs: Cursor[DictRow], changes: dict[str, list[tuple[Any, ...]]]) -> None:
        for table, rows in changes.items():
            if not rows:
                continue
            key, columns = _TABLES[table]
            stage = self.stage(curs, table, columns, rows)
            cols = ", ".join(columns)
            sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != key)
            curs.execute(
                self.sql(
                    f"INSERT INTO {{t_{table}}} ({cols}) SELECT {cols} FROM {{stage}} "
                    f"ON CONFLICT ({key}) DO UPDATE SET {sets}",
                    stage=stage,
                )
            )
