"""A referral following a household to another ward: its own household's move (``Rehomed``),
or a merge of duplicate households (``HandedOver``). The events are ``Referral``'s.

While its household is merged into a survivor, an open referral is followed up by the
survivor's war room: the merge hands it over, a move of the survivor carries it on, and the
unmerge hands it back to its household's ward, closed or not (exactly where the merge found
it: the duplicate cannot move while merged). Access, the offline feed and every view follow
the aggregate's ``ward_id``, set by these events: this is the only place the rule is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Final

from domain.vocabulary import TERMINAL_REFERRAL_STATUSES

#: ``HandedOver.reason``: the merge, a move of the survivor, the unmerge.
MERGED: Final = "merged"
MOVED: Final = "moved"
UNMERGED: Final = "unmerged"


class ReferralMoves:
    """The move and merge handovers of open referrals: a mixin of ``Referral``."""

    # A class default, so referrals recorded before merges handed them load as never handed.
    survivor_id: str | None = None  # the survivor whose ward follows it up while merged

    household_id: str
    ward_id: str
    status: str
    _rehomed: Callable[..., None]
    _handed_over: Callable[..., None]

    def rehome(self, ward_id: str, occurred_at: datetime, actor: str) -> None:
        """Hand an open referral to its household's new ward; a closed one stays in the
        history of the ward it was followed up in."""
        if self.status in TERMINAL_REFERRAL_STATUSES or ward_id == self.ward_id:
            return
        self._rehomed(
            previous_ward_id=self.ward_id, ward_id=ward_id, occurred_at=occurred_at, actor=actor
        )

    def hand_to_survivor(
        self, *, survivor_id: str, ward_id: str, reason: str, occurred_at: datetime, actor: str
    ) -> None:
        """Its household merged into ``survivor_id`` (``MERGED``), or that survivor moved
        (``MOVED``): an open referral is followed up in the survivor's ward from now on, even
        the same ward (a later move of the survivor carries it on)."""
        unchanged = survivor_id == self.survivor_id and ward_id == self.ward_id
        if self.status in TERMINAL_REFERRAL_STATUSES or unchanged:
            return
        self._hand_over(ward_id, survivor_id, reason, occurred_at, actor)

    def hand_back(self, ward_id: str, occurred_at: datetime, actor: str) -> None:
        """The merge is undone: back to its own household's ward, open or closed since."""
        if self.survivor_id is None:
            return
        self._hand_over(ward_id, self.household_id, UNMERGED, occurred_at, actor)

    def _hand_over(
        self, ward_id: str, household_id: str, reason: str, occurred_at: datetime, actor: str
    ) -> None:
        self._handed_over(
            previous_ward_id=self.ward_id,
            ward_id=ward_id,
            household_id=household_id,
            reason=reason,
            occurred_at=occurred_at,
            actor=actor,
        )
