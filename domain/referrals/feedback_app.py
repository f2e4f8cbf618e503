"""The household's feedback as a command: the referral's event, and an alert when it says the
service never arrived."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from domain.context import CommandContext, Written
from domain.reference.geography import geography
from domain.referrals.application import ReferralCommands
from domain.referrals.model import Referral

#: The alert a "not received" raises to the ward's war room (not a sweep's rule: the sweeper
#: neither raises nor resolves it; the war room resolves it like any other).
FEEDBACK_RULE = "FB-01"
FEEDBACK_RULE_VERSION = "feedback-v1"
FEEDBACK_ALERT_LEVEL = 2


class FeedbackCommands(ReferralCommands):
    """A mixin of ``Sukuma``, beside ``AlertCommands`` (whose ``raise_alert`` it calls)."""

    raise_alert: Callable[..., Written]

    def give_feedback(
        self,
        *,
        referral_id: UUID,
        received: bool,
        rating: int | None,
        comment: str | None,
        channel: str,
        ctx: CommandContext,
    ) -> Written:
        """The household's word, given with its feedback code: the code is its authority, so
        the caller checks it and acts as the system (``ctx.principal`` is ``None``)."""
        written = self._change(
            Referral,
            referral_id,
            ctx,
            lambda r: r.give_feedback(received=received, rating=rating, comment=comment,
                                      channel=channel, occurred_at=ctx.occurred_at,
                                      actor=ctx.actor),
            action="feedback",
        )  # fmt: skip
        if not received:
            referral = self.get(Referral, referral_id)
            municipality, district, _ = geography().ancestors(referral.ward_id)
            self.raise_alert(
                rule=FEEDBACK_RULE,
                rule_version=FEEDBACK_RULE_VERSION,
                subject=f"referral:{referral_id}",
                level=FEEDBACK_ALERT_LEVEL,
                evidence={"referral_id": str(referral_id), "department": referral.department,
                          "channel": channel, "said": "not received"},
                scope={"ward_id": referral.ward_id, "municipality": municipality,
                       "district": district, "department": referral.department},
                since=ctx.occurred_at,
                ctx=ctx,
            )  # fmt: skip
        return written
