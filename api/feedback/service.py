"""Redeeming a feedback code, whichever way it comes (web form, JSON, SMS gateway).

A guess is counted before its code is looked up, per client address (the sign-in throttle's
table and sliding window, ``SUKUMA_FEEDBACK_MAX_FAILURES_PER_ADDRESS`` per window), so a
guesser is slowed whatever it sends; a right code is then taken off the count. Single use is
the referral's own rule (``feedback-once``): two answers with one code racing, one wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from starlette.concurrency import run_in_threadpool

from adapters import feedback_codes
from api.auth.throttle import TABLE as ATTEMPTS
from api.auth.throttle import Limit, LoginThrottle
from api.feedback import codes
from domain.context import CommandContext, Written
from domain.sukuma import Sukuma

ACTOR = "household (feedback code)"


class UnknownCode(Exception):
    """No live code like it: never issued, mistyped, expired or used."""


class TooManyGuesses(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many wrong codes from this address; try in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Answer:
    code: str
    received: bool
    rating: int | None
    comment: str | None
    channel: str


class Feedback:
    """One per app (``app.state.feedback``)."""

    def __init__(self, application: Sukuma, secret: str, window_seconds: int,
                 per_address: int, code_days: int) -> None:  # fmt: skip
        self.application, self.secret = application, secret
        self.throttle = LoginThrottle(timedelta(seconds=window_seconds), 1, per_address)
        self.per_address = per_address
        self.lifetime = timedelta(days=code_days)

    def code_of(self, referral_id: UUID) -> str:
        return feedback_codes.derive(self.secret, referral_id)

    def issue(self, referral_id: UUID, delivered_at: datetime) -> datetime:
        """Make the referral's code redeemable (its expiry counts from the delivery)."""
        datastore = self.application.factory.datastore  # type: ignore[attr-defined]
        expires_at = delivered_at + self.lifetime
        return feedback_codes.issue(datastore, self.code_of(referral_id), referral_id, expires_at)

    async def redeem(self, pool: Any, address: str, answer: Answer, now: datetime) -> Written:
        """Record the answer on the code's referral (``UnknownCode``, ``TooManyGuesses``, or
        the referral's own refusal, e.g. ``RuleViolation`` once the code was used)."""
        limits = [Limit(f"feedback-address:{address}", self.per_address)]
        wait, attempt = await self.throttle.begin(pool, limits, now)
        if wait is not None:
            raise TooManyGuesses(wait)
        code = feedback_codes.normalize(answer.code)
        async with pool.acquire() as db:
            referral_id = None if code is None else await codes.find(db, code, now)
            if referral_id is None:
                raise UnknownCode(answer.code)  # the attempt stays counted: it was a miss
            await db.execute(f"DELETE FROM {ATTEMPTS} WHERE attempt = $1", attempt)
        ctx = CommandContext(actor=ACTOR, occurred_at=now)
        written = await run_in_threadpool(
            self.application.give_feedback,
            referral_id=referral_id,
            received=answer.received,
            rating=answer.rating,
            comment=answer.comment,
            channel=answer.channel,
            ctx=ctx,
        )
        async with pool.acquire() as db:
            await codes.mark_used(db, referral_id, now)
        return written
