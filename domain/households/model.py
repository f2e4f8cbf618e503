"""The Household aggregate: a household's case from registration to graduation."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import SukumaAggregate
from domain.errors import RuleViolation
from domain.personal_data import ERASED, PROFILE_PATHS, replace_paths
from domain.vocabulary import HouseholdStatus, NeedStatus, Severity


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

    @property
    def is_open(self) -> bool:
        return self.status == NeedStatus.OPEN

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


class Household(SukumaAggregate):
    """Registered in a ward, profiled, needs identified and met, graduated (and maybe reopened)."""

    class Registered(SukumaAggregate.Created):
        ward_id: str
        dwelling_type: str
        village: str | None
        gps: dict[str, float] | None
        field_worker_id: str | None

    class ProfileSubmitted(SukumaAggregate.Event):
        profile: dict[str, Any]
        field_worker_id: str | None

    class RiskScored(SukumaAggregate.Event):
        score: int
        level: str
        reasons: list[str]
        flags: list[str]
        rule_version: str

    class NeedIdentified(SukumaAggregate.Event):
        need_id: str
        category: str
        severity: str
        department: str
        member_id: str | None
        source: str  # "manual" or the derivation rule version, e.g. "needs-v1"
        source_item: str | None
        note: str | None

    class NeedResolved(SukumaAggregate.Event):
        need_id: str
        resolution: str
        note: str | None

    class NeedReferred(SukumaAggregate.Event):
        need_id: str
        referral_id: str

    class NeedReferralEnded(SukumaAggregate.Event):
        need_id: str
        referral_id: str
        outcome: str

    class VisitRecorded(SukumaAggregate.Event):
        visit_id: str
        field_worker_id: str | None
        outcome: str
        days_skipped_meal_last_7: int | None
        note: str | None

    class InterventionDelivered(SukumaAggregate.Event):
        intervention_id: str
        need_id: str | None
        referral_id: str | None
        kind: str
        provider: str
        description: str | None

    class Moved(SukumaAggregate.Event):
        from_ward_id: str
        to_ward_id: str
        reason: str | None

    class Graduated(SukumaAggregate.Event):
        policy_version: str
        evidence: dict[str, Any]
        meeting_id: str | None

    class Reopened(SukumaAggregate.Event):
        reason: str

    class ConsentGiven(SukumaAggregate.Event):
        given_by: str  # "self" or "competent_person" (a child's, POPIA s35)
        basis: str
        note: str | None

    class ConsentWithdrawn(SukumaAggregate.Event):
        note: str | None

    class PersonalDataErased(SukumaAggregate.Event):
        reason: str
        referral_ids: list[str]  # their keys are destroyed with the household's

    # Consent and erasure (POPIA); class defaults, so households registered before them load.
    consent: str | None = None  # "given" or "withdrawn"; None: never recorded
    personal_data_erased: bool = False

    @event(Registered)
    def __init__(
        self,
        id: UUID,
        ward_id: str,
        dwelling_type: str,
        village: str | None,
        gps: dict[str, float] | None,
        field_worker_id: str | None,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.ward_id = ward_id
        self.dwelling_type = dwelling_type
        self.village = village
        self.gps = gps
        self.field_worker_id = field_worker_id
        self.registered_at = occurred_at
        self.status: str = HouseholdStatus.REGISTERED
        self.profile: dict[str, Any] | None = None
        self.profiles_submitted = 0
        self.first_profiled_on: date | None = None
        self.last_profiled_on: date | None = None
        self.risk: dict[str, Any] | None = None
        self.needs: dict[str, Need] = {}
        self.interventions: list[Intervention] = []
        self.visits: list[Visit] = []
        self.graduated_on: date | None = None
        self.graduation_policy_version: str | None = None

    # ---- queries the rules need ------------------------------------------------------------

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

    @property
    def last_visit_on(self) -> date | None:
        return max((v.visited_on for v in self.visits), default=None)

    def has_open_need(self, category: str, member_id: str | None) -> bool:
        return any(n.category == category and n.member_id == member_id for n in self.open_needs)

    # ---- guards ------------------------------------------------------------------------------

    def _ensure_not_graduated(self, action: str) -> None:
        if self.status == HouseholdStatus.GRADUATED:
            raise RuleViolation(
                "graduated-household-is-closed",
                f"cannot {action}: the household has graduated (reopen it first)",
            )

    # ---- commands ----------------------------------------------------------------------------

    def submit_profile(
        self,
        profile: dict[str, Any],
        field_worker_id: str | None,
        risk: dict[str, Any],
        occurred_at: datetime,
        actor: str,
    ) -> None:
        """Record a profile and its risk assessment (computed by the caller from the rule set)."""
        self._profile_submitted(
            profile=profile, field_worker_id=field_worker_id, occurred_at=occurred_at, actor=actor
        )
        self._risk_scored(occurred_at=occurred_at, actor=actor, **risk)

    @event(ProfileSubmitted)
    def _profile_submitted(
        self,
        profile: dict[str, Any],
        field_worker_id: str | None,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.profile = profile
        if profile.get("consent", {}).get("given"):
            self.consent = "given"  # the profiling form records consent too
        self.profiles_submitted += 1
        self.first_profiled_on = self.first_profiled_on or occurred_at.date()
        self.last_profiled_on = occurred_at.date()
        if self.status == HouseholdStatus.REGISTERED:
            self.status = HouseholdStatus.ACTIVE

    @event(RiskScored)
    def _risk_scored(
        self,
        score: int,
        level: str,
        reasons: list[str],
        flags: list[str],
        rule_version: str,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.risk = {
            "score": score,
            "level": level,
            "reasons": reasons,
            "flags": flags,
            "rule_version": rule_version,
            "assessed_at": occurred_at,
        }

    def identify_need(
        self,
        need_id: str,
        category: str,
        severity: str,
        department: str,
        occurred_at: datetime,
        actor: str,
        *,
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
        self._need_identified(
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

    @event(NeedIdentified)
    def _need_identified(
        self,
        need_id: str,
        category: str,
        severity: str,
        department: str,
        member_id: str | None,
        source: str,
        source_item: str | None,
        note: str | None,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.needs[need_id] = Need(
            need_id=need_id,
            category=category,
            severity=severity,
            department=department,
            member_id=member_id,
            identified_on=occurred_at.date(),
        )

    def resolve_need(
        self, need_id: str, resolution: str, note: str | None, occurred_at: datetime, actor: str
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

    @event(NeedResolved)
    def _need_resolved(
        self, need_id: str, resolution: str, note: str | None, occurred_at: datetime, actor: str
    ) -> None:
        self.needs[need_id].status = NeedStatus.RESOLVED

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

    @event(NeedReferred)
    def _need_referred(
        self, need_id: str, referral_id: str, occurred_at: datetime, actor: str
    ) -> None:
        self.needs[need_id].open_referral_id = referral_id

    def end_need_referral(
        self, need_id: str, referral_id: str, outcome: str, occurred_at: datetime, actor: str
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

    @event(NeedReferralEnded)
    def _need_referral_ended(
        self, need_id: str, referral_id: str, outcome: str, occurred_at: datetime, actor: str
    ) -> None:
        self.needs[need_id].open_referral_id = None

    def record_visit(
        self,
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

    @event(VisitRecorded)
    def _visit_recorded(
        self,
        visit_id: str,
        field_worker_id: str | None,
        outcome: str,
        days_skipped_meal_last_7: int | None,
        note: str | None,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.visits.append(
            Visit(visit_id, field_worker_id, outcome, occurred_at.date(), days_skipped_meal_last_7)
        )

    def deliver_intervention(
        self,
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

    @event(InterventionDelivered)
    def _intervention_delivered(
        self,
        intervention_id: str,
        need_id: str | None,
        referral_id: str | None,
        kind: str,
        provider: str,
        description: str | None,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.interventions.append(
            Intervention(intervention_id, need_id, referral_id, kind, provider, occurred_at.date())
        )
        if need_id is not None:
            self.needs[need_id].interventions += 1

    def move(self, to_ward_id: str, reason: str | None, occurred_at: datetime, actor: str) -> None:
        """Move the household to another ward (its war room takes over)."""
        if to_ward_id == self.ward_id:
            raise RuleViolation(
                "move-to-other-ward", f"the household is already in ward {to_ward_id}"
            )
        self._ensure_not_graduated("move the household")
        self._moved(
            from_ward_id=self.ward_id,
            to_ward_id=to_ward_id,
            reason=reason,
            occurred_at=occurred_at,
            actor=actor,
        )

    @event(Moved)
    def _moved(
        self,
        from_ward_id: str,
        to_ward_id: str,
        reason: str | None,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.ward_id = to_ward_id

    def graduate(
        self,
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

    @event(Graduated)
    def _graduated(
        self,
        policy_version: str,
        evidence: dict[str, Any],
        meeting_id: str | None,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.status = HouseholdStatus.GRADUATED
        self.graduated_on = occurred_at.date()
        self.graduation_policy_version = policy_version

    def reopen(self, reason: str, occurred_at: datetime, actor: str) -> None:
        """Reopen a graduated household's case."""
        if self.status != HouseholdStatus.GRADUATED:
            raise RuleViolation(
                "reopen-only-graduated", "only a graduated household can be reopened"
            )
        self._reopened(reason=reason, occurred_at=occurred_at, actor=actor)

    @event(Reopened)
    def _reopened(self, reason: str, occurred_at: datetime, actor: str) -> None:
        self.status = HouseholdStatus.ACTIVE

    # ---- consent and erasure (POPIA) ---------------------------------------------------------

    def _ensure_not_erased(self, action: str) -> None:
        if self.personal_data_erased:
            raise RuleViolation(
                "personal-data-erased",
                f"cannot {action}: the household's personal data has been erased",
            )

    def give_consent(
        self, given_by: str, basis: str, note: str | None, occurred_at: datetime, actor: str
    ) -> None:
        """Record consent to process and share the household's personal data."""
        self._ensure_not_erased("record consent")
        self._consent_given(
            given_by=given_by, basis=basis, note=note, occurred_at=occurred_at, actor=actor
        )

    @event(ConsentGiven)
    def _consent_given(
        self, given_by: str, basis: str, note: str | None, occurred_at: datetime, actor: str
    ) -> None:
        self.consent = "given"

    def withdraw_consent(self, note: str | None, occurred_at: datetime, actor: str) -> None:
        """Consent may be withdrawn at any time (POPIA s11(2)(b))."""
        if self.consent == "withdrawn":
            raise RuleViolation("consent-withdrawn", "consent is already withdrawn")
        self._consent_withdrawn(note=note, occurred_at=occurred_at, actor=actor)

    @event(ConsentWithdrawn)
    def _consent_withdrawn(self, note: str | None, occurred_at: datetime, actor: str) -> None:
        self.consent = "withdrawn"

    @property
    def has_consent(self) -> bool:
        return self.consent == "given"

    def ensure_may_share_personal_data(self, override_reason: str | None) -> None:
        """Sharing personal data with a department needs consent, or a recorded override."""
        self._ensure_not_erased("share personal data")
        if not self.has_consent and not override_reason:
            raise RuleViolation(
                "referral-needs-consent",
                "sharing personal data needs the household's recorded consent, or a "
                "convener's override reason",
            )

    def erase_personal_data(
        self, reason: str, referral_ids: list[str], occurred_at: datetime, actor: str
    ) -> None:
        """Erase (POPIA s24): the store destroys the data keys when this event commits."""
        self._ensure_not_erased("erase again")
        self._personal_data_erased(
            reason=reason, referral_ids=referral_ids, occurred_at=occurred_at, actor=actor
        )

    @event(PersonalDataErased)
    def _personal_data_erased(
        self, reason: str, referral_ids: list[str], occurred_at: datetime, actor: str
    ) -> None:
        # Replayed too: state loaded with a key still cached elsewhere is blanked all the same.
        self.personal_data_erased = True
        self.village = None if self.village is None else ERASED
        self.gps = None if self.gps is None else ERASED  # type: ignore[assignment]
        if self.profile is not None:
            self.profile = copy.deepcopy(self.profile)  # never the submitted event's own dict
            replace_paths(self.profile, PROFILE_PATHS, lambda _: ERASED)
