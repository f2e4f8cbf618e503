"""Referral endpoints: one intent per route, from making a referral to closing the loop."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID, uuid4

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from api.deps import Command, CurrentUser, SukumaApp
from api.history import history_of
from api.personal import referral_read, shaped_history
from api.schemas.common import CREATED, WRITTEN, AsOf, CommandBody, HistoryRead
from api.schemas.referrals import (
    AcknowledgeReferral,
    CloseReferral,
    DeliverReferral,
    EscalateReferral,
    MakeReferral,
    ReasonedCommand,
    ReassignReferral,
    ReferralRead,
    RejectReferral,
    VerifyReferral,
)
from domain.context import CommandContext, Written
from domain.households.model import Household
from domain.referrals.model import Referral

router = APIRouter(prefix="/referrals", tags=["referrals"])


@router.post("", status_code=201, responses=CREATED)
def make_referral(body: MakeReferral, cmd: Command) -> JSONResponse:
    app = cmd.application
    referral_id = body.id or uuid4()
    return cmd.run(
        referral_id,
        body.occurred_at,
        lambda ctx: app.make_referral(
            referral_id=referral_id,
            household_id=body.household_id,
            need_id=str(body.need_id),
            department_code=body.department,
            personal_data_shared=body.personal_data_shared,
            note=body.note,
            ctx=ctx,
            # Sharing without consent: the access policy's referral:override-consent (convener).
            consent_override_reason=body.consent_override_reason,
        ),
        status_code=201,
        location=f"/v1/referrals/{referral_id}",
    )


@router.get("/{referral_id}")
def get_referral(
    referral_id: UUID, app: SukumaApp, response: Response, user: CurrentUser
) -> ReferralRead:
    referral = app.read(Referral, referral_id, user)
    response.headers["ETag"] = f'"{referral.version}"'
    return referral_read(app, user, referral, "GET /v1/referrals/{id}")


@router.get("/{referral_id}/history")
def referral_history(
    referral_id: UUID, app: SukumaApp, user: CurrentUser, as_of: AsOf = None
) -> HistoryRead:
    history = history_of(app, Referral, referral_id, as_of, ReferralRead.of, user)
    referral = app.get(Referral, referral_id)
    household = app.get(Household, UUID(referral.household_id))
    return shaped_history(app, user, household, history, "GET /v1/referrals/{id}/history", referral)


def _run(
    cmd: Command, referral_id: UUID, body: CommandBody, action: Callable[[CommandContext], Written]
) -> JSONResponse:
    return cmd.run(referral_id, body.occurred_at, action)


@router.post("/{referral_id}/acknowledge", responses=WRITTEN)
def acknowledge(referral_id: UUID, body: AcknowledgeReferral, cmd: Command) -> JSONResponse:
    app = cmd.application
    return _run(
        cmd, referral_id, body, lambda c: app.acknowledge_referral(referral_id, body.note, c)
    )


@router.post("/{referral_id}/reject", responses=WRITTEN)
def reject(referral_id: UUID, body: RejectReferral, cmd: Command) -> JSONResponse:
    app = cmd.application
    return _run(
        cmd,
        referral_id,
        body,
        lambda c: app.reject_referral(referral_id, body.reason, body.note, c),
    )


@router.post("/{referral_id}/reassign", responses=WRITTEN)
def reassign(referral_id: UUID, body: ReassignReferral, cmd: Command) -> JSONResponse:
    app = cmd.application
    return _run(
        cmd,
        referral_id,
        body,
        lambda c: app.reassign_referral(referral_id, body.to_department, body.reason, c),
    )


@router.post("/{referral_id}/escalate", responses=WRITTEN)
def escalate(referral_id: UUID, body: EscalateReferral, cmd: Command) -> JSONResponse:
    app = cmd.application
    return _run(
        cmd,
        referral_id,
        body,
        lambda c: app.escalate_referral(referral_id, body.level, body.reason, c),
    )


@router.post("/{referral_id}/deliver", responses=WRITTEN)
def deliver(referral_id: UUID, body: DeliverReferral, cmd: Command) -> JSONResponse:
    app = cmd.application
    intervention_id = body.intervention_id or uuid4()
    return cmd.run(
        referral_id,
        body.occurred_at,
        lambda c: app.deliver_referral(
            referral_id=referral_id,
            intervention_id=intervention_id,
            kind=body.kind,
            description=body.description,
            ctx=c,
        ),
        extra={"intervention_id": str(intervention_id)},
    )


@router.post("/{referral_id}/verify", responses=WRITTEN)
def verify(referral_id: UUID, body: VerifyReferral, cmd: Command) -> JSONResponse:
    app = cmd.application
    return _run(cmd, referral_id, body, lambda c: app.verify_referral(referral_id, body.note, c))


@router.post("/{referral_id}/dispute", responses=WRITTEN)
def dispute(referral_id: UUID, body: ReasonedCommand, cmd: Command) -> JSONResponse:
    app = cmd.application
    return _run(cmd, referral_id, body, lambda c: app.dispute_referral(referral_id, body.reason, c))


@router.post("/{referral_id}/reopen", responses=WRITTEN)
def reopen(referral_id: UUID, body: ReasonedCommand, cmd: Command) -> JSONResponse:
    app = cmd.application
    return _run(cmd, referral_id, body, lambda c: app.reopen_referral(referral_id, body.reason, c))


@router.post("/{referral_id}/close", responses=WRITTEN)
def close(referral_id: UUID, body: CloseReferral, cmd: Command) -> JSONResponse:
    app = cmd.application
    return _run(cmd, referral_id, body, lambda c: app.close_referral(referral_id, body.note, c))


@router.post("/{referral_id}/cancel", responses=WRITTEN)
def cancel(referral_id: UUID, body: ReasonedCommand, cmd: Command) -> JSONResponse:
    app = cmd.application
    return _run(cmd, referral_id, body, lambda c: app.cancel_referral(referral_id, body.reason, c))
