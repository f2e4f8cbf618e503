"""The household's commands on graduation: graduate and reopen (their events and state changes
are on ``Household``, where the event store finds them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from domain.errors import RuleViolation
from domain.households.duplicates import HouseholdDuplicates
from domain.households.needs import HouseholdNeeds
from domain.vocabulary import HouseholdStatus


class HouseholdGraduation(HouseholdNeeds, HouseholdDuplicates):
    """A profiled household graduates when the policy is met (its needs decide much of it),
    and may be reopened: a mixin of ``Household`` (with the other way a case ends: merged
    into the same household recorded again, ``duplicates``)."""

    # Event methods of ``Household`` these commands use (besides those of ``HouseholdNeeds``).
    _graduated: Callable[..., None]

    def graduate(
        self,
        *,
        policy_version: str,
        evidence: dict[str, Any],
        unmet: list[str],
        meeting_id: str | None,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        """Graduate, refused while a high/critical need is open or a policy criterion is unmet."""
        self._ensure_not_graduated("graduate")
        if self.status != HouseholdStatus.ACTIVE:
            raise RuleViolation(
                "graduation-needs-profile", "a household must be profiled to graduate"
            )
        blocking = [n.need_id for n in self.open_needs if n.is_high_or_critical]
        if blocking:
            raise RuleViolation(
                "graduation-open-high-needs",
                f"cannot graduate while high or critical needs are open: {', '.join(blocking)}",
            )
        referred = [n.need_id for n in self.open_needs if n.open_referral_id is not None]
        if referred:
            raise RuleViolation(
                "graduation-open-referrals",
                f"cannot graduate while referrals are open for needs: {', '.join(referred)}",
            )
        if unmet:
            raise RuleViolation(
                "graduation-policy",
                f"graduation policy {policy_version} not met: {'; '.join(unmet)}",
            )
        self._graduated(
            policy_version=policy_version,
            evidence=evidence,
            meeting_id=meeting_id,
            occurred_at=occurred_at,
            actor=actor,
        )

    def reopen(self, reason: str, occurred_at: datetime, actor: str) -> None:
        """Reopen a graduated household's case."""
        if self.status != HouseholdStatus.GRADUATED:
            raise RuleViolation(
                "reopen-only-graduated", "only a graduated household can be reopened"
            )
        self._reopened(reason=reason, occurred_at=occurred_at, actor=actor)
