"""The household's feedback on a delivered referral (Referral.give_feedback), no I/O."""

from __future__ import annotations

import pytest

from domain.errors import InvalidCommand, RuleViolation
from domain.referrals.model import Referral
from domain.vocabulary import ReferralStatus
from tests.unit.test_referral import ACTOR, PATHS, at, made

S = ReferralStatus


def in_status(status: str) -> Referral:
    referral = made()
    for step in PATHS[status]:
        step(referral)
    referral.collect_events()
    return referral


def feedback(referral: Referral, received: bool = True, rating: int | None = 4) -> None:
    referral.give_feedback(received=received, rating=rating, comment="thank you",
                           channel="web", occurred_at=at(9), actor=ACTOR)  # fmt: skip


@pytest.mark.parametrize("status", [S.SERVICE_DELIVERED, S.VERIFIED, S.CLOSED])
def test_a_delivered_referral_takes_the_households_rating_once(status: str) -> None:
    referral = in_status(status)

    feedback(referral)

    [given] = referral.collect_events()
    assert isinstance(given, Referral.FeedbackGiven)
    assert (given.received, given.rating, given.comment, given.channel) == (
        True, 4, "thank you", "web",
    )  # fmt: skip
    assert referral.status == status
    with pytest.raises(RuleViolation, match="given already"):
        feedback(referral)


@pytest.mark.parametrize("status", [S.SERVICE_DELIVERED, S.VERIFIED])
def test_not_received_reopens_the_delivery_as_disputed(status: str) -> None:
    referral = in_status(status)

    feedback(referral, received=False, rating=None)

    given, disputed = referral.collect_events()
    assert isinstance(given, Referral.FeedbackGiven) and given.received is False
    assert isinstance(disputed, Referral.DeliveryDisputed)
    assert referral.status == S.DISPUTED


@pytest.mark.parametrize("status", [S.MADE, S.ACKNOWLEDGED, S.DISPUTED])
def test_no_feedback_before_a_delivery(status: str) -> None:
    with pytest.raises(RuleViolation, match="no feedback"):
        feedback(in_status(status))


def test_a_closed_referral_is_not_disputed_by_feedback_and_ratings_are_1_to_5() -> None:
    with pytest.raises(RuleViolation, match="closed"):
        feedback(in_status(S.CLOSED), received=False, rating=None)
    for rating in (0, 6):
        with pytest.raises(InvalidCommand):
            feedback(in_status(S.SERVICE_DELIVERED), rating=rating)
