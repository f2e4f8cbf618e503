"""The household's ward and its place in a field worker's caseload: moved, assigned,
reassigned, released.

A household has at most one field worker: the one it was registered by, until a convener of
its ward assigns another (``FieldWorkerAssigned``), or until it moves to a ward its field
worker does not serve (``FieldWorkerUnassigned``: the new ward's war room assigns it). The
events are nested in ``Household`` (their topics are fixed there) and apply themselves by
calling the ``on_*`` methods below.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from domain.errors import RuleViolation
from domain.households.records import Need

#: Why a household left its field worker's caseload without being assigned to another.
RELEASED_ON_MOVE = "moved"


class HouseholdCaseload:
    """Moving the household and assigning it to a field worker: a mixin of ``Household``."""

    ward_id: str
    field_worker_id: str | None
    needs: dict[str, Need]
    trigger_event: Callable[..., None]
    _ensure_not_graduated: Callable[[str], None]
    Moved: type
    FieldWorkerAssigned: type
    FieldWorkerUnassigned: type

    def move(self, to_ward_id: str, reason: str | None, occurred_at: datetime, actor: str) -> None:
        """Move the household to another ward (its war room takes over: ``handover``)."""
        if to_ward_id == self.ward_id:
            raise RuleViolation(
                "move-to-other-ward", f"the household is already in ward {to_ward_id}"
            )
        self._ensure_not_graduated("move the household")
        self.trigger_event(
            self.Moved,
            from_ward_id=self.ward_id,
            to_ward_id=to_ward_id,
            reason=reason,
            occurred_at=occurred_at,
            actor=actor,
        )

    @property
    def open_referral_ids(self) -> list[str]:
        """The referrals still open for its needs (a move hands them to the new ward)."""
        return [n.open_referral_id for n in self.needs.values() if n.open_referral_id]

    def assign_field_worker(self, field_worker_id: str, occurred_at: datetime, actor: str) -> None:
        """Put the household in a field worker's caseload (out of its previous one's). Whether
        the field worker serves the household's ward is the application's check."""
        self._ensure_not_graduated("assign a field worker")
        if field_worker_id == self.field_worker_id:
            raise RuleViolation(
                "caseload-unchanged", f"the household is already field worker {field_worker_id}'s"
            )
        self.trigger_event(
            self.FieldWorkerAssigned,
            field_worker_id=field_worker_id,
            previous_field_worker_id=self.field_worker_id,
            occurred_at=occurred_at,
            actor=actor,
        )

    def release_field_worker(self, reason: str, occurred_at: datetime, actor: str) -> None:
        """Take the household out of its field worker's caseload, to no one's (yet)."""
        if self.field_worker_id is None:
            return
        self.trigger_event(
            self.FieldWorkerUnassigned,
            field_worker_id=self.field_worker_id,
            reason=reason,
            occurred_at=occurred_at,
            actor=actor,
        )

    def on_field_worker_assigned(self, e: Any) -> None:
        self.field_worker_id = e.field_worker_id

    def on_field_worker_unassigned(self, e: Any) -> None:
        self.field_worker_id = None
