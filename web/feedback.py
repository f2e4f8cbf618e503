"""The household's feedback form (public, no sign-in) and the printable referral slip that
carries its code (for those who may read the household)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from adapters.feedback_codes import pretty
from api.deps import Clock, ReadPool, SukumaApp
from api.feedback.service import Answer, Feedback, TooManyGuesses, UnknownCode
from domain.errors import RuleViolation
from domain.households.model import Household
from domain.referrals.feedback import FEEDBACK_STATUSES
from domain.referrals.model import Referral
from web.render import page
from web.session import Csrf, Viewer

router = APIRouter(include_in_schema=False)
Comment = Annotated[str, Form(max_length=1000, pattern=r"^[^\x00]*$")]


@router.get("/feedback")
async def feedback_form(request: Request, code: str = "") -> Response:
    return page(request, "feedback.html", code=code[:40])


@router.post("/feedback", dependencies=[Csrf])
async def give_feedback(
    request: Request,
    pool: ReadPool,
    clock: Clock,
    code: Annotated[str, Form(max_length=40)],
    received: Annotated[str, Form(pattern="^(yes|no)$")],
    rating: Annotated[int | None, Form(ge=1, le=5)] = None,
    comment: Comment = "",
) -> Response:
    """The same redemption as ``POST /open/v1/feedback`` (its throttle and rules)."""
    feedback: Feedback = request.app.state.feedback
    address = request.client.host if request.client else "unknown"
    answer = Answer(code, received == "yes", rating, comment.strip() or None, "web")
    again = {"code": code}
    try:
        await feedback.redeem(pool, address, answer, clock())
    except UnknownCode:
        return page(request, "feedback.html", 404, error="unknown", **again)
    except TooManyGuesses as exc:
        minutes = max(1, -(-exc.retry_after // 60))
        return page(request, "feedback.html", 429, error="throttled", minutes=minutes, **again)
    except RuleViolation:
        return page(request, "feedback.html", 409, error="refused", **again)
    return page(request, "feedback_thanks.html")


@router.get("/referrals/{referral_id}/slip")
async def slip(request: Request, referral_id: UUID, me: Viewer, app: SukumaApp) -> Response:
    """The referral slip to print for the household, with its feedback code once delivered."""
    feedback: Feedback = request.app.state.feedback

    def load() -> tuple[Referral, str | None, object]:
        referral = app.read(Referral, referral_id, me)
        app.read(Household, UUID(referral.household_id), me)  # never the department's
        if referral.status not in FEEDBACK_STATUSES or referral.delivered_at is None:
            return referral, None, None
        expires = feedback.issue(referral_id, referral.delivered_at)
        return referral, pretty(feedback.code_of(referral_id)), expires

    referral, code, expires = await run_in_threadpool(load)
    return page(request, "slip.html", referral=referral, code=code, expires=expires)
