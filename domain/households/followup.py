"""The household's commands on its follow-up: visits and interventions (their events and state
changes are on ``Household``, where the event store finds them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from domain.errors import RuleViolation
from domain.households.records import Intervention, Need, Visit


class HouseholdFollowUp:
    """Visits recorded and interventions delivered: a mixin of ``Household``."""

    # State and event methods of ``Household`` these commands use.
    visits: list[Visit]
    interventions: list[Intervention]
    _ensure_not_graduated: Callable[[str], None]
    need: Callable[[str], Need]
    _visit_recorded: Callable[..., None]
    _intervention_delivered: Callable[..., None]

    @property
    def last_visit_on(self) -> date | None:
        return max((v.visited_on for v in self.visits), default=None)

    def record_visit(
        self,
        *,
        visit_id: str,
        field_worker_id: str | None,
        outcome: str,
        days_skipped_meal_last_7: int | None,
        note: str | None,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        """Record a follow-up visit (allowed in every state: graduated households are monitored)."""
        if any(v.visit_id == visit_id for v in self.visits):
            raise RuleViolation("visit-id-unique", f"visit {visit_id} already recorded")
        self._visit_recorded(
            visit_id=visit_id,
            field_worker_id=field_worker_id,
            outcome=outcome,
            days_skipped_meal_last_7=days_skipped_meal_last_7,
            note=note,
            occurred_at=occurred_at,
            actor=actor,
        )

    def deliver_intervention(
        self,
        *,
        intervention_id: str,
        need_id: str | None,
        referral_id: str | None,
        kind: str,
        provider: str,
        description: str | None,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        """Record an intervention against an open need (or a referral of this household)."""
        self._ensure_not_graduated("record an intervention")
        if any(i.intervention_id == intervention_id for i in self.interventions):
            raise RuleViolation("intervention-id-unique", f"intervention {intervention_id} exists")
        if need_id is None and referral_id is None:
            raise RuleViolation(
                "intervention-target", "an intervention must name a need or a referral"
            )
        if need_id is not None and not self.need(need_id).is_open:
            raise RuleViolation(
                "intervention-needs-open-need",
                f"need {need_id} is resolved: an intervention cannot be recorded against it",
            )
        self._intervention_delivered(
            intervention_id=intervention_id,
            need_id=need_id,
            referral_id=referral_id,
            kind=kind,
            provider=provider,
            description=description,
            occurred_at=occurred_at,
            actor=actor,
        )
