"""Finding duplicates while a profile is recorded: the candidates are saved with it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from domain.context import CommandContext, Written
from domain.duplicates.model import DuplicateCandidate, candidate_id
from domain.duplicates.ports import DuplicateIndex, IndexEntry
from domain.households.model import Household

#: Who proposes a candidate in its event: the matcher, on behalf of the command's actor.
MATCHER = "matcher"


def index_entry(household: Household) -> IndexEntry:
    return IndexEntry(household.id, household.ward_id, household.profile)


def matchable(households: Iterable[Household]) -> list[IndexEntry]:
    """Those with a profile whose personal data is still there (an erased one is forgotten)."""
    return [index_entry(h) for h in households if h.profile and not h.personal_data_erased]


class DuplicateFinding:
    """Mixed into the household commands (profile, import) that bring personal data in."""

    repository: Any  # the application's
    save: Callable[..., Any]

    #: Bound by the composition root (``sukuma.wiring``); ``None``: no matching (unit tests).
    duplicate_index: DuplicateIndex | None = None

    def propose_duplicates(
        self, households: Sequence[Household], ctx: CommandContext
    ) -> list[DuplicateCandidate]:
        """New candidates for these households (to save with them); a pair already proposed,
        dismissed or merged is never proposed again."""
        index = self.duplicate_index
        if index is None:
            return []
        proposed: dict[Any, DuplicateCandidate] = {}
        for match in index.matches(matchable(households)):
            pair = candidate_id(match.household_id, match.other_id)
            if pair in proposed or self._recorded(pair):
                continue
            mine = (str(match.household_id), match.ward_id)
            sides = sorted([mine, (str(match.other_id), match.other_ward_id)])
            proposed[pair] = DuplicateCandidate(
                id=pair,
                household_ids=[h for h, _ in sides],
                ward_ids=[w for _, w in sides],
                score=round(match.score, 3),
                field_scores={k: round(v, 3) for k, v in sorted(match.field_scores.items())},
                same_id_number=match.same_id_number,
                rule_version=index.rule_version,
                occurred_at=ctx.occurred_at,
                actor=MATCHER,
            )
        return list(proposed.values())

    def proposing(
        self, command: Callable[[Household], object], ctx: CommandContext
    ) -> tuple[Callable[[Household], list[DuplicateCandidate]], list[Household]]:
        """``command``, then the candidates of the household it changed (saved with it), and
        the list that holds that household once the command has run (to index after)."""
        changed: list[Household] = []

        def run(household: Household) -> list[DuplicateCandidate]:
            command(household)
            changed[:] = [household]
            return self.propose_duplicates(changed, ctx)

        return run, changed

    def indexed(self, written: Written, households: Iterable[Household]) -> Written:
        """``written``, once ``households`` are indexed (after their save)."""
        self.index_households(households)
        return written

    def index_households(self, households: Iterable[Household]) -> None:
        """After the save: the households' current profiles become matchable."""
        if self.duplicate_index is not None:
            self.duplicate_index.record(matchable(households))

    def scan_households(self, household_ids: Sequence[Any], ctx: CommandContext) -> int:
        """Match households already recorded (before the matcher, or by the demo) against the
        index and each other, save the new candidates and index them; returns how many
        candidates were proposed. Run again, it proposes nothing new."""
        loaded = [self.repository.get(h) for h in household_ids]
        households = [h for h in loaded if isinstance(h, Household)]
        proposed = self.propose_duplicates(households, ctx)
        if proposed:
            self.save(*proposed)
        self.index_households(households)
        return len(proposed)

    def _recorded(self, aggregate_id: Any) -> bool:
        return next(iter(self.repository.event_store.get(aggregate_id, lte=1)), None) is not None
