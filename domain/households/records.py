"""What the household aggregate keeps of each need, intervention and visit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.vocabulary import NeedStatus, Severity


@dataclass
class Need:
    """A need of the household, as its decisions require (names and notes live in views)."""

    need_id: str
    category: str
    severity: str
    department: str
    status: str = NeedStatus.OPEN
    member_id: str | None = None
    open_referral_id: str | None = None
    interventions: int = 0
    identified_on: date | None = None
    source: str = "manual"  # or the rule version that derived it from a profile

    @property
    def is_open(self) -> bool:
        return self.status == NeedStatus.OPEN

    @property
    def untouched_derivation(self) -> bool:
        """Derived from a profile and not acted on yet: the current profile's to settle."""
        acted = self.open_referral_id is not None or self.interventions > 0
        return self.source != "manual" and self.is_open and not acted

    @property
    def is_high_or_critical(self) -> bool:
        return Severity(self.severity).rank >= Severity.HIGH.rank


@dataclass
class Intervention:
    intervention_id: str
    need_id: str | None
    referral_id: str | None
    kind: str
    provider: str
    delivered_on: date


@dataclass
class Visit:
    visit_id: str
    field_worker_id: str | None
    outcome: str
    visited_on: date
    days_skipped_meal_last_7: int | None = None
