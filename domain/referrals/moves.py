"""A referral following its household to a new ward; its event and state are on ``Referral``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from domain.vocabulary import TERMINAL_REFERRAL_STATUSES


class ReferralMoves:
    """The move handover of open referrals: a mixin of ``Referral``."""

    ward_id: str
    status: str
    _rehomed: Callable[..., None]

    def rehome(self, ward_id: str, occurred_at: datetime, actor: str) -> None:
        """Hand an open referral to its household's new ward; a closed one stays in the
        history of the ward it was followed up in."""
        if self.status in TERMINAL_REFERRAL_STATUSES or ward_id == self.ward_id:
            return
        self._rehomed(
            previous_ward_id=self.ward_id, ward_id=ward_id, occurred_at=occurred_at, actor=actor
        )
