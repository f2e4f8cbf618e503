"""The convener's remaining steps on a household (move, graduate, reopen, record an
intervention, resolve a need, record or withdraw consent) and on a referral (reassign,
cancel, reopen) as forms.

Each runs the API's application command as the signed-in user, with the version of the case
the form was made from (``Acting.version``, the API's ``If-Match``): a case changed since
answers the "someone changed this meanwhile" page (412), a step its rules refuse now the
rule's reason (409), a step the access policy refuses "you may not do this" (403).
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID, uuid4

from fastapi import APIRouter, Form
from starlette.responses import Response

from api.deps import SukumaApp
from domain.access.policy import Decision, Location, decide
from domain.profile import ConsentBasis, ConsentGivenBy
from domain.vocabulary import InterventionKind
from web.actions import Act, Code, Note, Reason, optional
from web.labels import N_
from web.session import Csrf

router = APIRouter(include_in_schema=False, dependencies=[Csrf])

WardCode = Annotated[str, Form(max_length=32, pattern=r"^[A-Za-z0-9_\-]+$")]
Provider = Annotated[str, Form(min_length=1, max_length=200)]


def _household(household_id: UUID) -> str:
    return f"/households/{household_id}"


@router.post("/households/{household_id}/move")
def move(
    household_id: UUID, act: Act, app: SukumaApp, to_ward: WardCode, reason: Note = ""
) -> Response:
    # Moved out of the user's area, the household's page is no longer theirs to see.
    still_seen = decide(act.principal, "household.read", Location.ward(to_ward))
    return act.then(
        lambda ctx: app.move_household(household_id, to_ward, optional(reason), ctx),
        _household(household_id) if still_seen is Decision.ALLOW else "/households",
        N_("Household moved."),
    )


@router.post("/households/{household_id}/graduate")
def graduate(household_id: UUID, act: Act, app: SukumaApp) -> Response:
    return act.then(
        lambda ctx: app.graduate_household(household_id, None, ctx),
        _household(household_id),
        N_("Household graduated."),
    )


@router.post("/households/{household_id}/reopen")
def reopen_household(household_id: UUID, act: Act, app: SukumaApp, reason: Reason) -> Response:
    return act.then(
        lambda ctx: app.reopen_household(household_id, reason.strip(), ctx),
        _household(household_id),
        N_("Household case reopened."),
    )


@router.post("/households/{household_id}/needs/{need_id}/interventions")
def record_intervention(
    household_id: UUID,
    need_id: UUID,
    act: Act,
    app: SukumaApp,
    kind: Annotated[InterventionKind, Form()],
    provider: Provider,
    description: Note = "",
) -> Response:
    return act.then(
        lambda ctx: app.record_intervention(
            household_id=household_id,
            intervention_id=uuid4(),
            need_id=str(need_id),
            kind=kind,
            provider=provider.strip(),
            description=optional(description),
            ctx=ctx,
        ),
        _household(household_id),
        N_("Service recorded."),
    )


@router.post("/households/{household_id}/needs/{need_id}/resolve")
def resolve_need(
    household_id: UUID,
    need_id: UUID,
    act: Act,
    app: SukumaApp,
    resolution: Annotated[Literal["met", "no_longer_needed"], Form()],
    note: Note = "",
) -> Response:
    return act.then(
        lambda ctx: app.resolve_need(
            household_id=household_id,
            need_id=str(need_id),
            resolution=resolution,
            note=optional(note),
            ctx=ctx,
        ),
        _household(household_id),
        N_("Need resolved."),
    )


@router.post("/households/{household_id}/consent")
def give_consent(
    household_id: UUID,
    act: Act,
    app: SukumaApp,
    given_by: Annotated[ConsentGivenBy, Form()],
    basis: Annotated[ConsentBasis, Form()] = "consent",
    note: Note = "",
) -> Response:
    return act.then(
        lambda ctx: app.give_consent(
            household_id=household_id, given_by=given_by, basis=basis, note=optional(note), ctx=ctx
        ),
        _household(household_id),
        N_("Consent recorded."),
    )


@router.post("/households/{household_id}/consent/withdraw")
def withdraw_consent(household_id: UUID, act: Act, app: SukumaApp, note: Note = "") -> Response:
    return act.then(
        lambda ctx: app.withdraw_consent(household_id, optional(note), ctx),
        _household(household_id),
        N_("Consent withdrawn."),
    )


@router.post("/referrals/{referral_id}/reassign")
def reassign(
    referral_id: UUID, act: Act, app: SukumaApp, department: Code, reason: Reason
) -> Response:
    return act.done(
        lambda ctx: app.reassign_referral(referral_id, department, reason.strip(), ctx),
        referral_id,
        N_("Referral reassigned."),
    )


@router.post("/referrals/{referral_id}/cancel")
def cancel(referral_id: UUID, act: Act, app: SukumaApp, reason: Reason) -> Response:
    return act.done(
        lambda ctx: app.cancel_referral(referral_id, reason.strip(), ctx),
        referral_id,
        N_("Referral cancelled."),
    )


@router.post("/referrals/{referral_id}/reopen")
def reopen_referral(referral_id: UUID, act: Act, app: SukumaApp, reason: Reason) -> Response:
    return act.done(
        lambda ctx: app.reopen_referral(referral_id, reason.strip(), ctx),
        referral_id,
        N_("Referral reopened."),
    )
