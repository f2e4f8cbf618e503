"""Consent and erasure commands (POPIA): recorded as events on the household."""

from __future__ import annotations

from uuid import UUID

from domain.context import CommandContext, Written
from domain.households.application import HouseholdCommands
from domain.households.model import Household


class PrivacyCommands(HouseholdCommands):
    def give_consent(
        self,
        *,
        household_id: UUID,
        given_by: str,
        basis: str,
        note: str | None,
        ctx: CommandContext,
    ) -> Written:
        """Record the household's consent (by itself, or a competent person for a child)."""
        return self._change(
            Household,
            household_id,
            ctx,
            lambda h: h.give_consent(
                given_by=given_by,
                basis=basis,
                note=note,
                occurred_at=ctx.occurred_at,
                actor=ctx.actor,
            ),
            action="consent",
        )

    def withdraw_consent(
        self, household_id: UUID, note: str | None, ctx: CommandContext
    ) -> Written:
        """Withdrawal hides personal fields from department officers from now on."""
        return self._change(
            Household,
            household_id,
            ctx,
            lambda h: h.withdraw_consent(note, ctx.occurred_at, ctx.actor),
            action="consent",
        )

    def erase_personal_data(self, household_id: UUID, reason: str, ctx: CommandContext) -> Written:
        """Destroy the household's data keys (and its referrals'): counts and statuses remain."""

        def command(household: Household) -> None:
            household.erase_personal_data(
                reason, self._referral_ids(household_id), ctx.occurred_at, ctx.actor
            )

        written = self._change(Household, household_id, ctx, command, action="erase")
        if self.duplicate_index is not None:
            self.duplicate_index.forget(household_id)  # its blind keys go with its data
        return written
