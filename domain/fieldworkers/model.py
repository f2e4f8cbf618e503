"""The FieldWorker aggregate: community care givers and youth ambassadors who profile households."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from domain.base import SukumaAggregate
from domain.errors import RuleViolation


class FieldWorker(SukumaAggregate):
    """Registered, assigned to wards, deactivated."""

    class Registered(SukumaAggregate.Created):
        name: str
        cadre: str
        employer: str | None
        phone: str | None

    class AssignedToWard(SukumaAggregate.Event):
        ward_id: str

    class Deactivated(SukumaAggregate.Event):
        reason: str

    @event(Registered)
    def __init__(
        self,
        *,
        id: UUID,
        name: str,
        cadre: str,
        employer: str | None,
        phone: str | None,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.name = name
        self.cadre = cadre
        self.employer = employer
        self.phone = phone
        self.ward_ids: list[str] = []
        self.active = True

    def _ensure_active(self) -> None:
        if not self.active:
            raise RuleViolation("field-worker-active", "the field worker is deactivated")

    def assign(self, ward_id: str, occurred_at: datetime, actor: str) -> None:
        self._ensure_active()
        if ward_id in self.ward_ids:
            raise RuleViolation("assignment-unique", f"already assigned to ward {ward_id}")
        self._assigned_to_ward(ward_id=ward_id, occurred_at=occurred_at, actor=actor)

    @event(AssignedToWard)
    def _assigned_to_ward(self, ward_id: str, occurred_at: datetime, actor: str) -> None:
        self.ward_ids.append(ward_id)

    def deactivate(self, reason: str, occurred_at: datetime, actor: str) -> None:
        self._ensure_active()
        self._deactivated(reason=reason, occurred_at=occurred_at, actor=actor)

    @event(Deactivated)
    def _deactivated(self, reason: str, occurred_at: datetime, actor: str) -> None:
        self.active = False
