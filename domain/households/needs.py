"""The household's commands and queries on its needs (their events and state changes are on
``Household``, where the event store finds them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from domain.errors import RuleViolation
from domain.households.records import Need
from domain.vocabulary import HouseholdStatus

#: How a derived need no one acted on is resolved when the current profile no longer derives it.
SUPERSEDED = "superseded"


class HouseholdNeeds:
    """Needs identified, referred and resolved: a mixin of ``Household``."""

    # State and event methods of ``Household`` these commands use.
    needs: dict[str, Need]
    status: str
    _ensure_not_graduated: Callable[[str], None]
    _reopened: Callable[..., None]
    trigger_event: Callable[..., None]
    NeedIdentified: type  # applies itself (``Household.on_need_identified``)
    _need_resolved: Callable[..., None]
    _need_referred: Callable[..., None]
    _need_referral_ended: Callable[..., None]

    def need(self, need_id: str) -> Need:
        try:
            return self.needs[need_id]
        except KeyError:
            raise RuleViolation(
                "need-exists", f"need {need_id} is not a need of this household"
            ) from None

    @property
    def open_needs(self) -> list[Need]:
        return [n for n in self.needs.values() if n.is_open]

    def has_open_need(self, category: str, member_id: str | None) -> bool:
        return any(n.category == category and n.member_id == member_id for n in self.open_needs)

    def identify_need(
        self,
        *,
        need_id: str,
        category: str,
        severity: str,
        department: str,
        occurred_at: datetime,
        actor: str,
        member_id: str | None = None,
        source: str = "manual",
        source_item: str | None = None,
        note: str | None = None,
    ) -> None:
        """Add a need; a need on a graduated household reopens it (graduation policy §4.3)."""
        if need_id in self.needs:
            raise RuleViolation("need-id-unique", f"need {need_id} already exists")
        if self.status == HouseholdStatus.GRADUATED:
            self._reopened(
                reason=f"new {category} need identified", occurred_at=occurred_at, actor=actor
            )
        # By class, as ``submit_profile`` triggers its events (see there): a profile derives
        # several needs, an import's every household some.
        self.trigger_event(
            self.NeedIdentified,
            need_id=need_id,
            category=category,
            severity=severity,
            department=department,
            member_id=member_id,
            source=source,
            source_item=source_item,
            note=note,
            occurred_at=occurred_at,
            actor=actor,
        )

    def resolve_need(
        self,
        *,
        need_id: str,
        resolution: str,
        note: str | None,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        """Resolve a need: only after an intervention, or as no longer needed with a reason."""
        self._ensure_not_graduated("resolve a need")
        need = self.need(need_id)
        if not need.is_open:
            raise RuleViolation("need-open", f"need {need_id} is already resolved")
        if resolution == "no_longer_needed":
            if not note:
                raise RuleViolation(
                    "resolution-reason", "resolving as no_longer_needed requires a note"
                )
        elif need.interventions == 0:
            raise RuleViolation(
                "resolution-needs-intervention",
                f"need {need_id} has no intervention yet: record one, or resolve it as "
                "no_longer_needed with a note",
            )
        if need.open_referral_id is not None:
            # Closing the referral resolves the need; resolving it first would strand the referral.
            raise RuleViolation(
                "resolution-open-referral",
                f"need {need_id} has open referral {need.open_referral_id}: close or cancel it",
            )
        self._need_resolved(
            need_id=need_id, resolution=resolution, note=note, occurred_at=occurred_at, actor=actor
        )

    def supersede_derived_need(
        self, need_id: str, note: str, occurred_at: datetime, actor: str
    ) -> None:
        """Retire a derived need no one acted on, which the current profile no longer derives
        as it is (``households.application.derive_profile_needs``)."""
        if not self.need(need_id).untouched_derivation:
            raise RuleViolation("need-untouched", f"need {need_id} has been acted on")
        self._need_resolved(
            need_id=need_id, resolution=SUPERSEDED, note=note, occurred_at=occurred_at, actor=actor
        )

    def refer_need(self, need_id: str, referral_id: str, occurred_at: datetime, actor: str) -> None:
        """Link a referral to an open need: at most one open referral per need."""
        need = self.need(need_id)
        if not need.is_open:
            raise RuleViolation("referral-needs-open-need", f"need {need_id} is resolved")
        if need.open_referral_id is not None:
            raise RuleViolation(
                "one-open-referral-per-need",
                f"need {need_id} already has open referral {need.open_referral_id}",
            )
        self._ensure_not_graduated("refer a need")
        self._need_referred(
            need_id=need_id, referral_id=referral_id, occurred_at=occurred_at, actor=actor
        )

    def end_need_referral(
        self,
        *,
        need_id: str,
        referral_id: str,
        outcome: str,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        """Release the need when its referral reaches a terminal state."""
        if self.need(need_id).open_referral_id != referral_id:
            return  # already released: the referral's outcome was recorded before
        self._need_referral_ended(
            need_id=need_id,
            referral_id=referral_id,
            outcome=outcome,
            occurred_at=occurred_at,
            actor=actor,
        )
