"""A pair of households that may be one household recorded twice, and what a person decided.

The matcher proposes a pair (``Proposed``, with its evidence: a score per field, numbers only);
a convener who may see both households decides: not a duplicate (``Dismissed``: the pair is
never proposed again, since its id is derived from the two households), or a merge
(``Merged``), which may be undone (``Unmerged``: the pair is open again).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from domain.base import SukumaAggregate
from domain.errors import RuleViolation

_PAIR_NAMESPACE = uuid.UUID("0b6f2c1e-7d54-4f0a-9a3e-3c2d1e5f7a81")


def candidate_id(first: UUID, second: UUID) -> UUID:
    """The same two households, in either order, are always the same candidate."""
    low, high = sorted((str(first), str(second)))
    return uuid.uuid5(_PAIR_NAMESPACE, f"{low}:{high}")


class CandidateStatus:
    OPEN = "open"
    DISMISSED = "dismissed"
    MERGED = "merged"


class DuplicateCandidate(SukumaAggregate):
    """Two households the matcher found alike, and the review of them."""

    class Proposed(SukumaAggregate.Created):
        household_ids: list[str]  # in the order of ``candidate_id``
        ward_ids: list[str]  # each household's ward when proposed
        score: float  # 0..1
        field_scores: dict[str, float]  # per field, 0..1 (names, date_of_birth, phone, ...)
        same_id_number: bool
        rule_version: str

    class Dismissed(SukumaAggregate.Event):
        note: str | None

    class Merged(SukumaAggregate.Event):
        survivor_id: str
        duplicate_id: str

    class Unmerged(SukumaAggregate.Event):
        reason: str | None

    @event(Proposed)
    def __init__(
        self,
        *,
        id: UUID,
        household_ids: list[str],
        ward_ids: list[str],
        score: float,
        field_scores: dict[str, float],
        same_id_number: bool,
        rule_version: str,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.household_ids = household_ids
        self.ward_ids = ward_ids
        self.score = score
        self.field_scores = field_scores
        self.same_id_number = same_id_number
        self.rule_version = rule_version
        self.proposed_at = occurred_at
        self.status = CandidateStatus.OPEN
        self.survivor_id: str | None = None
        self.decided_at: datetime | None = None
        self.decided_by: str | None = None

    def _decided(self, status: str, occurred_at: datetime, actor: str) -> None:
        self.status = status
        self.decided_at = occurred_at
        self.decided_by = actor

    @property
    def duplicate_id(self) -> str | None:
        if self.survivor_id is None:
            return None
        return next(h for h in self.household_ids if h != self.survivor_id)

    def _ensure_open(self, action: str) -> None:
        if self.status != CandidateStatus.OPEN:
            raise RuleViolation(
                "duplicate-candidate-decided", f"cannot {action}: the pair is {self.status}"
            )

    def dismiss(self, note: str | None, occurred_at: datetime, actor: str) -> None:
        """Not a duplicate: recorded, so the pair is not proposed again."""
        self._ensure_open("dismiss it")
        self._dismissed(note=note, occurred_at=occurred_at, actor=actor)

    @event(Dismissed)
    def _dismissed(self, note: str | None, occurred_at: datetime, actor: str) -> None:
        self._decided(CandidateStatus.DISMISSED, occurred_at, actor)

    def merge(self, survivor_id: str, occurred_at: datetime, actor: str) -> None:
        self._ensure_open("merge it")
        if survivor_id not in self.household_ids:
            raise RuleViolation(
                "merge-survivor-in-pair", "the survivor must be one of the pair's households"
            )
        duplicate = next(h for h in self.household_ids if h != survivor_id)
        self._merged(
            survivor_id=survivor_id, duplicate_id=duplicate, occurred_at=occurred_at, actor=actor
        )

    @event(Merged)
    def _merged(
        self, survivor_id: str, duplicate_id: str, occurred_at: datetime, actor: str
    ) -> None:
        self._decided(CandidateStatus.MERGED, occurred_at, actor)
        self.survivor_id = survivor_id

    def unmerge(self, reason: str | None, occurred_at: datetime, actor: str) -> None:
        if self.status != CandidateStatus.MERGED:
            raise RuleViolation("duplicate-candidate-not-merged", "the pair is not merged")
        self._unmerged(reason=reason, occurred_at=occurred_at, actor=actor)

    @event(Unmerged)
    def _unmerged(self, reason: str | None, occurred_at: datetime, actor: str) -> None:
        self._decided(CandidateStatus.OPEN, occurred_at, actor)
        self.survivor_id = None
