"""The review of duplicate candidates: dismiss, merge, undo a merge (one save each)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import RecordConflictError

from domain.access.merges import follows_merge, may_read
from domain.access.principal import Principal
from domain.application import MAX_ATTEMPTS, A, ConcurrencyExhausted
from domain.context import CommandContext, Written
from domain.duplicates.model import CandidateStatus, DuplicateCandidate
from domain.errors import NotFoundError, VersionConflict
from domain.households.application import HouseholdCommands
from domain.households.model import Household
from domain.referrals.model import Referral
from domain.referrals.moves import MERGED

Decision = Callable[[DuplicateCandidate, Household, Household], Sequence[Aggregate]]

#: What may still be done to a merged household through its own id: its data subject's rights
#: (consent, erasure) never wait for an unmerge. Every other command answers 409 naming the
#: survivor (``HouseholdMerged``); its referrals go on (they are addressed to the referral).
WHILE_MERGED = frozenset({"consent", "erase"})


def _sides(c: DuplicateCandidate, a: Household, b: Household) -> tuple[Household, Household]:
    """(survivor, duplicate) of a merged pair."""
    return (a, b) if str(a.id) == c.survivor_id else (b, a)


@dataclass(frozen=True)
class HouseholdSeen:
    """What a read of ``asked`` answers: ``household`` (its survivor, if it is merged and the
    reader may see both), with the merged-in ``duplicates`` the reader may see."""

    asked: UUID
    household: Household
    duplicates: list[Household]

    @property
    def redirected(self) -> bool:
        return self.household.id != self.asked


@dataclass(frozen=True)
class Handover:
    """A referral an old merge hands to its survivor's ward (``hand_over_old_merge``)."""

    referral_id: UUID
    from_ward_id: str
    to_ward_id: str
    survivor_id: str


class DuplicateCommands(HouseholdCommands):
    def _change(
        self,
        cls: type[A],
        aggregate_id: UUID,
        ctx: CommandContext,
        command: Callable[[A], Sequence[Aggregate] | None],
        *,
        action: str,
    ) -> Written:
        """Every household command refuses a merged household (after the access policy, so
        an outsider still gets 404 or 403), but those of ``WHILE_MERGED``."""
        if cls is not Household or action in WHILE_MERGED:
            return super()._change(cls, aggregate_id, ctx, command, action=action)

        def unless_merged(aggregate: A) -> Sequence[Aggregate] | None:
            assert isinstance(aggregate, Household)
            aggregate.ensure_not_merged(action.replace("_", " "))
            return command(aggregate)

        return super()._change(cls, aggregate_id, ctx, unless_merged, action=action)

    def read_household(self, household_id: UUID, principal: Principal | None) -> HouseholdSeen:
        """A household as a reader sees it once merges are followed (see ``HouseholdSeen``)."""
        household = self.read(Household, household_id, principal)
        if household.merged_into is not None:
            survivor = self.get(Household, UUID(household.merged_into))
            if follows_merge(principal, household, survivor):
                household = survivor
        duplicates = [self.get(Household, UUID(d)) for d in household.absorbed]
        shown = [d for d in duplicates if may_read(principal, d)]
        return HouseholdSeen(household_id, household, shown)

    def read_candidate(
        self, candidate_id: UUID, principal: Principal | None
    ) -> tuple[DuplicateCandidate, Household, Household]:
        """A candidate whose two households the principal may both read (else not found)."""
        return self._pair(candidate_id, principal, "read")

    def dismiss_duplicate(
        self, candidate_id: UUID, note: str | None, ctx: CommandContext
    ) -> Written:
        """Not a duplicate: the decision is recorded and the pair never proposed again."""

        def decide(c: DuplicateCandidate, a: Household, b: Household) -> list[Aggregate]:
            c.dismiss(note, ctx.occurred_at, ctx.actor)
            return []

        return self._decide(candidate_id, ctx, decide)

    def merge_households(
        self, candidate_id: UUID, survivor_id: UUID, ctx: CommandContext
    ) -> Written:
        """Merge the pair's other household into ``survivor_id``: recorded on all three, and
        its open referrals handed to the survivor's ward, in one save."""

        def decide(c: DuplicateCandidate, a: Household, b: Household) -> list[Aggregate]:
            c.merge(str(survivor_id), ctx.occurred_at, ctx.actor)
            survivor, duplicate = _sides(c, a, b)
            at, who, pair = ctx.occurred_at, ctx.actor, str(c.id)
            duplicate.merge_into(
                survivor_id=str(survivor.id), candidate_id=pair, occurred_at=at, actor=who
            )
            survivor.absorb(
                duplicate_id=str(duplicate.id), candidate_id=pair, occurred_at=at, actor=who
            )
            referrals = [self.get(Referral, UUID(r)) for r in duplicate.open_referral_ids]
            for referral in referrals:
                referral.hand_to_survivor(
                    survivor_id=str(survivor.id),
                    ward_id=survivor.ward_id,
                    reason=MERGED,
                    occurred_at=at,
                    actor=who,
                )
            return [survivor, duplicate, *referrals]

        return self._decide(candidate_id, ctx, decide)

    def unmerge_households(
        self, candidate_id: UUID, reason: str | None, ctx: CommandContext
    ) -> Written:
        """Undo a merge: both households are again as they were, the pair open again."""

        def decide(c: DuplicateCandidate, a: Household, b: Household) -> list[Aggregate]:
            survivor, duplicate = _sides(c, a, b)
            c.unmerge(reason, ctx.occurred_at, ctx.actor)
            at, who, pair = ctx.occurred_at, ctx.actor, str(c.id)
            duplicate.undo_merge(candidate_id=pair, occurred_at=at, actor=who)
            survivor.undo_absorption(
                duplicate_id=str(duplicate.id), candidate_id=pair, occurred_at=at, actor=who
            )
            # Every referral the merge handed over, closed since or not, goes back
            referrals = [self.get(Referral, UUID(r)) for r in self._referral_ids(duplicate.id)]
            for referral in referrals:
                referral.hand_back(duplicate.ward_id, at, who)
            return [survivor, duplicate, *referrals]

        return self._decide(candidate_id, ctx, decide)

    def hand_over_old_merge(
        self, candidate_id: UUID, ctx: CommandContext, *, record: bool = True
    ) -> list[Handover]:
        """A merge recorded before merges handed referrals over: hand each open referral of
        its duplicate still in the duplicate's ward, never handed, to the survivor's ward now,
        as a merge does today. None for a pair not merged (or unmerged) or whose referrals are
        handed already, so a re-run appends nothing; ``record=False`` only says what it would
        hand over. Saved at the versions read: a referral changed meanwhile decides again."""
        for _ in range(MAX_ATTEMPTS):
            candidate = self.get(DuplicateCandidate, candidate_id)
            if candidate.status != CandidateStatus.MERGED or candidate.duplicate_id is None:
                return []
            duplicate = self.get(Household, UUID(candidate.duplicate_id))
            survivor = self.get(Household, UUID(str(candidate.survivor_id)))
            referrals = [self.get(Referral, UUID(r)) for r in duplicate.open_referral_ids]
            handed = [
                r for r in referrals if r.survivor_id is None and r.ward_id == duplicate.ward_id
            ]
            for referral in handed:
                referral.hand_to_survivor(
                    survivor_id=str(survivor.id),
                    ward_id=survivor.ward_id,
                    reason=MERGED,
                    occurred_at=ctx.occurred_at,
                    actor=ctx.actor,
                )
            handed = [r for r in handed if r.survivor_id is not None]  # (a closed one stays)
            said = [
                Handover(r.id, duplicate.ward_id, survivor.ward_id, str(survivor.id))
                for r in handed
            ]
            if not record or not handed:
                return said
            try:
                self.save(*handed, receipt=ctx.receipt)
                return said
            except RecordConflictError:
                continue
        raise ConcurrencyExhausted(f"the referrals of merge {candidate_id} are being changed")

    def _pair(
        self, candidate_id: UUID, principal: Principal | None, verb: str
    ) -> tuple[DuplicateCandidate, Household, Household]:
        """Load the candidate and both households; the policy decides on each household, so
        a pair reaching a ward the caller cannot see is not found (404), as any object is."""
        candidate = self.get(DuplicateCandidate, candidate_id)
        first, second = (self.get(Household, UUID(h)) for h in candidate.household_ids)
        try:
            for household in (first, second):
                self._authorize(principal, Household, "read", household)
        except NotFoundError:
            raise NotFoundError("duplicatecandidate", candidate_id) from None
        for household in (first, second):
            self._authorize(principal, Household, verb, household)
        return candidate, first, second

    def _decide(self, candidate_id: UUID, ctx: CommandContext, decide: Decision) -> Written:
        """Load, authorize, decide and save the candidate with the households it changes."""
        for _ in range(MAX_ATTEMPTS):
            candidate, first, second = self._pair(candidate_id, ctx.principal, "merge")
            if ctx.expected_version is not None and candidate.version != ctx.expected_version:
                raise VersionConflict(ctx.expected_version, candidate.version)
            others = decide(candidate, first, second)
            try:
                return self._save(ctx, candidate, others)
            except RecordConflictError:
                # Another write to the pair is a stale If-Match; to a household or a referral
                # the decision changes, a reason to decide again
                current = self.get(DuplicateCandidate, candidate_id).version
                if ctx.expected_version is not None and current != ctx.expected_version:
                    raise VersionConflict(ctx.expected_version, current) from None
        raise ConcurrencyExhausted(f"duplicate candidate {candidate_id} is being decided")
