"""Citizen feedback: a referral's code for its slip (signed in), and the household's answer
without signing in (JSON, or the SMS/USSD gateway's signed webhook)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from adapters.feedback_codes import pretty
from api.deps import Clock, CurrentUser, ReadPool, SukumaApp
from api.feedback import webhook
from api.feedback.service import Answer, Feedback, TooManyGuesses, UnknownCode
from api.ratelimit import open_data_limit
from api.schemas.common import ErrorRead, RuleRead
from api.schemas.feedback import (
    FeedbackCodeRead,
    FeedbackRecorded,
    FeedbackRequest,
    InboundMessage,
    InboundReply,
)
from domain.errors import InvalidCommand, RuleViolation
from domain.households.model import Household
from domain.referrals.feedback import FEEDBACK_STATUSES
from domain.referrals.model import Referral

router = APIRouter(tags=["feedback"])
public = APIRouter(
    prefix="/open/v1",
    tags=["feedback"],
    dependencies=[Depends(open_data_limit)],
    responses={
        400: {"model": ErrorRead, "description": "The body cannot be decoded (not UTF-8)"},
        429: {"model": ErrorRead, "description": "Too many requests or wrong codes"},
    },
)
_REFUSALS: dict[int | str, dict[str, Any]] = {
    409: {"model": RuleRead, "description": "The code was used, or the referral refuses it"},
}


def feedback_of(request: Request) -> Feedback:
    feedback: Feedback = request.app.state.feedback
    return feedback


FeedbackService = Annotated[Feedback, Depends(feedback_of)]


@router.get(
    "/referrals/{referral_id}/feedback-code",
    responses={409: {"model": RuleRead, "description": "The referral is not delivered"}},
)
def feedback_code(
    referral_id: UUID, app: SukumaApp, user: CurrentUser, feedback: FeedbackService
) -> FeedbackCodeRead:
    """The delivered referral's feedback code, for its slip. Only for those who may read the
    household (its field worker, the convener): never the department being rated."""
    referral = app.read(Referral, referral_id, user)
    app.read(Household, UUID(referral.household_id), user)
    if referral.status not in FEEDBACK_STATUSES or referral.delivered_at is None:
        raise RuleViolation("feedback-lifecycle", "a feedback code comes with a delivery")
    expires_at = feedback.issue(referral_id, referral.delivered_at)
    return FeedbackCodeRead(code=pretty(feedback.code_of(referral_id)), expires_at=expires_at,
                            slip=f"/referrals/{referral_id}/slip")  # fmt: skip


@public.post(
    "/feedback",
    responses={404: {"model": ErrorRead, "description": "No such live code"}, **_REFUSALS},
)
async def give_feedback(
    body: FeedbackRequest, request: Request, feedback: FeedbackService, pool: ReadPool,
    clock: Clock,
) -> FeedbackRecorded:  # fmt: skip
    """The household's word on a delivery, with the code from its slip or SMS."""
    address = request.client.host if request.client else "unknown"
    answer = Answer(body.code, body.received, body.rating, body.comment, "web")
    try:
        await feedback.redeem(pool, address, answer, clock())
    except UnknownCode:
        raise HTTPException(404, "no live feedback code like this") from None
    except TooManyGuesses as exc:
        raise HTTPException(429, str(exc), headers={"Retry-After": str(exc.retry_after)}) from None
    return FeedbackRecorded()


@public.post(
    "/feedback/sms",
    responses={
        401: {"model": ErrorRead, "description": "Bad signature, or too old or new"},
        404: {"model": ErrorRead, "description": "No SMS gateway is configured"},
        409: {"model": ErrorRead, "description": "This message was received before"},
        422: {"description": "Signed, but not a message"},
    },
)
async def inbound_message(
    request: Request, feedback: FeedbackService, pool: ReadPool, clock: Clock
) -> InboundReply:
    """The SMS/USSD gateway's webhook (HMAC-signed, see api.feedback.webhook)."""
    secret = request.app.state.settings.sms_webhook_secret
    if secret is None:
        raise HTTPException(404, "no SMS gateway is configured")
    raw, now = await request.body(), clock()
    message_id, _ = webhook.verify(secret.get_secret_value(), request.headers, raw, now)
    try:
        message = InboundMessage.model_validate_json(raw)
    except ValidationError as exc:  # signed, but not a message: the gateway's bug, a 422
        raise RequestValidationError(exc.errors(include_url=False)) from None
    async with pool.acquire() as db:
        if not await webhook.first_time(db, message_id, now):
            raise HTTPException(409, "this message was received before")
    answer = _answer_of(message)
    if answer is None:
        return InboundReply(status="not-understood", reply=REPLIES["not-understood"])
    try:
        await feedback.redeem(pool, f"sms:{message.sender}", answer, now)
    except (UnknownCode, TooManyGuesses):
        return InboundReply(status="unknown-code", reply=REPLIES["unknown-code"])
    except (RuleViolation, InvalidCommand):
        return InboundReply(status="refused", reply=REPLIES["refused"])
    return InboundReply(status="recorded", reply=REPLIES["recorded"])


def _answer_of(message: InboundMessage) -> Answer | None:
    if message.text is not None:
        parsed = webhook.parse_text(message.text)
        return None if parsed is None else Answer(*parsed, channel="sms")
    if message.code is None or message.received is None:
        return None
    return Answer(message.code, message.received, message.rating, message.comment, "sms")


# Sent back to the phone in both languages (the sender's language is not known).
REPLIES = {
    "recorded": "Thank you: your feedback is recorded. / Siyabonga: umbono wakho ulotshiwe.",
    "unknown-code": "That code is not valid or was used. / Leyo khodi ayisebenzi noma "
    "isisetshenzisiwe.",
    "not-understood": "Send: CODE YES or NO, then 1-5. / Thumela: IKHODI YEBO noma CHA, "
    "bese u-1 kuya ku-5.",
    "refused": "This referral cannot take feedback now. / Lokhu kudluliselwa akukwazi "
    "ukwamukela umbono manje.",
}
