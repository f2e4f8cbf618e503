"""The caseloads read model: each household's field worker, ward, status, risk and last visit.

Tables (prefixed ``caseloads_``): ``households``, scoped by ward/municipality/district like
the other views' rows; ``field_workers``, each one's wards (who may see its caseload). A field
worker's caseload is its rows; the visits due are computed when read
(``projections.caseloads.queries``), so a changed visit rule needs no rebuild.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar
from uuid import UUID

from psycopg import Cursor
from psycopg.rows import DictRow

from projections.base import BufferedView

NAME = "caseloads"
TRACKING = f"{NAME}_tracking"
HOUSEHOLDS = f"{NAME}_households"
FIELD_WORKERS = f"{NAME}_field_workers"

COLUMNS = (
    "household_id",
    "ward_id",
    "municipality",
    "district",
    "field_worker_id",
    "assigned_at",
    "status",
    "risk_level",
    "risk_at",
    "registered_at",
    "last_visit_at",
    "merged_into",
)

_UPSERT = (
    f"INSERT INTO {{t_households}} ({', '.join(COLUMNS)}) "
    f"VALUES ({', '.join(['%s'] * len(COLUMNS))}) ON CONFLICT (household_id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS[1:])
)

# A field worker's changes, in the order the events came.
_WORKER_STATEMENTS = {
    "registered": "INSERT INTO {t_field_workers} (field_worker_id, ward_ids, active) "
    "VALUES (%s, '{{}}', true) ON CONFLICT (field_worker_id) DO NOTHING",
    "assigned": "UPDATE {t_field_workers} SET ward_ids = array_append(ward_ids, %s) "
    "WHERE field_worker_id = %s",
    "deactivated": "UPDATE {t_field_workers} SET active = false WHERE field_worker_id = %s",
}

Changes = tuple[list[tuple[Any, ...]], list[tuple[str, tuple[Any, ...]]]]


class CaseloadsView(BufferedView):
    tables: ClassVar[tuple[str, ...]] = ("households", "field_workers")

    def reset(self) -> None:
        self.changed: dict[UUID, dict[str, Any]] = {}
        self.workers: list[tuple[str, tuple[Any, ...]]] = []

    def load_households(self, ids: Iterable[UUID]) -> dict[UUID, dict[str, Any]]:
        wanted = list(ids)
        if not wanted:
            return {}
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                self.sql("SELECT * FROM {t_households} WHERE household_id = ANY(%s)"), (wanted,)
            )
            return {r["household_id"]: dict(r) for r in curs.fetchall()}

    def take(self) -> Changes:
        rows = [tuple(row[c] for c in COLUMNS) for _, row in sorted(self.changed.items())]
        workers = self.workers
        self.reset()
        return rows, workers

    def staged(self) -> int:
        return len(self.changed) + len(self.workers)

    def write(self, curs: Cursor[DictRow], changes: Changes) -> None:
        rows, workers = changes
        if rows and "households" in self.empty(curs):
            # A catch-up from zero: each household's row once, into an empty table (no
            # conflict to resolve, no statement a row)
            self.copy(curs, "households", COLUMNS, rows, binary=True)
            rows = []
        with curs.connection.pipeline():  # one round trip, never idle in the transaction
            if rows:
                curs.executemany(self.sql(_UPSERT), rows)
            for kind, params in workers:
                curs.execute(self.sql(_WORKER_STATEMENTS[kind]), params)
