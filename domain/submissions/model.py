"""Quarantined submissions and stored attachments.

A form submission that could not be applied is kept whole (its raw XML, sealed like personal
fields, under its household's data key when it names one), so that nothing a field worker
typed is lost: a convener of its wards corrects it and applies it again, or discards it.
Attachments of an applied submission (a consent signature) are kept sealed the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import SukumaAggregate
from domain.errors import RuleViolation


class Quarantine(SukumaAggregate):
    """Open until re-applied or discarded."""

    class Quarantined(SukumaAggregate.Created):
        instance_id: str
        form_id: str
        submitted_by: str
        household_id: str | None
        wards: list[str]
        xml: str
        field: str
        reason: str

    class Corrected(SukumaAggregate.Event):
        xml: str

    class Reapplied(SukumaAggregate.Event):
        household_id: str

    class Discarded(SukumaAggregate.Event):
        reason: str

    @event(Quarantined)
    def __init__(
        self,
        *,
        id: UUID,
        instance_id: str,
        form_id: str,
        submitted_by: str,
        household_id: str | None,
        wards: list[str],
        xml: str,
        field: str,
        reason: str,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.instance_id = instance_id
        self.form_id = form_id
        self.submitted_by = submitted_by
        self.household_id = household_id
        self.wards = list(wards)
        self.xml = xml
        self.field = field
        self.reason = reason
        self.quarantined_at = occurred_at
        self.status = "open"

    def _ensure_open(self) -> None:
        if self.status != "open":
            raise RuleViolation("quarantine-open", f"the submission is already {self.status}")

    def correct(self, xml: str, occurred_at: datetime, actor: str) -> None:
        self._ensure_open()
        self._corrected(xml=xml, occurred_at=occurred_at, actor=actor)

    @event(Corrected)
    def _corrected(self, xml: str, occurred_at: datetime, actor: str) -> None:
        self.xml = xml

    def mark_reapplied(self, household_id: UUID, occurred_at: datetime, actor: str) -> None:
        self._ensure_open()
        self._reapplied(household_id=str(household_id), occurred_at=occurred_at, actor=actor)

    @event(Reapplied)
    def _reapplied(self, household_id: str, occurred_at: datetime, actor: str) -> None:
        self.household_id = household_id
        self.status = "reapplied"

    def discard(self, reason: str, occurred_at: datetime, actor: str) -> None:
        self._ensure_open()
        self._discarded(reason=reason, occurred_at=occurred_at, actor=actor)

    @event(Discarded)
    def _discarded(self, reason: str, occurred_at: datetime, actor: str) -> None:
        self.status = "discarded"


class Attachments(SukumaAggregate):
    """The files of one applied submission (base64 content, sealed at rest)."""

    class Stored(SukumaAggregate.Created):
        household_id: str
        ward_id: str
        instance_id: str
        files: list[dict[str, Any]]

    @event(Stored)
    def __init__(
        self,
        *,
        id: UUID,
        household_id: str,
        ward_id: str,
        instance_id: str,
        files: list[dict[str, Any]],
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.household_id = household_id
        self.ward_id = ward_id
        self.instance_id = instance_id
        self.names = [f["name"] for f in files]
