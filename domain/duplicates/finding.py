"""Finding duplicates while a profile is recorded: the candidates are saved with it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.utils import get_topic

from domain.context import CommandContext, Written
from domain.duplicates.model import DuplicateCandidate, candidate_id
from domain.duplicates.ports import DuplicateIndex, IndexEntry
from domain.households.model import Household

log = logging.getLogger(__name__)

#: Who proposes a candidate in its event: the matcher, on behalf of the command's actor.
MATCHER = "matcher"
#: The events after which a household's card is written again (or dropped: erasure).
INDEXED_TOPICS = [
    get_topic(cls)
    for cls in (
        Household.ProfileSubmitted,
        Household.ProfileMerged,
        Household.ProfileConflictResolved,
        Household.Moved,
        Household.PersonalDataErased,
    )
]
#: Notifications a command's catch-up reads at most (a backlog drains over several).
CATCH_UP_PAGE = 100


def index_entry(household: Household) -> IndexEntry:
    return IndexEntry(household.id, household.ward_id, household.profile, household.version)


def matchable(households: Iterable[Household]) -> list[IndexEntry]:
    """Those with a profile whose personal data is still there (an erased one is forgotten)."""
    return [index_entry(h) for h in households if h.profile and not h.personal_data_erased]


_LOCKS_MADE = threading.Lock()  # makes each application's ``index_catching_up`` once


class DuplicateFinding:
    """Mixed into the household commands (profile, import) that bring personal data in."""

    repository: Any  # the application's
    recorder: ApplicationRecorder
    name: str
    save: Callable[..., Any]
    existing: Callable[[Sequence[UUID]], set[UUID]]

    #: Bound by the composition root (``sukuma.wiring``); ``None``: no matching (unit tests).
    duplicate_index: DuplicateIndex | None = None
    #: A notification id up to which this process has itself seen the index follow the log.
    index_followed: int = -1
    #: Held while one of this application's threads catches the index up (made on first use).
    index_catching_up: threading.Lock | None = None

    def propose_duplicates(
        self, households: Sequence[Household], ctx: CommandContext
    ) -> list[DuplicateCandidate]:
        """New candidates for these households (to save with them); a pair already proposed,
        dismissed or merged is never proposed again."""
        return self.propose_for_entries(matchable(households), ctx)

    def propose_for_entries(
        self, entries: Sequence[IndexEntry], ctx: CommandContext
    ) -> list[DuplicateCandidate]:
        """As ``propose_duplicates``, for households given by their index entries (an import
        batch built in another process)."""
        index = self.duplicate_index
        if index is None:
            return []
        matches = index.matches(entries)
        if not matches:
            return []  # most batches: no query for pairs recorded before
        # Which pairs were proposed before (dismissed, merged): one query, not one a match.
        recorded = self.existing([candidate_id(m.household_id, m.other_id) for m in matches])
        proposed: dict[Any, DuplicateCandidate] = {}
        for match in matches:
            pair = candidate_id(match.household_id, match.other_id)
            if pair in proposed or pair in recorded:
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
        """After the save: the households' current profiles become matchable, and the index
        catches up with the log. The save stands whatever happens here: a failure is logged,
        and the next catch-up (any command's, or ``sukuma duplicates scan``) indexes them."""
        self.index_entries(matchable(households))

    def index_entries(
        self, entries: Sequence[IndexEntry], appended: Sequence[int] | None = None
    ) -> None:
        """As ``index_households``, for households given by their index entries.

        ``appended``: the notification ids of the one append that recorded these households'
        profiles (an import batch's, ids consecutive under the table's lock). If the index
        had followed the log up to that append, it follows it past the append with these
        cards, in one transaction, instead of reading the append's profiles back."""
        index = self.duplicate_index
        if index is None:
            return
        try:
            if (
                appended
                and appended[-1] - appended[0] + 1 == len(appended)
                and (
                    self.index_followed == appended[0] - 1
                    or index.position(self.name) == appended[0] - 1
                )
            ):
                index.record(entries, position=(self.name, appended[-1]))
                # The log up to here is indexed for good (its prefix never changes): the next
                # batch right after it need not ask the index where it stands.
                self.index_followed = appended[-1]
                return
            index.record(entries)
            # One catch-up at a time per process: each is several queries on the event
            # store's pool, and a burst of profiles (200 phones at once) made as many
            # catch-ups of the same page, starving the commands of connections. A command
            # that finds one running skips its own: its card is written above, and the
            # running one (or the next) moves the position past it.
            catching_up = self._index_catching_up()
            if catching_up.acquire(blocking=False):
                try:
                    self.catch_up_index(limit=CATCH_UP_PAGE)
                finally:
                    catching_up.release()
        except Exception:
            log.exception("duplicate index not written: the next catch-up writes it")

    def _index_catching_up(self) -> threading.Lock:
        with _LOCKS_MADE:
            if self.index_catching_up is None:
                self.index_catching_up = threading.Lock()
            return self.index_catching_up

    def catch_up_index(self, limit: int | None = None) -> int:
        """Index every profile recorded since the index's position, like a projection: the
        cards written and the position moved in one transaction, a household whose card is
        already as new as its event skipped (the command that recorded it indexed it). So a
        process that died between a save and its indexing leaves nothing unindexed once any
        catch-up runs. ``limit``: notifications to read at most. Returns households indexed."""
        index = self.duplicate_index
        if index is None:
            return 0
        name, size = self.name, min(limit or CATCH_UP_PAGE, CATCH_UP_PAGE)
        done, indexed = index.position(name), 0
        head = self.recorder.max_notification_id() or 0
        while done < head:
            page = self.recorder.select_notifications(
                start=done + 1, limit=size, stop=head, topics=INDEXED_TOPICS
            )
            # A page short of its size read every profile up to the head (appends become
            # visible in notification order, so none below it can appear later).
            last = page[-1].id if len(page) == size else head
            versions: dict[UUID, int] = {}
            for notification in page:
                household_id = UUID(str(notification.originator_id))
                versions[household_id] = max(
                    versions.get(household_id, 0), notification.originator_version
                )
            stale = [self.repository.get(h) for h in sorted(index.stale(versions))]
            # Proposed as the command would have (a pair already recorded is not again), so
            # a household's pairs are not lost with its indexing either.
            ctx = CommandContext(actor=MATCHER, occurred_at=datetime.now(UTC))
            proposed = self.propose_duplicates(stale, ctx)
            if proposed:
                self.save(*proposed)
            entries = matchable(stale)
            keep = {e.household_id for e in entries}
            forget = [h.id for h in stale if h.id not in keep]
            index.record(entries, forget=forget, position=(name, last))
            done, indexed = last, indexed + len(entries)
            if limit is not None:
                break
        return indexed

    def scan_households(self, household_ids: Sequence[Any], ctx: CommandContext) -> int:
        """Match households already recorded (before the matcher, or by the demo) against the
        index and each other, save the new candidates and index them; returns how many
        candidates were proposed. Run again, it proposes nothing new. (No catch-up here: the
        scan's own order proposes each pair once, and ``catch_up_index`` follows it.)"""
        loaded = [self.repository.get(h) for h in household_ids]
        households = [h for h in loaded if isinstance(h, Household)]
        proposed = self.propose_duplicates(households, ctx)
        if proposed:
            self.save(*proposed)
        if self.duplicate_index is not None:
            self.duplicate_index.record(matchable(households))
        return len(proposed)
