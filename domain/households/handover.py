"""Caseload commands: a convener assigns a household to a field worker of its ward; a move hands
the household's caseload and open referrals to the new ward's war room, in one transaction.

Why the move does it all at once (rather than a policy reacting to ``Moved`` later): one
application holds every aggregate over one log, so the household and its referrals save
atomically; the old ward never keeps a referral, nor the new ward miss one, between the two.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.context import CommandContext, Written
from domain.errors import NotFoundError
from domain.fieldworkers.model import FieldWorker
from domain.households.application import HouseholdCommands
from domain.households.caseload import RELEASED_ON_MOVE
from domain.households.model import Household
from domain.referrals.model import Referral
from domain.referrals.moves import MOVED


class CaseloadCommands(HouseholdCommands):
    def assign_household(
        self, household_id: UUID, field_worker_id: str, ctx: CommandContext
    ) -> Written:
        """Put the household in the caseload of an active field worker of its ward (a
        reassignment takes it out of the previous one's)."""

        def command(household: Household) -> None:
            self._check_field_worker(field_worker_id, household.ward_id)
            household.assign_field_worker(field_worker_id, ctx.occurred_at, ctx.actor)

        return self._change(Household, household_id, ctx, command, action="assign")

    def move_household(
        self, household_id: UUID, to_ward_id: str, reason: str | None, ctx: CommandContext
    ) -> Written:
        """Move the household to another ward, whose war room takes over: its field worker
        keeps it only when serving that ward too (else it awaits the new ward's assignment),
        and its open referrals go with it, those its merged duplicates handed it too (closed
        ones stay in the old ward's history)."""
        self._check_ward(to_ward_id, "to_ward_id")

        def command(household: Household) -> Sequence[Aggregate]:
            household.move(to_ward_id, reason, ctx.occurred_at, ctx.actor)
            if not self._serves(household.field_worker_id, to_ward_id):
                household.release_field_worker(RELEASED_ON_MOVE, ctx.occurred_at, ctx.actor)
            referrals = [self.get(Referral, UUID(r)) for r in household.open_referral_ids]
            for referral in referrals:
                referral.rehome(to_ward_id, ctx.occurred_at, ctx.actor)
            # and those its merged duplicates handed it (the duplicates themselves stay put)
            handed = [
                self.get(Referral, UUID(r))
                for d in household.absorbed
                for r in self.get(Household, UUID(d)).open_referral_ids
            ]
            for referral in handed:
                referral.hand_to_survivor(
                    survivor_id=str(household.id),
                    ward_id=to_ward_id,
                    reason=MOVED,
                    occurred_at=ctx.occurred_at,
                    actor=ctx.actor,
                )
            return [*referrals, *handed]

        return self._change(Household, household_id, ctx, command, action="move")

    def _serves(self, field_worker_id: str | None, ward_id: str) -> bool:
        if field_worker_id is None:
            return False
        try:
            worker = self.get(FieldWorker, UUID(field_worker_id))
        except (ValueError, NotFoundError):
            return False
        return worker.active and ward_id in worker.ward_ids
