"""What the domain asks of the duplicate matcher (``adapters.matching`` implements it).

The matcher holds the keys, reads profiles in plain text only in memory, and keeps its index
of blind keys out of the event log (so erasure can delete it); the domain only learns which
households look alike and how much, field by field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID


@dataclass(frozen=True)
class IndexEntry:
    """A household's current profile (plain text, in memory) and where it lives."""

    household_id: UUID
    ward_id: str
    profile: Mapping[str, Any] | None
    version: int | None = None  # the household's, when indexed (catching up skips it then)
    #: The matcher's own form of the profile, made ahead (``DuplicateIndex.carded``): when
    #: set, matching and indexing the entry use it and need no profile.
    card: object | None = None


@dataclass(frozen=True)
class Match:
    """``household_id`` (being recorded now) looks like ``other_id`` (already known)."""

    household_id: UUID
    ward_id: str
    other_id: UUID
    other_ward_id: str
    score: float
    field_scores: dict[str, float]
    same_id_number: bool


class DuplicateIndex(Protocol):
    rule_version: str

    def carded(self, entries: Sequence[IndexEntry]) -> list[IndexEntry]:
        """The entries with their ``card`` made and their profiles dropped: an import's
        worker process makes them, so its writer only matches and indexes."""
        ...

    def matches(self, entries: Sequence[IndexEntry]) -> list[Match]:
        """Each entry's likely duplicates among the indexed households and the earlier
        entries of the same call (a register may hold one household twice)."""
        ...

    def record(
        self,
        entries: Sequence[IndexEntry],
        *,
        forget: Sequence[UUID] = (),
        position: tuple[str, int] | None = None,
    ) -> None:
        """Index (or re-index) these households' current profiles, drop ``forget``'s, and
        store ``position`` (application name, notification id) as followed, in one
        transaction."""
        ...

    def position(self, application_name: str) -> int:
        """The notification id up to which the log's profiles are indexed (0: none)."""
        ...

    def stale(self, versions: Mapping[UUID, int]) -> set[UUID]:
        """The households whose card is older than the given version (or missing)."""
        ...

    def forget(self, household_id: UUID) -> None:
        """Drop a household from the index (its personal data was erased)."""
        ...
