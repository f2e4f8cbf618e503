"""The caseloads read model: each household's field worker, ward, status, risk and last visit.

One table (prefixed ``caseloads_``): ``households``, scoped by ward/municipality/district like
the other views' rows. A field worker's caseload is its rows; the visits due are computed when
read (``projections.caseloads.queries``), so a changed visit rule needs no rebuild.
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
)

_UPSERT = (
    f"INSERT INTO {{t_households}} ({', '.join(COLUMNS)}) "
    f"VALUES ({', '.join(['%s'] * len(COLUMNS))}) ON CONFLICT (household_id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS[1:])
)


class CaseloadsView(BufferedView):
    tables: ClassVar[tuple[str, ...]] = ("households",)

    def reset(self) -> None:
        self.changed: dict[UUID, dict[str, Any]] = {}

    def load_households(self, ids: Iterable[UUID]) -> dict[UUID, dict[str, Any]]:
        wanted = list(ids)
        if not wanted:
            return {}
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                self.sql("SELECT * FROM {t_households} WHERE household_id = ANY(%s)"), (wanted,)
            )
            return {r["household_id"]: dict(r) for r in curs.fetchall()}

    def take(self) -> list[tuple[Any, ...]]:
        rows = [tuple(row[c] for c in COLUMNS) for _, row in sorted(self.changed.items())]
        self.reset()
        return rows

    def write(self, curs: Cursor[DictRow], changes: list[tuple[Any, ...]]) -> None:
        if changes:
            curs.executemany(self.sql(_UPSERT), changes)
