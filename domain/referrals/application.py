"""Referral commands; those that touch the household's need save both aggregates atomically."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

from domain.context import CommandContext, Written
from domain.escalation import Ladder
from domain.households.application import HouseholdCommands
from domain.households.model import Household
from domain.reference.departments import Catalogue, shipped_catalogue
from domain.referrals.model import Referral


def refer(
    household: Household,
    referral_id: UUID,
    need_id: str,
    department: str,
    personal_data_shared: bool,
    note: str | None,
    occurred_at: datetime,
    actor: str,
    consent_override_reason: str | None = None,
    catalogue: Catalogue | None = None,
) -> Referral:
    """Make a referral for an open need; its due dates are fixed now from the service standard
    of the current catalogue, whose version the referral records (later changes apply only to
    referrals made after them). ``None``: the shipped defaults (the demo's and benchmarks'
    generators, which run without the event store).

    Sharing the household's personal data needs its consent, or an override reason (kept).
    """
    household.ensure_not_merged("refer its need")  # 409 naming the survivor
    need = household.need(need_id)
    if personal_data_shared:
        household.ensure_may_share_personal_data(consent_override_reason)
    standard = (catalogue or shipped_catalogue()).service_standard(department, need.category)
    on = occurred_at.date()
    referral = Referral(
        id=referral_id,
        household_id=str(household.id),
        need_id=need_id,
        category=need.category,
        severity=need.severity,
        from_ward_id=household.ward_id,
        department=department,
        ack_by=on + timedelta(days=standard.ack_within_days),
        deliver_by=on + timedelta(days=standard.deliver_within_days),
        standard_version=standard.version,
        personal_data_shared=personal_data_shared,
        note=note,
        occurred_at=occurred_at,
        actor=actor,
        consent_override_reason=consent_override_reason if personal_data_shared else None,
    )
    household.refer_need(need_id, str(referral_id), occurred_at, actor)
    return referral


class ReferralCommands(HouseholdCommands):
    def make_referral(
        self,
        *,
        referral_id: UUID,
        household_id: UUID,
        need_id: str,
        department_code: str,
        personal_data_shared: bool,
        note: str | None,
        ctx: CommandContext,
        consent_override_reason: str | None = None,
    ) -> Written:
        """Refer an open need; due dates are fixed now from the department's service standard."""
        self._check_department(department_code)
        content = {
            "household_id": str(household_id),
            "need_id": need_id,
            "department": department_code,
        }

        def build() -> list[Household | Referral]:
            household = self.get(Household, household_id)
            self._authorize(ctx.principal, Household, "refer", household)
            if personal_data_shared and consent_override_reason:
                self._authorize(ctx.principal, Household, "override_consent", household)
            referral = refer(
                household,
                referral_id,
                need_id,
                department_code,
                personal_data_shared,
                note,
                ctx.occurred_at,
                ctx.actor,
                consent_override_reason,
                self.catalogue(),
            )
            return [referral, household]

        return self._create(Referral, referral_id, ctx, content, build, action="make", at=None)

    def _with_household(
        self, referral: Referral, act: Callable[[Household], None]
    ) -> list[Household]:
        household = self.get(Household, UUID(referral.household_id))
        act(household)
        return [household]

    def acknowledge_referral(
        self, referral_id: UUID, note: str | None, ctx: CommandContext
    ) -> Written:
        return self._change(
            Referral,
            referral_id,
            ctx,
            lambda r: r.acknowledge(note, ctx.occurred_at, ctx.actor),
            action="acknowledge",
        )

    def reject_referral(
        self, referral_id: UUID, reason: str, note: str | None, ctx: CommandContext
    ) -> Written:
        def command(referral: Referral) -> list[Household]:
            referral.reject(reason, note, ctx.occurred_at, ctx.actor)
            return self._end_on_household(referral, "rejected", ctx)

        return self._change(Referral, referral_id, ctx, command, action="reject")

    def reassign_referral(
        self, referral_id: UUID, to_department: str, reason: str, ctx: CommandContext
    ) -> Written:
        """Another department takes it; due dates restart from that department's standard."""
        self._check_department(to_department, "to_department")

        def command(referral: Referral) -> None:
            standard = self.catalogue().service_standard(to_department, referral.category)
            on = ctx.occurred_at.date()
            referral.reassign(
                to_department=to_department,
                reason=reason,
                ack_by=on + timedelta(days=standard.ack_within_days),
                deliver_by=on + timedelta(days=standard.deliver_within_days),
                standard_version=standard.version,
                occurred_at=ctx.occurred_at,
                actor=ctx.actor,
            )

        return self._change(Referral, referral_id, ctx, command, action="reassign")

    def escalate_referral(
        self, referral_id: UUID, to_level: int, reason: str, ctx: CommandContext
    ) -> Written:
        return self._change(
            Referral,
            referral_id,
            ctx,
            lambda r: r.escalate(to_level, reason, ctx.occurred_at, ctx.actor),
            action="escalate",
        )

    def follow_escalation_ladder(
        self, referral_id: UUID, ladder: Ladder, ctx: CommandContext
    ) -> Written:
        """The system's escalation of an overdue referral to the level its delay has reached
        (one event per level); nothing if it is there already, on time or closed, so a
        repeated or concurrent sweep changes nothing twice (``position`` is then ``None``)."""
        return self._change(
            Referral,
            referral_id,
            ctx,
            lambda r: r.follow_ladder(ladder, ctx.occurred_at, ctx.actor),
            action="escalate",
        )

    def deliver_referral(
        self,
        *,
        referral_id: UUID,
        intervention_id: UUID,
        kind: str,
        description: str | None,
        ctx: CommandContext,
    ) -> Written:
        """The department's service is also the household's intervention against the need."""

        def command(referral: Referral) -> list[Household]:
            referral.deliver(
                intervention_id=str(intervention_id),
                kind=kind,
                description=description,
                occurred_at=ctx.occurred_at,
                actor=ctx.actor,
            )
            return self._with_household(
                referral,
                lambda h: h.deliver_intervention(
                    intervention_id=str(intervention_id),
                    need_id=referral.need_id,
                    referral_id=str(referral.id),
                    kind=kind,
                    provider=referral.department,
                    description=description,
                    occurred_at=ctx.occurred_at,
                    actor=ctx.actor,
                ),
            )

        return self._change(Referral, referral_id, ctx, command, action="deliver")

    def verify_referral(self, referral_id: UUID, note: str | None, ctx: CommandContext) -> Written:
        return self._change(
            Referral,
            referral_id,
            ctx,
            lambda r: r.verify(note, ctx.occurred_at, ctx.actor),
            action="verify",
        )

    def dispute_referral(self, referral_id: UUID, reason: str, ctx: CommandContext) -> Written:
        return self._change(
            Referral,
            referral_id,
            ctx,
            lambda r: r.dispute(reason, ctx.occurred_at, ctx.actor),
            action="dispute",
        )

    def reopen_referral(self, referral_id: UUID, reason: str, ctx: CommandContext) -> Written:
        return self._change(
            Referral,
            referral_id,
            ctx,
            lambda r: r.reopen(reason, ctx.occurred_at, ctx.actor),
            action="reopen",
        )

    def close_referral(self, referral_id: UUID, note: str | None, ctx: CommandContext) -> Written:
        """Closing a verified referral resolves the need it was made for."""

        def command(referral: Referral) -> list[Household]:
            referral.close(note, ctx.occurred_at, ctx.actor)
            households = self._end_on_household(referral, "closed", ctx)
            need = households[0].need(referral.need_id)
            if need.is_open:
                households[0].resolve_need(
                    need_id=referral.need_id,
                    resolution="referral_closed",
                    note=note,
                    occurred_at=ctx.occurred_at,
                    actor=ctx.actor,
                )
            return households

        return self._change(Referral, referral_id, ctx, command, action="close")

    def cancel_referral(self, referral_id: UUID, reason: str, ctx: CommandContext) -> Written:
        def command(referral: Referral) -> list[Household]:
            referral.cancel(reason, ctx.occurred_at, ctx.actor)
            return self._end_on_household(referral, "cancelled", ctx)

        return self._change(Referral, referral_id, ctx, command, action="cancel")

    def _end_on_household(
        self, referral: Referral, outcome: str, ctx: CommandContext
    ) -> list[Household]:
        return self._with_household(
            referral,
            lambda h: h.end_need_referral(
                need_id=referral.need_id,
                referral_id=str(referral.id),
                outcome=outcome,
                occurred_at=ctx.occurred_at,
                actor=ctx.actor,
            ),
        )
