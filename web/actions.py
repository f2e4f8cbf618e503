"""The actions as forms: each posts one intent, runs the same application command as the API
(the access policy applied by the application, with the signed-in user as principal), then
sees the referral's page again (post/redirect/get) with a notice of what was done."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from api.deps import Clock, SukumaApp
from domain.access.principal import Principal
from domain.context import CommandContext, Written
from domain.vocabulary import InterventionKind, NeedCategory, RejectionReason, Severity
from web.labels import N_
from web.render import redirect
from web.session import Csrf, Viewer

router = APIRouter(include_in_schema=False, dependencies=[Csrf])

Note = Annotated[str, Form(max_length=2000)]
Reason = Annotated[str, Form(min_length=1, max_length=2000)]
Code = Annotated[str, Form(max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]


@dataclass(frozen=True)
class Acting:
    """Who acts, when, and where the answer goes: what every form's command needs."""

    request: Request
    principal: Principal
    clock: Callable[[], datetime]
    #: The version of the case the form was made from (``If-Match``): a case changed since
    #: answers 412. ``None`` (forms of additive facts): applies to the case as it is now.
    version: int | None = None

    def done(
        self, command: Callable[[CommandContext], Written], referral_id: UUID, notice: str
    ) -> Response:
        """Run ``command`` as the signed-in user; show the referral with ``notice``."""
        return self.then(command, f"/referrals/{referral_id}", notice)

    def then(
        self,
        command: Callable[[CommandContext], Written],
        page: str,
        notice: str,
        *,
        fresh: bool = False,
    ) -> Response:
        """Run ``command`` as the signed-in user; show ``page`` with ``notice``. ``fresh``:
        a page read from a view waits for it to hold the write (``?min_position=``, as an API
        client reads its own writes)."""
        me = self.principal
        ctx = CommandContext(
            actor=me.actor, occurred_at=self.clock(), expected_version=self.version, principal=me
        )
        written = command(ctx)
        if fresh and written.position:
            page = f"{page}?min_position={written.position}"
        return redirect(self.request, page, notice=notice)


async def acting(
    request: Request,
    me: Viewer,
    clock: Clock,
    version: Annotated[int | None, Form(ge=1, le=2**31)] = None,
) -> Acting:
    return Acting(request, me, clock, version)


Act = Annotated[Acting, Depends(acting)]


def optional(value: str) -> str | None:
    """A form's optional text: ``None`` when left blank."""
    return value.strip() or None


@router.post("/households/{household_id}/needs")
def identify_need(
    household_id: UUID,
    act: Act,
    app: SukumaApp,
    category: Annotated[NeedCategory, Form()],
    severity: Annotated[Severity, Form()],
    note: Note = "",
) -> Response:
    return act.then(
        lambda ctx: app.identify_need(
            household_id=household_id,
            need_id=uuid4(),
            category=category,
            severity=severity,
            department_code=None,  # the category's usual department
            member_id=None,
            note=optional(note),
            ctx=ctx,
        ),
        f"/households/{household_id}",
        N_("Need recorded."),
    )


@router.post("/households/{household_id}/needs/{need_id}/refer")
def make_referral(
    household_id: UUID,
    need_id: UUID,
    act: Act,
    app: SukumaApp,
    department: Code,
    note: Note = "",
    share: Annotated[bool, Form()] = False,
) -> Response:
    referral_id = uuid4()
    return act.done(
        lambda ctx: app.make_referral(
            referral_id=referral_id,
            household_id=household_id,
            need_id=str(need_id),
            department_code=department,
            personal_data_shared=share,
            note=optional(note),
            ctx=ctx,
        ),
        referral_id,
        N_("Referral made."),
    )


@router.post("/referrals/{referral_id}/acknowledge")
def acknowledge(referral_id: UUID, act: Act, app: SukumaApp, note: Note = "") -> Response:
    return act.done(
        lambda ctx: app.acknowledge_referral(referral_id, optional(note), ctx),
        referral_id,
        N_("Referral acknowledged."),
    )


@router.post("/referrals/{referral_id}/reject")
def reject(
    referral_id: UUID,
    act: Act,
    app: SukumaApp,
    reason: Annotated[RejectionReason, Form()],
    note: Note = "",
) -> Response:
    return act.done(
        lambda ctx: app.reject_referral(referral_id, reason, optional(note), ctx),
        referral_id,
        N_("Referral rejected."),
    )


@router.post("/referrals/{referral_id}/deliver")
def deliver(
    referral_id: UUID,
    act: Act,
    app: SukumaApp,
    kind: Annotated[InterventionKind, Form()],
    description: Note = "",
) -> Response:
    return act.done(
        lambda ctx: app.deliver_referral(
            referral_id=referral_id,
            intervention_id=uuid4(),
            kind=kind,
            description=optional(description),
            ctx=ctx,
        ),
        referral_id,
        N_("Delivery recorded."),
    )


@router.post("/referrals/{referral_id}/verify")
def verify(referral_id: UUID, act: Act, app: SukumaApp, note: Note = "") -> Response:
    return act.done(
        lambda ctx: app.verify_referral(referral_id, optional(note), ctx),
        referral_id,
        N_("Delivery verified."),
    )


@router.post("/referrals/{referral_id}/dispute")
def dispute(
    referral_id: UUID,
    act: Act,
    app: SukumaApp,
    reason: Reason,
) -> Response:
    return act.done(
        lambda ctx: app.dispute_referral(referral_id, reason, ctx),
        referral_id,
        N_("Delivery disputed."),
    )


@router.post("/referrals/{referral_id}/close")
def close(referral_id: UUID, act: Act, app: SukumaApp, note: Note = "") -> Response:
    return act.done(
        lambda ctx: app.close_referral(referral_id, optional(note), ctx),
        referral_id,
        N_("Referral closed."),
    )


@router.post("/referrals/{referral_id}/escalate")
def escalate(
    referral_id: UUID,
    act: Act,
    app: SukumaApp,
    level: Annotated[int, Form(ge=1, le=10)],
    reason: Reason,
) -> Response:
    return act.done(
        lambda ctx: app.escalate_referral(referral_id, level, reason, ctx),
        referral_id,
        N_("Referral escalated."),
    )
