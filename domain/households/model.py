"""The Household aggregate: a household's case from registration to graduation.

Every event class and the state change it makes stay here, where stored events name them
(``domain.households.model:Household.<Event>``); the commands live in the mixins of their
concern (``needs``, ``followup``, ``consent``, ``graduation``, ``caseload``: moves too).
"""

from __future__ import annotations

import copy
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import SukumaAggregate
from domain.errors import RuleViolation
from domain.households.caseload import HouseholdCaseload
from domain.households.consent import HouseholdConsent
from domain.households.followup import HouseholdFollowUp
from domain.households.graduation import HouseholdGraduation
from domain.households.records import Intervention, Need, Visit
from domain.households.revisions import HouseholdRevisions
from domain.personal_data import ERASED, PROFILE_PATHS, replace_paths
from domain.rules.risk_wording import reword_first_reasons
from domain.rules.special_facts import special_facts
from domain.vocabulary import HouseholdStatus, NeedStatus


class Household(
    HouseholdRevisions,
    HouseholdGraduation,
    HouseholdFollowUp,
    HouseholdConsent,
    HouseholdCaseload,
    SukumaAggregate,
):
    """Registered in a ward, profiled, needs identified and met, graduated (and maybe reopened)."""

    class Registered(SukumaAggregate.Created):
        ward_id: str
        dwelling_type: str
        village: str | None
        gps: dict[str, float] | None
        field_worker_id: str | None

    class ProfileSubmitted(SukumaAggregate.Event):
        profile: dict[str, Any]  # its special categories sealed (domain.personal_data)
        field_worker_id: str | None
        facts: dict[str, int]  # domain.rules.special_facts: what statistics need of them

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Version 1 stored the special categories in plain text: count them as v2 does.
            state["facts"] = special_facts(state["profile"])

        def apply(self, aggregate: Any) -> None:
            aggregate.on_profile_submitted(self)

    class ProfileMerged(SukumaAggregate.Event):
        """An edit from an older base version, merged by field (households.revisions)."""

        profile: dict[str, Any]  # the merged profile, sealed like ProfileSubmitted's
        facts: dict[str, int]
        field_worker_id: str | None
        base_version: int
        changed: list[str]  # the fields this edit set without contest
        stamps: dict[str, str]  # field -> occurred_at (ISO) of the value it now holds

        def apply(self, aggregate: Any) -> None:
            aggregate.on_profile_merged(self)  # revisions.py

    class ProfileConflictRecorded(SukumaAggregate.Event):
        conflict_id: str
        path: str
        candidates: list[dict[str, str | None]]  # value (JSON, sealed), occurred_at (ISO), actor

        def apply(self, aggregate: Any) -> None:
            aggregate.on_conflict_recorded(self)

    class ProfileConflictResolved(SukumaAggregate.Event):
        conflict_id: str
        path: str
        value: str  # the chosen value as JSON text (sealed)
        facts: dict[str, int]

        def apply(self, aggregate: Any) -> None:
            aggregate.on_conflict_resolved(self)

    class RiskScored(SukumaAggregate.Event):
        score: int
        level: str
        reasons: list[str]
        flags: list[str]
        rule_version: str

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Version 1 named special categories in its reasons ("TB ..."): reword them.
            state["reasons"] = reword_first_reasons(state["reasons"])

        def apply(self, aggregate: Any) -> None:
            aggregate.on_risk_scored(self)

    class NeedIdentified(SukumaAggregate.Event):
        need_id: str
        category: str
        severity: str
        department: str
        member_id: str | None
        source: str  # "manual" or the derivation rule version, e.g. "needs-v1"
        source_item: str | None
        note: str | None

        def apply(self, aggregate: Any) -> None:
            aggregate.on_need_identified(self)

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

        def apply(self, aggregate: Any) -> None:
            aggregate.ward_id = self.to_ward_id  # the command: caseload.py

    class FieldWorkerAssigned(SukumaAggregate.Event):
        field_worker_id: str
        previous_field_worker_id: str | None

        def apply(self, aggregate: Any) -> None:
            aggregate.on_field_worker_assigned(self)  # caseload.py

    class FieldWorkerUnassigned(SukumaAggregate.Event):
        field_worker_id: str
        reason: str  # caseload.RELEASED_ON_MOVE: it does not serve the new ward

        def apply(self, aggregate: Any) -> None:
            aggregate.on_field_worker_unassigned(self)

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
    profile_facts: dict[str, int] | None = None  # of the latest profile

    @event(Registered)
    def __init__(
        self,
        *,
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

    # ---- guards ----------------------------------------------------------------------------------

    def _ensure_not_graduated(self, action: str) -> None:
        if self.status == HouseholdStatus.GRADUATED:
            raise RuleViolation(
                "graduated-household-is-closed",
                f"cannot {action}: the household has graduated (reopen it first)",
            )

    # ---- lifecycle: profile (commands: revisions.py; graduate, reopen: graduation.py) ---------

    # ProfileSubmitted, RiskScored and NeedIdentified apply themselves (their ``apply`` calls
    # these): every imported household records them, and a decorated applier's call passed
    # each through the library's argument filtering (about 2 us an event).

    def on_profile_submitted(self, e: ProfileSubmitted) -> None:
        self.profiles_submitted += 1
        occurred_at, on = e.occurred_at, e.occurred_at.date()
        self.first_profiled_on = min(self.first_profiled_on or on, on)
        if self.profile_at is not None and occurred_at < self.profile_at:
            return  # observed before the current profile: kept in the history, not current
        self.profile = e.profile
        self.profile_facts = e.facts
        self.profile_at = occurred_at
        # Every field stamped with the profile's time (listed when needed: ``list_stamps``).
        self.field_stamps, self.profile_stamp = None, occurred_at.isoformat()
        if e.profile.get("consent", {}).get("given"):
            self.consent = "given"  # the profiling form records consent too
        self.last_profiled_on = on
        if self.status == HouseholdStatus.REGISTERED:
            self.status = HouseholdStatus.ACTIVE

    def on_risk_scored(self, e: RiskScored) -> None:
        if self.risk is not None and e.occurred_at < self.risk["assessed_at"]:
            return  # the risk of a profile older than the current one's
        self.risk = {
            "score": e.score,
            "level": e.level,
            "reasons": e.reasons,
            "flags": e.flags,
            "rule_version": e.rule_version,
            "assessed_at": e.occurred_at,
        }

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

    @event(Reopened)
    def _reopened(self, reason: str, occurred_at: datetime, actor: str) -> None:
        self.status = HouseholdStatus.ACTIVE

    # ---- state changes of the commands in needs.py and followup.py -------------------------------

    def on_need_identified(self, e: NeedIdentified) -> None:
        self.needs[e.need_id] = Need(
            need_id=e.need_id,
            category=e.category,
            severity=e.severity,
            department=e.department,
            member_id=e.member_id,
            identified_on=e.occurred_at.date(),
            source=e.source,
        )

    @event(NeedResolved)
    def _need_resolved(
        self, need_id: str, resolution: str, note: str | None, occurred_at: datetime, actor: str
    ) -> None:
        self.needs[need_id].status = NeedStatus.RESOLVED

    @event(NeedReferred)
    def _need_referred(
        self, need_id: str, referral_id: str, occurred_at: datetime, actor: str
    ) -> None:
        self.needs[need_id].open_referral_id = referral_id

    @event(NeedReferralEnded)
    def _need_referral_ended(
        self, need_id: str, referral_id: str, outcome: str, occurred_at: datetime, actor: str
    ) -> None:
        self.needs[need_id].open_referral_id = None

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

    # ---- state changes of the commands in consent.py (POPIA) -------------------------------------

    @event(ConsentGiven)
    def _consent_given(
        self, given_by: str, basis: str, note: str | None, occurred_at: datetime, actor: str
    ) -> None:
        self.consent = "given"

    @event(ConsentWithdrawn)
    def _consent_withdrawn(self, note: str | None, occurred_at: datetime, actor: str) -> None:
        self.consent = "withdrawn"

    @event(PersonalDataErased)
    def _personal_data_erased(
        self, reason: str, referral_ids: list[str], occurred_at: datetime, actor: str
    ) -> None:
        # Replayed too: state loaded with a key still cached elsewhere is blanked all the same.
        self.personal_data_erased = True
        self.village = None if self.village is None else ERASED
        self.gps = None if self.gps is None else ERASED  # type: ignore[assignment]
        if self.profile is not None:
            self.list_stamps()  # the fields as they were, before their values are blanked
            self.profile = copy.deepcopy(self.profile)  # never the submitted event's own dict
            replace_paths(self.profile, PROFILE_PATHS, lambda _: ERASED)
        self.erase_conflicts()
