"""A household recorded twice: merging the duplicate into the survivor, and undoing it.

Both households record the merge (the duplicate ``MergedInto``, the survivor ``Absorbed``), so
either's history tells it, and undoing it (``MergeUndone``, ``AbsorptionUndone``) leaves each
exactly as it was: a merge moves nothing, it only links, and every reader (views, reads of
the duplicate's id) follows the link while it stands.

The events are nested here but named as ``Household``'s own (``Household.MergedInto``, stored
as ``domain.households.model:Household.MergedInto``, which resolves through this mixin), like
every household event in histories and topics (``tests/unit/test_duplicates.py`` checks them).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from domain.base import SukumaAggregate
from domain.errors import RuleViolation

_MODEL = "domain.households.model"  # where ``Household`` is, so its events' topics name it


class HouseholdMerged(RuleViolation):
    """A command addressed to a merged household: refused, naming the survivor to send it to.

    Not redirected: a need, visit or intervention belongs to the aggregate it was recorded on
    (a need id of the duplicate is no need of the survivor), and a fact recorded on the
    survivor instead would stay there after an unmerge, which must leave both as they were.
    """

    def __init__(self, action: str, survivor_id: str) -> None:
        super().__init__(
            "household-merged",
            f"cannot {action}: the household is merged into {survivor_id}; "
            "send it to that household",
        )
        self.survivor_id = survivor_id


class HouseholdDuplicates:
    """The merge's events and commands, mixed into ``Household``."""

    class MergedInto(SukumaAggregate.Event):
        __module__ = _MODEL
        __qualname__ = "Household.MergedInto"
        survivor_id: str
        candidate_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.merged_into = self.survivor_id

    class Absorbed(SukumaAggregate.Event):
        __module__ = _MODEL
        __qualname__ = "Household.Absorbed"
        duplicate_id: str
        candidate_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.absorbed = (*aggregate.absorbed, self.duplicate_id)

    class MergeUndone(SukumaAggregate.Event):
        __module__ = _MODEL
        __qualname__ = "Household.MergeUndone"
        survivor_id: str
        candidate_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.merged_into = None

    class AbsorptionUndone(SukumaAggregate.Event):
        __module__ = _MODEL
        __qualname__ = "Household.AbsorptionUndone"
        duplicate_id: str
        candidate_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.absorbed = tuple(d for d in aggregate.absorbed if d != self.duplicate_id)

    # Class defaults, so households recorded before merges existed load as never merged.
    merged_into: str | None = None  # the survivor's id while this household is merged
    absorbed: tuple[str, ...] = ()  # the duplicates merged into this household

    trigger_event: Callable[..., None]
    id: Any

    def ensure_not_merged(self, action: str) -> None:
        if self.merged_into is not None:
            raise HouseholdMerged(action, self.merged_into)

    def merge_into(
        self, *, survivor_id: str, candidate_id: str, occurred_at: datetime, actor: str
    ) -> None:
        """Mark this household as the duplicate of ``survivor_id``."""
        if survivor_id == str(self.id):
            raise RuleViolation("merge-other-household", "a household is not its own duplicate")
        self.ensure_not_merged("merge it")
        if self.absorbed:
            raise RuleViolation(
                "merge-survivor-has-duplicates",
                "cannot merge a household that others are merged into (undo those first)",
            )
        self.trigger_event(
            self.MergedInto,
            survivor_id=survivor_id,
            candidate_id=candidate_id,
            occurred_at=occurred_at,
            actor=actor,
        )

    def absorb(
        self, *, duplicate_id: str, candidate_id: str, occurred_at: datetime, actor: str
    ) -> None:
        """Take ``duplicate_id`` in as this household's duplicate."""
        self.ensure_not_merged("merge into it")
        self.trigger_event(
            self.Absorbed,
            duplicate_id=duplicate_id,
            candidate_id=candidate_id,
            occurred_at=occurred_at,
            actor=actor,
        )

    def undo_merge(self, *, candidate_id: str, occurred_at: datetime, actor: str) -> None:
        if self.merged_into is None:
            raise RuleViolation("household-not-merged", "the household is not merged")
        self.trigger_event(
            self.MergeUndone,
            survivor_id=self.merged_into,
            candidate_id=candidate_id,
            occurred_at=occurred_at,
            actor=actor,
        )

    def undo_absorption(
        self, *, duplicate_id: str, candidate_id: str, occurred_at: datetime, actor: str
    ) -> None:
        if duplicate_id not in self.absorbed:
            raise RuleViolation("household-not-merged", f"{duplicate_id} is not merged into it")
        self.trigger_event(
            self.AbsorptionUndone,
            duplicate_id=duplicate_id,
            candidate_id=candidate_id,
            occurred_at=occurred_at,
            actor=actor,
        )
