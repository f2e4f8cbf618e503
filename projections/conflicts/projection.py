"""Event handlers of the conflicts projection: where households are, and their conflicts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod

from domain.households.model import Household
from domain.reference.geography import geography
from projections.base import BufferedProjection
from projections.conflicts.view import Area, ConflictsView

CACHE_LIMIT = 100_000


class ConflictsProjection(BufferedProjection):
    name = "conflicts"

    def __init__(self, view: ConflictsView) -> None:
        super().__init__(view)
        self.cv: ConflictsView = view
        self.areas: dict[UUID, Area] = {}

    def prefetch(self, events: Sequence[Any]) -> None:
        wanted = {
            e.originator_id
            for e in events
            if isinstance(e, Household.ProfileConflictRecorded | Household.Moved)
        }
        self.areas.update(self.cv.load_areas(wanted - self.areas.keys()))

    def forget(self) -> None:
        self.areas.clear()

    def cache_full(self) -> bool:
        return len(self.areas) > CACHE_LIMIT

    def _placed(self, household_id: UUID, ward_id: str) -> Area:
        municipality, district, _ = geography().ancestors(ward_id)
        area = (ward_id, municipality, district)
        self.areas[household_id] = area
        self.cv.changes.append(("household", (household_id, *area)))
        return area

    @singledispatchmethod
    def handle(self, domain_event: Any) -> None:
        """Other events only advance the position."""

    @handle.register
    def _(self, e: Household.Registered) -> None:
        self._placed(e.originator_id, e.ward_id)

    @handle.register
    def _(self, e: Household.Moved) -> None:
        area = self._placed(e.originator_id, e.to_ward_id)
        self.cv.changes.append(("moved", (*area, e.originator_id)))

    @handle.register
    def _(self, e: Household.ProfileConflictRecorded) -> None:
        area = self.areas.get(e.originator_id, (None, None, None))
        row = (UUID(e.conflict_id), e.originator_id, *area, e.path, len(e.candidates))
        self.cv.changes.append(("recorded", (*row, e.occurred_at, e.occurred_at)))

    @handle.register
    def _(self, e: Household.ProfileConflictResolved) -> None:
        at = e.occurred_at
        self.cv.changes.append(("resolved", (at, e.actor, at, UUID(e.conflict_id))))
