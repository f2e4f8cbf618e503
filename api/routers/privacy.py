"""Household consent and erasure (POPIA): one intent per endpoint, recorded as events."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import Command
from api.schemas.common import WRITTEN
from api.schemas.privacy import ErasePersonalData, GiveConsent, WithdrawConsent

router = APIRouter(prefix="/households", tags=["data protection"])


@router.post("/{household_id}/consent", responses=WRITTEN)
def give_consent(household_id: UUID, body: GiveConsent, cmd: Command) -> JSONResponse:
    app = cmd.application
    return cmd.run(
        household_id,
        body.occurred_at,
        lambda ctx: app.give_consent(
            household_id=household_id,
            given_by=body.given_by,
            basis=body.basis,
            note=body.note,
            ctx=ctx,
        ),
    )


@router.post("/{household_id}/consent/withdraw", responses=WRITTEN)
def withdraw_consent(household_id: UUID, body: WithdrawConsent, cmd: Command) -> JSONResponse:
    return cmd.apply(household_id, body, cmd.application.withdraw_consent, body.note)


@router.post("/{household_id}/erase", responses=WRITTEN)
def erase_personal_data(household_id: UUID, body: ErasePersonalData, cmd: Command) -> JSONResponse:
    """Destroy the household's data keys: its personal fields read as erased from now on."""
    return cmd.apply(household_id, body, cmd.application.erase_personal_data, body.reason)
