"""The household's feedback on a delivered referral; its events and state are on ``Referral``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from domain.errors import InvalidCommand, RuleViolation
from domain.vocabulary import ReferralStatus as S

#: Where a delivery stands while the household may still say whether it arrived.
FEEDBACK_STATUSES = frozenset({S.SERVICE_DELIVERED, S.VERIFIED, S.CLOSED})
FEEDBACK_CHANNELS = frozenset({"web", "sms"})
NOT_RECEIVED_REASON = "the household says the service did not reach it (its feedback)"


class ReferralFeedback:
    """Feedback once per referral: a rating, and "not received" disputes the delivery."""

    status: str
    feedback_given: bool
    _feedback_given: Callable[..., None]
    _delivery_disputed: Callable[..., None]

    def give_feedback(
        self,
        *,
        received: bool,
        rating: int | None,
        comment: str | None,
        channel: str,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        """Record the household's word; "not received" reopens the delivery as disputed
        (the same ``DeliveryDisputed`` a field worker records, so every view follows)."""
        if self.feedback_given:
            raise RuleViolation("feedback-once", "feedback on this referral was given already")
        if self.status not in FEEDBACK_STATUSES:
            raise RuleViolation(
                "feedback-lifecycle", f"no feedback on a referral that is {self.status}"
            )
        if not received and self.status == S.CLOSED:
            raise RuleViolation(
                "referral-terminal", "the referral is closed: a dispute goes to the war room"
            )
        if rating is not None and not 1 <= rating <= 5:
            raise InvalidCommand("rating", "must be 1 to 5")
        if channel not in FEEDBACK_CHANNELS:
            raise InvalidCommand(
                "channel", f"must be one of {', '.join(sorted(FEEDBACK_CHANNELS))}"
            )
        self._feedback_given(received=received, rating=rating, comment=comment,
                             channel=channel, occurred_at=occurred_at, actor=actor)  # fmt: skip
        if not received:
            self._delivery_disputed(
                reason=NOT_RECEIVED_REASON, occurred_at=occurred_at, actor=actor
            )
