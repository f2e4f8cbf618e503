"""Event handlers of the duplicates projection: candidates, decisions, households' places."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import orjson
from eventsourcing.dispatch import singledispatchmethod

from domain.duplicates.model import CandidateStatus, DuplicateCandidate
from domain.households.model import Household
from domain.reference.geography import geography
from projections.base import BufferedProjection
from projections.duplicates.view import DuplicatesView


class DuplicatesProjection(BufferedProjection):
    name = "duplicates"

    def __init__(self, view: DuplicatesView) -> None:
        super().__init__(view)
        self.dv: DuplicatesView = view

    def _placed(self, household_id: UUID, ward_id: str) -> None:
        municipality, district, _ = geography().ancestors(ward_id)
        self.dv.changes.append(("household", (household_id, ward_id, municipality, district)))

    def _decided(self, e: Any, status: str, survivor: str | None) -> None:
        row = (status, UUID(survivor) if survivor else None, e.occurred_at, e.actor)
        self.dv.changes.append(("decided", (*row, e.originator_id)))

    @singledispatchmethod
    def handle(self, domain_event: Any) -> None:
        """Other events only advance the position."""

    @handle.register
    def _(self, e: Household.Registered) -> None:
        self._placed(e.originator_id, e.ward_id)

    @handle.register
    def _(self, e: Household.Moved) -> None:
        self._placed(e.originator_id, e.to_ward_id)

    @handle.register
    def _(self, e: DuplicateCandidate.Proposed) -> None:
        first, second = (UUID(h) for h in e.household_ids)
        scores = orjson.dumps(e.field_scores).decode()
        row = (e.originator_id, first, second, e.score, scores, e.same_id_number)
        self.dv.changes.append(("proposed", (*row, e.rule_version, e.occurred_at)))

    @handle.register
    def _(self, e: DuplicateCandidate.Dismissed) -> None:
        self._decided(e, CandidateStatus.DISMISSED, None)

    @handle.register
    def _(self, e: DuplicateCandidate.Merged) -> None:
        self._decided(e, CandidateStatus.MERGED, e.survivor_id)

    @handle.register
    def _(self, e: DuplicateCandidate.Unmerged) -> None:
        self._decided(e, CandidateStatus.OPEN, None)
