"""Event handlers of the caseloads projection: whose caseload each household is in, and what
its visits depend on (status, current risk, last visit). Handlers use ``occurred_at``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod

from domain.fieldworkers.model import FieldWorker
from domain.households.model import Household
from domain.reference.geography import geography
from projections.base import BufferedProjection
from projections.caseloads.view import CaseloadsView

CACHE_LIMIT = 100_000


class CaseloadsProjection(BufferedProjection):
    name = "caseloads"
    unused_fields: ClassVar[dict[type, frozenset[str]]] = {
        Household.ProfileSubmitted: frozenset({"profile"})
    }

    def __init__(self, view: CaseloadsView) -> None:
        super().__init__(view)
        self.cv: CaseloadsView = view
        self.rows: dict[UUID, dict[str, Any]] = {}

    def prefetch(self, events: Sequence[Any]) -> None:
        wanted = {
            e.originator_id
            for e in events
            if type(e).__qualname__.startswith("Household.") and e.originator_version > 1
        }
        self.rows.update(self.cv.load_households(wanted - self.rows.keys()))

    def forget(self) -> None:
        self.rows.clear()

    def cache_full(self) -> bool:
        return len(self.rows) > CACHE_LIMIT

    def _change(self, e: Any, change: Callable[[dict[str, Any]], None]) -> None:
        row = self.rows.get(e.originator_id)
        if row is None:
            return  # registered before a gap in the log (never in a whole log)
        change(row)
        self.cv.changed[e.originator_id] = dict(row)

    @staticmethod
    def _placed(row: dict[str, Any], ward_id: str) -> None:
        municipality, district, _ = geography().ancestors(ward_id)
        row.update(ward_id=ward_id, municipality=municipality, district=district)

    @singledispatchmethod
    def handle(self, domain_event: Any) -> None:
        """Other events only advance the position."""

    @handle.register
    def _(self, e: Household.Registered) -> None:
        row: dict[str, Any] = {
            "household_id": e.originator_id,
            "field_worker_id": e.field_worker_id,  # who registered it, until reassigned
            "assigned_at": e.occurred_at if e.field_worker_id else None,
            "status": "registered",
            "risk_level": None,
            "risk_at": None,
            "registered_at": e.occurred_at,
            "last_visit_at": None,
            "merged_into": None,
        }
        self._placed(row, e.ward_id)
        self.rows[e.originator_id] = row
        self.cv.changed[e.originator_id] = dict(row)

    @handle.register
    def _(self, e: Household.ProfileSubmitted) -> None:
        def change(row: dict[str, Any]) -> None:
            if row["status"] == "registered":
                row["status"] = "active"

        self._change(e, change)

    @handle.register
    def _(self, e: Household.RiskScored) -> None:
        def change(row: dict[str, Any]) -> None:
            if row["risk_at"] is None or e.occurred_at >= row["risk_at"]:
                row["risk_level"], row["risk_at"] = e.level, e.occurred_at

        self._change(e, change)

    @handle.register
    def _(self, e: Household.VisitRecorded) -> None:
        def change(row: dict[str, Any]) -> None:
            last = row["last_visit_at"]
            row["last_visit_at"] = e.occurred_at if last is None else max(last, e.occurred_at)

        self._change(e, change)

    @handle.register
    def _(self, e: Household.Moved) -> None:
        self._change(e, lambda row: self._placed(row, e.to_ward_id))

    @handle.register
    def _(self, e: Household.FieldWorkerAssigned) -> None:
        self._change(
            e, lambda row: row.update(field_worker_id=e.field_worker_id, assigned_at=e.occurred_at)
        )

    @handle.register
    def _(self, e: Household.FieldWorkerUnassigned) -> None:
        self._change(e, lambda row: row.update(field_worker_id=None, assigned_at=None))

    @handle.register
    def _(self, e: Household.Graduated) -> None:
        self._change(e, lambda row: row.update(status="graduated"))

    @handle.register
    def _(self, e: Household.Reopened) -> None:
        self._change(e, lambda row: row.update(status="active"))

    @handle.register
    def _(self, e: Household.MergedInto | Household.MergeUndone) -> None:
        # While merged, a household is in no caseload: its visits count for its survivor's
        # (``projections.caseloads.queries``). Its own row is kept, so an unmerge restores it.
        survivor = UUID(e.survivor_id) if isinstance(e, Household.MergedInto) else None
        self._change(e, lambda row: row.update(merged_into=survivor))

    # ---- field workers: their wards say who sees their caseloads ----------------------------

    @handle.register
    def _(self, e: FieldWorker.Registered) -> None:
        self.cv.workers.append(("registered", (str(e.originator_id),)))

    @handle.register
    def _(self, e: FieldWorker.AssignedToWard) -> None:
        self.cv.workers.append(("assigned", (e.ward_id, str(e.originator_id))))

    @handle.register
    def _(self, e: FieldWorker.Deactivated) -> None:
        self.cv.workers.append(("deactivated", (str(e.originator_id),)))
