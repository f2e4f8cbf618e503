"""A referral past its service standard: which standard it missed, and the ladder it climbs
for it (``domain.escalation``). The events and state are ``Referral``'s."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from domain.escalation import Ladder, overdue_from
from domain.vocabulary import ReferralStatus as S


class ReferralOverdue:
    """The overdue clock's two questions: a mixin of ``Referral``."""

    status: str
    ack_by: date
    deliver_by: date
    escalation_level: int
    standard_version: str
    _escalated_overdue: Callable[..., None]

    def missed_standard(self, now: datetime) -> tuple[str, date] | None:
        """The service standard the referral has missed by ``now`` (``acknowledgement`` while
        made, ``delivery`` while acknowledged) and its due date; ``None`` if on time."""
        if self.status == S.MADE:
            missed = ("acknowledgement", self.ack_by)
        elif self.status == S.ACKNOWLEDGED:
            missed = ("delivery", self.deliver_by)
        else:
            return None
        return missed if now >= overdue_from(missed[1]) else None

    def follow_ladder(self, ladder: Ladder, occurred_at: datetime, actor: str) -> None:
        """Climb to the level the time overdue has reached by ``occurred_at``, one event per
        level; never down (a manual escalation above the ladder stands), nothing if on time."""
        missed = self.missed_standard(occurred_at)
        if missed is None:
            return
        standard, due = missed
        overdue = occurred_at - overdue_from(due)
        for level in range(self.escalation_level + 1, ladder.level_reached(overdue) + 1):
            self._escalated_overdue(
                from_level=self.escalation_level,
                to_level=level,
                standard=standard,
                due=due,
                standard_version=self.standard_version,
                days_overdue=overdue.days,
                occurred_at=occurred_at,
                actor=actor,
            )
