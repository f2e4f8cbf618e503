"""The actions as forms: each posts one intent, runs the same application command as the API
(the access policy applied by the application, with the signed-in user as principal), then
sees the referral's page again (post/redirect/get) with a notice of what was done."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from uuid import UUID, uuid4

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from api.deps import Clock, SukumaApp
from domain.access.principal import Principal
from domain.context import CommandContext, Written
from domain.vocabulary import InterventionKind, RejectionReason
from web.labels import N_
from web.render import redirect
from web.session import Csrf, Viewer

router = APIRouter(include_in_schema=False, dependencies=[Csrf])

Note = Annotated[str, Form(max_length=2000)]
Code = Annotated[str, Form(max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]


def _done(
    request: Request,
    me: Principal,
    clock: Clock,
    command: Callable[[CommandContext], Written],
    referral_id: UUID,
    notice: str,
) -> Response:
    command(CommandContext(actor=me.actor, occurred_at=clock(), principal=me))
    return redirect(request, f"/referrals/{referral_id}", notice=notice)


def _text(value: str) -> str | None:
    return value.strip() or None


@router.post("/households/{household_id}/needs/{need_id}/refer")
def make_referral(
    request: Request,
    household_id: UUID,
    need_id: UUID,
    me: Viewer,
    app: SukumaApp,
    clock: Clock,
    department: Code,
    note: Note = "",
    share: Annotated[bool, Form()] = False,
) -> Response:
    referral_id = uuid4()
    return _done(
        request,
        me,
        clock,
        lambda ctx: app.make_referral(
            referral_id=referral_id,
            household_id=household_id,
            need_id=str(need_id),
            department_code=department,
            personal_data_shared=share,
            note=_text(note),
            ctx=ctx,
        ),
        referral_id,
        N_("Referral made."),
    )


@router.post("/referrals/{referral_id}/acknowledge")
def acknowledge(
    request: Request, referral_id: UUID, me: Viewer, app: SukumaApp, clock: Clock, note: Note = ""
) -> Response:
    return _done(
        request,
        me,
        clock,
        lambda ctx: app.acknowledge_referral(referral_id, _text(note), ctx),
        referral_id,
        N_("Referral acknowledged."),
    )


@router.post("/referrals/{referral_id}/reject")
def reject(
    request: Request,
    referral_id: UUID,
    me: Viewer,
    app: SukumaApp,
    clock: Clock,
    reason: Annotated[RejectionReason, Form()],
    note: Note = "",
) -> Response:
    return _done(
        request,
        me,
        clock,
        lambda ctx: app.reject_referral(referral_id, reason, _text(note), ctx),
        referral_id,
        N_("Referral rejected."),
    )


@router.post("/referrals/{referral_id}/deliver")
def deliver(
    request: Request,
    referral_id: UUID,
    me: Viewer,
    app: SukumaApp,
    clock: Clock,
    kind: Annotated[InterventionKind, Form()],
    description: Note = "",
) -> Response:
    return _done(
        request,
        me,
        clock,
        lambda ctx: app.deliver_referral(
            referral_id=referral_id,
            intervention_id=uuid4(),
            kind=kind,
            description=_text(description),
            ctx=ctx,
        ),
        referral_id,
        N_("Delivery recorded."),
    )


@router.post("/referrals/{referral_id}/verify")
def verify(
    request: Request, referral_id: UUID, me: Viewer, app: SukumaApp, clock: Clock, note: Note = ""
) -> Response:
    return _done(
        request,
        me,
        clock,
        lambda ctx: app.verify_referral(referral_id, _text(note), ctx),
        referral_id,
        N_("Delivery verified."),
    )


@router.post("/referrals/{referral_id}/dispute")
def dispute(
    request: Request,
    referral_id: UUID,
    me: Viewer,
    app: SukumaApp,
    clock: Clock,
    reason: Annotated[str, Form(min_length=1, max_length=2000)],
) -> Response:
    return _done(
        request,
        me,
        clock,
        lambda ctx: app.dispute_referral(referral_id, reason, ctx),
        referral_id,
        N_("Delivery disputed."),
    )


@router.post("/referrals/{referral_id}/close")
def close(
    request: Request, referral_id: UUID, me: Viewer, app: SukumaApp, clock: Clock, note: Note = ""
) -> Response:
    return _done(
        request,
        me,
        clock,
        lambda ctx: app.close_referral(referral_id, _text(note), ctx),
        referral_id,
        N_("Referral closed."),
    )


@router.post("/referrals/{referral_id}/escalate")
def escalate(
    request: Request,
    referral_id: UUID,
    me: Viewer,
    app: SukumaApp,
    clock: Clock,
    level: Annotated[int, Form(ge=1, le=10)],
    reason: Annotated[str, Form(min_length=1, max_length=2000)],
) -> Response:
    return _done(
        request,
        me,
        clock,
        lambda ctx: app.escalate_referral(referral_id, level, reason, ctx),
        referral_id,
        N_("Referral escalated."),
    )
