"""The conflicts read model: each contested profile field, where its household is, and its state.

Tables (prefixed ``conflicts_``): ``households`` (each household's ward and the areas above it,
so a conflict is scoped where its household is now) and ``conflicts`` (one row per conflict,
scoped by ward/municipality/district like the other views' rows; no value of it: the
candidates are personal data, read from the household by whoever may see them).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar
from uuid import UUID

from projections.statements import HOUSEHOLD_PLACE, StatementView, Upsert

NAME = "conflicts"
TRACKING = f"{NAME}_tracking"
HOUSEHOLDS = f"{NAME}_households"
CONFLICTS = f"{NAME}_conflicts"

Area = tuple[str, str | None, str | None]  # ward_id, municipality, district

# In the order the events came: a page may record, move and resolve one conflict.
_STATEMENTS: dict[str, str | Upsert] = {
    "household": HOUSEHOLD_PLACE,
    "moved": "UPDATE {t_conflicts} SET ward_id = %s, municipality = %s, district = %s "
    "WHERE household_id = %s",
    "recorded": "INSERT INTO {t_conflicts} (conflict_id, household_id, ward_id, municipality, "
    "district, path, candidates, status, opened_at, updated_at, resolved_at, resolved_by) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, 'open', %s, %s, NULL, NULL) "
    "ON CONFLICT (conflict_id) DO UPDATE SET candidates = EXCLUDED.candidates, "
    "updated_at = EXCLUDED.updated_at",
    "resolved": "UPDATE {t_conflicts} SET status = 'resolved', resolved_at = %s, "
    "resolved_by = %s, updated_at = %s WHERE conflict_id = %s",
}


class ConflictsView(StatementView):
    tables: ClassVar[tuple[str, ...]] = ("households", "conflicts")
    statements = _STATEMENTS

    def load_areas(self, ids: Iterable[UUID]) -> dict[UUID, Area]:
        wanted = list(ids)
        if not wanted:
            return {}
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                self.sql("SELECT * FROM {t_households} WHERE household_id = ANY(%s)"), (wanted,)
            )
            return {
                r["household_id"]: (r["ward_id"], r["municipality"], r["district"])
                for r in curs.fetchall()
            }
