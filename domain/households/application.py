"""Household commands: load, decide (rules are computed here, once), save, return the position."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.access.policy import Location
from domain.context import CommandContext, Written
from domain.duplicates.finding import DuplicateFinding
from domain.errors import InvalidCommand, NotFoundError, RuleViolation
from domain.fieldworkers.model import FieldWorker
from domain.households.derived_needs import derive_profile_needs
from domain.households.model import Household
from domain.profile import Profile, validate_profile
from domain.reference.application import ReferenceCommands
from domain.rules.flags import HouseholdFlags, derive_flags
from domain.rules.graduation import GraduationFacts, evaluate_graduation
from domain.rules.risk import score_risk
from domain.rules.special_facts import special_facts


def assess(
    profile: Profile, on: date, flags: HouseholdFlags | None = None
) -> tuple[dict[str, int], dict[str, Any]]:
    """A profile's facts and its risk assessment under the current rule versions (``flags``:
    the profile's as of ``on``, if the caller has them already)."""
    if flags is None:
        flags = derive_flags(profile, on)
    risk = score_risk(profile, on, flags)
    return special_facts(profile), {
        "score": risk.score,
        "level": str(risk.level),
        "reasons": list(risk.reasons),
        "flags": flags.as_list(),
        "rule_version": risk.rule_version,
    }


def apply_profile(
    household: Household,
    profile: Profile,
    field_worker_id: str | None,
    occurred_at: datetime,
    actor: str,
) -> None:
    """Submit a checked profile: score its risk, then add the needs it derives (not yet open).

    A profile observed before the current one is recorded (history) but changes nothing and
    derives no needs: its answers are older than what the household is known to be now.
    """
    stale = household.profile_at is not None and occurred_at < household.profile_at
    # The flags once, for the risk score, the assessment and the needs (about 4 us each).
    flags = derive_flags(profile, occurred_at.date())
    facts, risk = assess(profile, occurred_at.date(), flags)
    household.submit_profile(
        profile=dict(profile),
        field_worker_id=field_worker_id,
        facts=facts,
        risk=risk,
        occurred_at=occurred_at,
        actor=actor,
    )
    if not stale:
        derive_profile_needs(household, profile, occurred_at, actor, flags)


def graduate(
    household: Household, meeting_id: str | None, occurred_at: datetime, actor: str
) -> None:
    """Graduate under the current policy; the decision's evidence is kept in the event."""
    visits = sorted(household.visits, key=lambda v: v.visited_on, reverse=True)
    decision = evaluate_graduation(
        GraduationFacts(
            as_of=occurred_at.date(),
            open_needs_high_or_critical=sum(
                1 for n in household.open_needs if n.is_high_or_critical
            ),
            latest_profile=household.profile,  # type: ignore[arg-type]
            first_profile_on=household.first_profiled_on,
            last_visit_on=household.last_visit_on,
            skipped_meals_recent=tuple(
                v.days_skipped_meal_last_7 for v in visits if v.days_skipped_meal_last_7 is not None
            ),
        )
    )
    household.graduate(
        policy_version=decision.policy_version,
        evidence=dict(decision.evidence),
        unmet=list(decision.unmet),
        meeting_id=meeting_id,
        occurred_at=occurred_at,
        actor=actor,
    )


class HouseholdCommands(DuplicateFinding, ReferenceCommands):
    def _referral_ids(self, household_id: UUID) -> list[str]:
        """Every referral ever made for the household (erasure destroys their keys, an unmerge
        hands back those its merge handed over)."""
        return sorted(
            {
                e.referral_id
                for e in self.repository.event_store.get(household_id)
                if isinstance(e, Household.NeedReferred)
            }
        )

    def _check_field_worker(self, field_worker_id: str | None, ward_id: str) -> None:
        """A field worker may submit only while active and assigned to the household's ward."""
        if field_worker_id is None:
            return
        try:
            worker = self.get(FieldWorker, UUID(field_worker_id))
        except (ValueError, NotFoundError):
            raise InvalidCommand(
                "field_worker_id", f"unknown field worker {field_worker_id}"
            ) from None
        if not worker.active:
            raise RuleViolation(
                "field-worker-active", f"field worker {field_worker_id} is deactivated"
            )
        if ward_id not in worker.ward_ids:
            raise RuleViolation(
                "field-worker-ward",
                f"field worker {field_worker_id} is not assigned to ward {ward_id}",
            )

    def register_household(
        self,
        *,
        household_id: UUID,
        ward_id: str,
        dwelling_type: str,
        village: str | None,
        gps: dict[str, float] | None,
        field_worker_id: str | None,
        ctx: CommandContext,
    ) -> Written:
        """Register a household in a ward (idempotent for a retried client id)."""
        self._check_ward(ward_id)
        self._check_field_worker(field_worker_id, ward_id)
        content: dict[str, Any] = {
            "ward_id": ward_id,
            "dwelling_type": dwelling_type,
            "village": village,
            "gps": gps,
            "field_worker_id": field_worker_id,
        }
        return self._create(
            Household,
            household_id,
            ctx,
            content,
            lambda: [
                Household(
                    id=household_id,
                    ward_id=ward_id,
                    dwelling_type=dwelling_type,
                    village=village,
                    gps=gps,
                    field_worker_id=field_worker_id,
                    occurred_at=ctx.occurred_at,
                    actor=ctx.actor,
                )
            ],
            action="register",
            at=Location.ward(ward_id),
        )

    def submit_profile(
        self,
        household_id: UUID,
        profile: dict[str, Any],
        field_worker_id: str | None,
        ctx: CommandContext,
    ) -> Written:
        """Record a profile; score its risk and derive its needs with the versioned rules."""
        return self.submit_profile_edit(
            household_id=household_id,
            profile=profile,
            field_worker_id=field_worker_id,
            base_version=None,
            ctx=ctx,
        )

    def submit_profile_edit(
        self,
        *,
        household_id: UUID,
        profile: dict[str, Any],
        field_worker_id: str | None,
        base_version: int | None,
        ctx: CommandContext,
    ) -> Written:
        """Record a profile edited from ``base_version`` (None: a whole new profile).

        ``base_version is the household version the profile was edited from: if the
        household has changed since, the edit is merged field by field (contested fields
        become conflicts) instead of replacing the current profile.
        """
        on = ctx.occurred_at.date()
        checked = validate_profile(profile, on)

        def command(household: Household) -> None:
            self._check_field_worker(field_worker_id, household.ward_id)
            if base_version is None or base_version == household.version:
                apply_profile(household, checked, field_worker_id, ctx.occurred_at, ctx.actor)
                return
            if not 1 <= base_version < household.version:
                raise InvalidCommand(
                    "base_version", f"the household has no version {base_version} yet"
                )
            base = self.get(Household, household_id, version=base_version).profile or {}
            household.merge_profile(
                base=base,
                base_version=base_version,
                profile=dict(checked),
                field_worker_id=field_worker_id,
                assess=lambda merged: assess(validate_profile(merged, on), on),
                occurred_at=ctx.occurred_at,
                actor=ctx.actor,
            )
            current = validate_profile(household.profile or {}, on)
            derive_profile_needs(household, current, ctx.occurred_at, ctx.actor)

        # Its duplicates are found and saved with the profile; it is indexed once saved.
        proposing, profiled = self.proposing(command, ctx)
        written = self._change(Household, household_id, ctx, proposing, action="profile")
        return self.indexed(written, profiled)

    def resolve_conflict(
        self, household_id: UUID, conflict_id: str, value: Any, ctx: CommandContext
    ) -> Written:
        """A convener's choice for a contested profile field, recorded as an event."""
        on = ctx.occurred_at.date()

        def command(household: Household) -> None:
            household.resolve_conflict(
                conflict_id=conflict_id,
                value=value,
                assess=lambda resolved: assess(validate_profile(resolved, on), on),
                occurred_at=ctx.occurred_at,
                actor=ctx.actor,
            )
            current = validate_profile(household.profile or {}, on)
            derive_profile_needs(household, current, ctx.occurred_at, ctx.actor)

        return self._change(Household, household_id, ctx, command, action="resolve_conflict")

    def identify_need(
        self,
        *,
        household_id: UUID,
        need_id: UUID,
        category: str,
        severity: str,
        department_code: str | None,
        member_id: str | None,
        note: str | None,
        ctx: CommandContext,
    ) -> Written:
        """Add a need by hand (the war room's judgement beside the derivation rule)."""
        dept = department_code or self.catalogue().default_department(category)
        self._check_department(dept)
        return self._change(
            Household,
            household_id,
            ctx,
            lambda h: h.identify_need(
                need_id=str(need_id),
                category=category,
                severity=severity,
                department=dept,
                occurred_at=ctx.occurred_at,
                actor=ctx.actor,
                member_id=member_id,
                note=note,
            ),
            action="need",
        )

    def resolve_need(
        self,
        *,
        household_id: UUID,
        need_id: str,
        resolution: str,
        note: str | None,
        ctx: CommandContext,
    ) -> Written:
        return self._change(
            Household,
            household_id,
            ctx,
            lambda h: h.resolve_need(
                need_id=need_id,
                resolution=resolution,
                note=note,
                occurred_at=ctx.occurred_at,
                actor=ctx.actor,
            ),
            action="resolve",
        )

    def record_visit(
        self,
        *,
        household_id: UUID,
        visit_id: UUID,
        field_worker_id: str | None,
        outcome: str,
        days_skipped_meal_last_7: int | None,
        note: str | None,
        ctx: CommandContext,
    ) -> Written:
        def command(household: Household) -> None:
            if any(v.visit_id == str(visit_id) for v in household.visits):
                return  # the same visit submitted again from a phone: already recorded
            self._check_field_worker(field_worker_id, household.ward_id)
            household.record_visit(
                visit_id=str(visit_id),
                field_worker_id=field_worker_id,
                outcome=outcome,
                days_skipped_meal_last_7=days_skipped_meal_last_7,
                note=note,
                occurred_at=ctx.occurred_at,
                actor=ctx.actor,
            )

        return self._change(Household, household_id, ctx, command, action="visit")

    def record_intervention(
        self,
        *,
        household_id: UUID,
        intervention_id: UUID,
        need_id: str | None,
        kind: str,
        provider: str,
        description: str | None,
        ctx: CommandContext,
    ) -> Written:
        return self._change(
            Household,
            household_id,
            ctx,
            lambda h: h.deliver_intervention(
                intervention_id=str(intervention_id),
                need_id=need_id,
                referral_id=None,
                kind=kind,
                provider=provider,
                description=description,
                occurred_at=ctx.occurred_at,
                actor=ctx.actor,
            ),
            action="intervention",
        )

    def graduate_household(
        self, household_id: UUID, meeting_id: str | None, ctx: CommandContext
    ) -> Written:
        """Graduate under the current policy; the decision's evidence is kept in the event."""

        def command(household: Household) -> None:
            graduate(household, meeting_id, ctx.occurred_at, ctx.actor)

        return self._change(Household, household_id, ctx, command, action="graduate")

    def reopen_household(self, household_id: UUID, reason: str, ctx: CommandContext) -> Written:
        return self._change(
            Household,
            household_id,
            ctx,
            lambda h: h.reopen(reason, ctx.occurred_at, ctx.actor),
            action="reopen",
        )
